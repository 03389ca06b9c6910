/**
 * The platform admin's widening of the tenant boundary for HelmReleases, through `rivulet run`'s own
 * flags on the real control plane, with the agent acting as the tenant's ServiceAccount: without
 * `--allow-namespaces` a targetNamespace elsewhere is refused, and without `--allow-cluster-lookup` a
 * template's lookup of another namespace is; with the flags both work (the admin has given the tenant a
 * Role in that namespace). install.createNamespace for another namespace stays refused either way.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet, type AgentProcess } from "../support/agent-process.ts";
import { cond, helmReleaseProbe, isReady } from "../support/helm-release-probe.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";

const HELM = "helm.toolkit.fluxcd.io/v2";
const SRC = "source.toolkit.fluxcd.io/v1";
const haveEngine = existsSync(join(repoRoot, "wasm", "helm-template", "build", "helm-template.wasm"));
const chartTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  seed: {{ (lookup "v1" "ConfigMap" (.Values.lookupNamespace | default .Release.Namespace) "seed").data.token | default "none" | quote }}
`;

let admin: KubeClient;
let ns: string;
let away: string;
let kubeconfig: string;
let repo: ChartRepoServer;
let storage: string;
let agent: AgentProcess | undefined;

const { when } = helmReleaseProbe(() => ({ admin, namespace: ns }));
const apply = (o: KubeObject) => admin.apply(o, { fieldManager: "rivulet-tests", force: true });
const hr = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: HELM,
  kind: "HelmRelease",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", chart: { spec: { chart: "peek", version: "1.0.0", interval: "10m", sourceRef: { kind: "HelmRepository", name: "charts" } } }, ...spec },
});
const configData = async (namespace: string, name: string) => (await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name }))?.data as Record<string, string> | undefined;

async function run(...flags: string[]): Promise<void> {
  agent?.child.kill("SIGKILL");
  await agent?.exited;
  agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--no-leader-elect", "--storage-path", storage, ...flags]);
  await agent.waitForLog((l) => l.msg === "watching objects" && l.kind === "HelmRelease");
}

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("hr-admin");
  away = await uniqueNamespace("hr-away");
  await installTenant(ns);
  kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
  // What the platform admin grants besides the flag: the tenant's identity may act in the other namespace.
  await apply({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "tenant-release", namespace: away }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] });
  await apply({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "tenant-release", namespace: away },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant-release" },
    subjects: [{ kind: "ServiceAccount", name: "rivulet", namespace: ns }],
  });
  await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed", namespace: away }, data: { token: "shared-by-the-admin" } });
  repo = await startChartRepoServer();
  await repo.addChart({ name: "peek", version: "1.0.0", files: { "values.yaml": "lookupNamespace: \"\"\n", "templates/configmap.yaml": chartTemplate } });
  await apply({ apiVersion: SRC, kind: "HelmRepository", metadata: { name: "charts", namespace: ns }, spec: { interval: "10m", url: repo.url } });
  storage = mkdtempSync(join(tmpdir(), "rivulet-hr-admin-"));
});
afterAll(async () => {
  agent?.child.kill("SIGKILL");
  await agent?.exited;
  await repo?.stop();
  await deleteNamespace(ns);
  await deleteNamespace(away);
  if (storage) rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!haveEngine)("rivulet run's admin flags for HelmReleases", () => {
  test("without --allow-namespaces and --allow-cluster-lookup, another namespace is refused for the target and for lookup", async () => {
    await run();
    await apply(hr("placed", { targetNamespace: away }));
    await apply(hr("peek", { values: { lookupNamespace: away } }));
    const placed = await when("placed", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(placed, "Ready")).toMatchObject({
      status: "False",
      reason: "AccessDenied",
      message: `HelmRelease/${ns}/placed: cross-namespace references are not allowed: spec.targetNamespace ${away} is outside namespace ${ns}`,
    });
    // The HelmChart is pulled first (Ready=False "not ready" until then); the render is refused after.
    const peek = await when("peek", "lookup refused", (o) => cond(o, "Ready")?.status === "False" && Boolean(cond(o, "Ready")?.message?.includes("cannot look up")));
    expect(cond(peek, "Ready")?.message).toContain(`ConfigMap/${away}/seed: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace ${ns})`);
    expect(JSON.stringify(peek.status)).not.toContain("shared-by-the-admin");
    expect(await configData(away, `${away}-placed-config`)).toBeUndefined();
    expect(await configData(ns, "peek-config")).toBeUndefined();
  }, 90_000);

  test("with the flags, the release goes to the allowed namespace and the lookup reads it; createNamespace elsewhere stays refused", async () => {
    await run("--allow-namespaces", ` ${away} ,`, "--allow-cluster-lookup");
    await apply(hr("created", { targetNamespace: away, install: { createNamespace: true } }));
    for (const name of ["placed", "peek"]) {
      await admin.patch({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "flags" } } }, "merge");
    }
    const placed = await when("placed", "Ready", isReady);
    expect(cond(placed, "Ready")?.message).toBe(`Helm install succeeded for release ${away}/${away}-placed.v1 with chart peek@1.0.0`);
    expect(await configData(away, `${away}-placed-config`)).toEqual({ seed: "shared-by-the-admin" });
    expect(placed.status?.storageNamespace).toBe(ns);
    await when("peek", "Ready", isReady);
    expect(await configData(ns, "peek-config")).toEqual({ seed: "shared-by-the-admin" });

    const created = await when("created", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(created, "Ready")).toMatchObject({
      reason: "AccessDenied",
      message: `HelmRelease/${ns}/created: spec.install.createNamespace cannot create namespace ${away}: a tenant's agent creates no namespace (a platform admin creates it; then leave createNamespace unset)`,
    });
    expect(await configData(away, `${away}-created-config`)).toBeUndefined();
    expect(await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-created` })).toBeUndefined();
  }, 90_000);
});
