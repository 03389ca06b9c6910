/**
 * Flags and helpers every cluster-facing command shares: --kubeconfig, --context, -n/--namespace, and
 * the kinds users name in commands (`source git`, `kustomization`, ...).
 */
import { UsageError } from "./command.ts";
import type { KubeClient } from "../kube/client.ts";
import { createHttpClient } from "../kube/http-client.ts";
import { connect } from "../runtime/kube-transport.ts";
import { bucketKind } from "../api/bucket.ts";
import { gitRepositoryKind } from "../api/git-repository.ts";
import { helmRepositoryKind } from "../api/helm-repository.ts";
import { helmChartKind } from "../api/helm-chart.ts";
import { kustomizationKind } from "../api/kustomization.ts";
import { helmReleaseKind } from "../api/helm-release.ts";
import { ociRepositoryKind } from "../api/oci-repository.ts";
import { alertKind } from "../api/alert.ts";
import { providerKind } from "../api/provider.ts";
import { receiverKind } from "../api/receiver.ts";
import { imageRepositoryKind } from "../api/image-repository.ts";
import { imagePolicyKind } from "../api/image-policy.ts";
import { imageUpdateAutomationKind } from "../api/image-update-automation.ts";

export const CLUSTER_OPTIONS = {
  namespace: { type: "string", short: "n" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
} as const;

export const CLUSTER_HELP = `  -n, --namespace NS        namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE     kubeconfig to use (default: KUBECONFIG, ~/.kube/config)
      --context NAME        kubeconfig context to use`;

export function clusterClient(values: { namespace?: string; kubeconfig?: string; context?: string }): { client: KubeClient; namespace: string } {
  const conn = connect({ kubeconfig: values.kubeconfig, context: values.context });
  return { client: createHttpClient({ transport: conn.transport }), namespace: values.namespace ?? conn.namespace ?? "default" };
}

export interface KindInfo {
  apiVersion: string;
  kind: string;
}

const info = (k: KindInfo): KindInfo => ({ apiVersion: k.apiVersion, kind: k.kind });

/** The words `flux` uses for the source kinds (`source git NAME`). */
export const SOURCE_KINDS: Record<string, KindInfo> = {
  git: info(gitRepositoryKind),
  oci: info(ociRepositoryKind),
  bucket: info(bucketKind),
  helm: info(helmRepositoryKind),
  chart: info(helmChartKind),
};
export const KUSTOMIZATION: KindInfo = info(kustomizationKind);
export const HELM_RELEASE: KindInfo = info(helmReleaseKind);
/** The notification kinds, by the words `flux` uses for them (`alert`, `alert-provider`, `receiver`). */
export const NOTIFICATION_KINDS: Record<string, KindInfo> = { alert: info(alertKind), "alert-provider": info(providerKind), receiver: info(receiverKind) };

/** The image kinds, by the words `flux` uses after `image` (`image repository NAME`, `image policy NAME`, `image update NAME`). */
export const IMAGE_KINDS: Record<string, KindInfo> = { repository: info(imageRepositoryKind), policy: info(imagePolicyKind), update: info(imageUpdateAutomationKind) };

/** A sourceRef kind (GitRepository, OCIRepository, Bucket, HelmRepository) with its apiVersion. */
export function sourceKind(kind: string): KindInfo {
  return Object.values(SOURCE_KINDS).find((k) => k.kind === kind) ?? { apiVersion: gitRepositoryKind.apiVersion, kind };
}

/** `source git` -> GitRepository, `kustomization` / `ks` -> Kustomization, `helmrelease` / `hr` -> HelmRelease. */
export function kindFromWords(words: string[]): { info: KindInfo; rest: string[] } {
  if (words[0] === "source") {
    const info = SOURCE_KINDS[words[1] ?? ""];
    if (!info) throw new UsageError(`unknown source kind "${words[1] ?? ""}": use git, oci, bucket, helm or chart`);
    return { info, rest: words.slice(2) };
  }
  if (words[0] === "kustomization" || words[0] === "ks" || words[0] === "kustomizations") return { info: KUSTOMIZATION, rest: words.slice(1) };
  if (words[0] === "helmrelease" || words[0] === "hr" || words[0] === "helmreleases") return { info: HELM_RELEASE, rest: words.slice(1) };
  if (words[0] === "image" || words[0] === "images") {
    const image = IMAGE_KINDS[words[1] ?? ""];
    if (!image) throw new UsageError(`unknown image kind "${words[1] ?? ""}": use repository, policy or update`);
    return { info: image, rest: words.slice(2) };
  }
  const notification = NOTIFICATION_KINDS[(words[0] ?? "").replace(/s$/, "")];
  if (notification) return { info: notification, rest: words.slice(1) };
  throw new UsageError(`unknown kind "${words.join(" ")}": use "source git|oci|bucket|helm|chart NAME", "kustomization NAME", "helmrelease NAME", "image repository|policy|update NAME", "receiver NAME", "alert NAME" or "alert-provider NAME"`);
}

/** Pads columns like `flux get`: two spaces between columns, the last column unpadded. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}
