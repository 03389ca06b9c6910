/**
 * Where a HelmRelease's release lives: its Helm release name (helm-controller's default
 * `[targetNamespace-]name`, shortened past Helm's 53 characters as its ShortenName does), the namespace
 * its objects go to and the namespace its storage Secrets go to. The tenant boundary is checked here,
 * before anything is written: the target and storage namespaces, the chart source and the dependencies
 * must all be the HelmRelease's own namespace, unless a platform admin allowed others.
 */
import { formatRef } from "../core/ref.ts";
import { TerminalError } from "../core/errors.ts";
import { digestOf } from "../artifact/digest.ts";
import type { HelmRelease } from "../api/helm-release.ts";
import { refuseOtherNamespaces, type NamespaceUse } from "./tenant-guard.ts";
import { latest } from "./helm-release-history.ts";

/** Helm refuses release names longer than this. */
export const MAX_RELEASE_NAME = 53;
/** Hex characters of the name's SHA-256 that a shortened name ends with. */
const SHORT_HASH = 12;

export interface ReleaseTarget {
  /** The Helm release name. */
  name: string;
  /** Where the release's namespaced objects go (`.Release.Namespace`). */
  namespace: string;
  /** Where the `sh.helm.release.v1.*` Secrets go. */
  storageNamespace: string;
}

type Release = Pick<HelmRelease, "metadata" | "spec">;
type ReleaseWithStatus = Pick<HelmRelease, "metadata" | "spec" | "status">;

/**
 * `name` as is when it fits Helm's limit, else its first 40 characters, a dash and the first 12 hex
 * characters of its SHA-256: still unique, and stable across reconciles.
 */
export async function shortenReleaseName(name: string): Promise<string> {
  // Go slices bytes; names are DNS labels (ASCII), so characters and bytes agree.
  if (name.length <= MAX_RELEASE_NAME) return name;
  const sum = (await digestOf(new TextEncoder().encode(name))).slice("sha256:".length);
  return `${name.slice(0, MAX_RELEASE_NAME - SHORT_HASH - 1)}-${sum.slice(0, SHORT_HASH)}`;
}

/** The release's name and namespaces, with helm-controller's defaults. */
export async function releaseTarget(hr: Release): Promise<ReleaseTarget> {
  const own = hr.metadata.namespace ?? "";
  const { releaseName, targetNamespace, storageNamespace } = hr.spec;
  const name = releaseName || (targetNamespace ? `${targetNamespace}-${hr.metadata.name}` : hr.metadata.name ?? "");
  return {
    name: await shortenReleaseName(name),
    namespace: targetNamespace || own,
    storageNamespace: storageNamespace || own,
  };
}

/**
 * Throws a TerminalError (reason AccessDenied) naming every namespace the HelmRelease uses outside its
 * own, except those in `allowedNamespaces` (a platform admin's choice).
 */
export function guardReleaseNamespaces(hr: Release, allowedNamespaces: readonly string[] = []): void {
  const { spec } = hr;
  // Only where the release is installed and stored may an admin widen; sources and dependencies stay
  // in the namespace whatever is allowed.
  const placement: NamespaceUse[] = [
    { what: `spec.targetNamespace ${spec.targetNamespace}`, namespace: spec.targetNamespace },
    { what: `spec.storageNamespace ${spec.storageNamespace}`, namespace: spec.storageNamespace },
  ];
  const uses = placement.filter((u) => u.namespace === undefined || !allowedNamespaces.includes(u.namespace));
  if (spec.chartRef) {
    const { kind, namespace, name } = spec.chartRef;
    uses.push({ what: `chartRef ${kind}/${namespace}/${name}`, namespace });
  }
  if (spec.chart) {
    const { kind, namespace, name } = spec.chart.spec.sourceRef;
    uses.push({ what: `chart sourceRef ${kind}/${namespace}/${name}`, namespace });
  }
  for (const d of spec.dependsOn ?? []) uses.push({ what: `dependsOn ${d.namespace}/${d.name}`, namespace: d.namespace });
  const ref = formatRef({ kind: "HelmRelease", metadata: hr.metadata });
  refuseOtherNamespaces(ref, hr.metadata.namespace ?? "", uses);
  guardCreateNamespace(hr, ref);
}

/**
 * install.createNamespace (helm-controller passes it to Helm only with a targetNamespace): the agent's
 * own namespace exists, so creating it is a no-op and Helm is not asked to; any other namespace, even
 * one an admin lets releases go to, would be a cluster-scoped write a tenant cannot make, so it is
 * refused before anything is written.
 */
function guardCreateNamespace(hr: Release, ref: string): void {
  const target = hr.spec.targetNamespace;
  if (!hr.spec.install?.createNamespace || !target || target === hr.metadata.namespace) return;
  throw new TerminalError(
    "AccessDenied",
    `${ref}: spec.install.createNamespace cannot create namespace ${target}: a tenant's agent creates no namespace (a platform admin creates it; then leave createNamespace unset)`,
  );
}

/**
 * Throws a TerminalError (reason AccessDenied) when the HelmRelease names a remote cluster
 * (spec.kubeConfig) and a platform admin did not allow that: a tenant's agent acts on its own cluster.
 */
export function guardRemoteCluster(hr: Release, allowed = false): void {
  if (!hr.spec.kubeConfig || allowed) return;
  throw new TerminalError(
    "AccessDenied",
    `${formatRef({ kind: "HelmRelease", metadata: hr.metadata })}: spec.kubeConfig is not allowed: this agent releases only into its own cluster`,
  );
}

export type TargetChange = "storage namespace" | "release namespace" | "release name" | "chart name";

/**
 * What moved since the newest release in status.history, when the release must be uninstalled from its
 * old place before it is installed in the new one (helm-controller's ReleaseTargetChanged): the storage
 * namespace, the release namespace, the release name, or the chart's name unless
 * upgrade.chartNameChangeStrategy is InPlaceUpdate. Undefined when nothing moved or nothing was released.
 */
export function releaseTargetChange(hr: ReleaseWithStatus, target: ReleaseTarget, chartName: string): TargetChange | undefined {
  const cur = latest(hr.status?.history ?? []);
  if (!hr.status?.storageNamespace || !cur) return undefined;
  if (target.storageNamespace !== hr.status.storageNamespace) return "storage namespace";
  if (target.namespace !== cur.namespace) return "release namespace";
  if (target.name !== cur.name) return "release name";
  if (chartName !== cur.chartName && (hr.spec.upgrade?.chartNameChangeStrategy ?? "Reinstall") === "Reinstall") return "chart name";
  return undefined;
}
