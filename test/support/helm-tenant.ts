/**
 * A tenant namespace for the Helm release tests on the real control plane: deploy/tenant installed, the
 * actions run as its `rivulet` ServiceAccount, and the admin's view of what they wrote (`helm history`
 * from the Secrets' labels, a revision decoded from its Secret, a live object). No kubelet runs, so a
 * poll plays its part: hook Pods named in `phases` are given that phase through the status subresource.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "bun:test";
import { adminClient, deleteNamespace, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "./cluster.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { fsTreeReader } from "../../agent/runtime/artifact-fs.ts";
import { helmWasmPort } from "../../agent/runtime/helm-wasm.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { base64Decode } from "../../agent/core/bytes.ts";
import { loadChart } from "../../agent/helm/chart-loader.ts";
import { decodeRelease, type Release } from "../../agent/helm/release-codec.ts";
import { createTemplateEngine } from "../../agent/helm/template-engine.ts";
import type { ActionContext } from "../../agent/release/action-context.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";

export const haveEngine = existsSync(join(repoRoot, "wasm", "helm-template", "build", "helm-template.wasm"));
export const engine = createTemplateEngine(helmWasmPort);
/** The test chart of agent/release/testdata/charts/app (its values switch hooks and extra objects on). */
export const appChart = () => loadChart(fsTreeReader(join(repoRoot, "agent", "release", "testdata", "charts", "app")), "app");

export interface HelmTenant {
  ns: string;
  admin: KubeClient;
  /** The tenant's own identity: system:serviceaccount:<ns>:rivulet. */
  tenant: KubeClient;
  ctx: ActionContext;
  /** Hook Pods (or a Job's Pods, named after the Job) named here end in that phase. */
  phases: Record<string, "Succeeded" | "Failed">;
  /** Every revision's Secret as `helm history` sees it: "<version> <status>", sorted. */
  history(name: string): Promise<string[]>;
  /** A revision decoded from the admin's read of its Secret. */
  revision(name: string, version: number): Promise<Release>;
  get(kind: string, name: string, apiVersion?: string): Promise<KubeObject | undefined>;
  close(): Promise<void>;
}

export async function helmTenant(prefix: string, opts: { pollMs?: number } = {}): Promise<HelmTenant> {
  const admin = await adminClient();
  const ns = await uniqueNamespace(prefix);
  await installTenant(ns);
  const tenant = createHttpClient({ transport: connect({ kubeconfig: await serviceAccountKubeconfig(ns, "rivulet") }).transport });
  const phases: Record<string, "Succeeded" | "Failed"> = {};
  let running = true;
  const kubelet = (async () => {
    while (running) {
      const pods = await admin.list({ apiVersion: "v1", kind: "Pod", namespace: ns }).catch(() => ({ items: [] as KubeObject[] }));
      for (const p of pods.items) {
        // A Job's Pod is named after the Job plus a suffix.
        const want = phases[p.metadata.name!] ?? phases[p.metadata.name!.replace(/-[a-z0-9]{5}$/, "")];
        if (!want || (p.status as { phase?: string } | undefined)?.phase === want) continue;
        await admin.patch({ apiVersion: "v1", kind: "Pod", namespace: ns, name: p.metadata.name! }, { status: { phase: want } }, "merge", { subresource: "status" }).catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const get = (kind: string, name: string, apiVersion = "v1") => admin.get({ apiVersion, kind, namespace: ns, name });
  return {
    ns,
    admin,
    tenant,
    ctx: { client: tenant, store: secretReleaseStore(tenant, ns), namespace: ns, pollMs: opts.pollMs ?? 250 },
    phases,
    async history(name) {
      const list = await admin.list({ apiVersion: "v1", kind: "Secret", namespace: ns }, { labelSelector: `owner=helm,name=${name}` });
      return list.items.map((s) => `${s.metadata.labels!.version} ${s.metadata.labels!.status}`).sort();
    },
    async revision(name, version) {
      const s = await get("Secret", `sh.helm.release.v1.${name}.v${version}`);
      expect(s!.type).toBe("helm.sh/release.v1");
      return decodeRelease(new TextDecoder().decode(base64Decode((s!.data as { release: string }).release)));
    },
    get,
    async close() {
      running = false;
      await kubelet;
      await deleteNamespace(ns);
    },
  };
}
