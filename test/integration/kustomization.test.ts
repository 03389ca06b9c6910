/**
 * Kustomization end to end: a real git server, the real control plane (Deployments get status from the
 * controller-manager; there are no nodes, so replicas 0 becomes Available and replicas 1 never does) and
 * the agent composed as `rivulet run` composes it. Covers create, update, prune, drift, dependsOn,
 * health, deletion policies, impersonation, the tenant guardrails, and a bad commit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let git: GitServer;
let agent: InProcessAgent;
let storage: string;

const deployment = (name: string, replicas: number, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: nginx:1.27${extra}
`;
const configMap = (name: string, data: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${data}"
`;

const ks = (name: string, repo: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: KS,
  kind: "Kustomization",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", path: "./", prune: true, timeout: "20s", sourceRef: { kind: "GitRepository", name: repo }, ...spec },
});
const gitRepo = (name: string): KubeObject => ({ apiVersion: SRC, kind: "GitRepository", metadata: { name, namespace: ns }, spec: { interval: "10m", url: git.url(name) } });
const { get: getKs, when: ksWhen, request } = kustomizationProbe(() => ({ admin: client, namespace: ns }));
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const getObj = (kind: string, name: string, apiVersion = kind === "Deployment" ? "apps/v1" : "v1") => client.get({ apiVersion, kind, namespace: ns, name });


const ready = (rev?: string) => (o: FluxObject) =>
  cond(o, "Ready")?.status === "True" && o.status?.observedGeneration === o.metadata.generation && (!rev || o.status?.lastAppliedRevision === rev);

/**
 * A new repository with `files`, and a GitRepository and a Kustomization named after it, Ready at its
 * first commit: each test starts from objects of its own. Returns the commit.
 */
async function appFrom(name: string, files: Record<string, string>, spec: Record<string, unknown> = {}): Promise<string> {
  const c = await git.createRepo(name, files);
  await client.apply(gitRepo(name), fm);
  await client.apply(ks(name, name, spec), fm);
  await ksWhen(name, "Ready", ready(`master@sha1:${c}`));
  return c;
}

async function srcRevision(name: string): Promise<string> {
  const o = await eventually(`GitRepository ${name} artifact`, async () => {
    const o = (await client.get({ apiVersion: SRC, kind: "GitRepository", namespace: ns, name })) as FluxObject | undefined;
    return o?.status?.artifact ? o : undefined;
  });
  return (o.status!.artifact as { revision: string }).revision;
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("ks");
  git = await startGitServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-ks-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("Kustomization", () => {
  test("applies a revision: owner labels, field manager, inventory, Ready 'Applied revision', history", async () => {
    const c1 = await git.createRepo("app", { "web.yaml": deployment("web", 0), "cm.yaml": configMap("settings", "one"), "extra.yaml": configMap("extra", "x") });
    await client.apply(gitRepo("app"), fm);
    await client.apply(ks("app", "app", { wait: true }), fm);
    const o = await ksWhen("app", "Ready", ready(`master@sha1:${c1}`));
    expect(cond(o, "Ready")).toMatchObject({ reason: "ReconciliationSucceeded", message: `Applied revision: master@sha1:${c1}` });
    expect(cond(o, "Healthy")).toMatchObject({ status: "True" });
    const ids = ((o.status!.inventory as { entries: Array<{ id: string; v: string }> }).entries).map((e) => `${e.id} ${e.v}`).sort();
    expect(ids).toEqual([`${ns}_extra__ConfigMap v1`, `${ns}_settings__ConfigMap v1`, `${ns}_web_apps_Deployment v1`]);
    const web = (await getObj("Deployment", "web"))!;
    expect(web.metadata.labels).toMatchObject({ "kustomize.toolkit.fluxcd.io/name": "app", "kustomize.toolkit.fluxcd.io/namespace": ns });
    expect((web.metadata.managedFields as Array<{ manager: string }>).map((m) => m.manager)).toContain("kustomize-controller");
    const history = o.status!.history as Array<{ digest: string; metadata: { revision: string }; totalReconciliations: number }>;
    expect(history[0]).toMatchObject({ metadata: { revision: `master@sha1:${c1}` }, totalReconciliations: 1 });
    expect(history[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("a new commit is applied (configured), a removed file is pruned, unchanged objects keep their resourceVersion", async () => {
    await appFrom("update", { "web.yaml": deployment("update-web", 0), "cm.yaml": configMap("update-settings", "one"), "extra.yaml": configMap("update-extra", "x") });
    const cmBefore = (await getObj("ConfigMap", "update-settings"))!.metadata.resourceVersion;
    const c2 = await git.commit("update", { "web.yaml": deployment("update-web", 0, "-alpine"), "extra.yaml": null }, "update web, drop extra");
    await request("GitRepository", "update");
    await ksWhen("update", "at the new commit", ready(`master@sha1:${c2}`));
    const web = (await getObj("Deployment", "update-web"))!;
    expect(((web.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!).image).toBe("nginx:1.27-alpine");
    await eventually("extra to be pruned", async () => ((await getObj("ConfigMap", "update-extra")) ? undefined : true));
    expect((await getObj("ConfigMap", "update-settings"))!.metadata.resourceVersion).toBe(cmBefore);
    const events = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
    const messages = events.items.filter((e) => (e.involvedObject as { name: string }).name === "update").map((e) => String(e.message));
    expect(messages.some((m) => m.includes(`Deployment/${ns}/update-web configured`))).toBe(true);
    expect(messages.some((m) => m.includes(`ConfigMap/${ns}/update-extra deleted`))).toBe(true);
  });

  test("an out-of-band edit of a field we own is reverted on the next reconcile", async () => {
    await appFrom("edited", { "cm.yaml": configMap("edited-settings", "one") });
    await client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "edited-settings", namespace: ns }, data: { value: "tampered" } }, { fieldManager: "kubectl", force: true });
    expect(((await getObj("ConfigMap", "edited-settings"))!.data as { value: string }).value).toBe("tampered");
    await request("Kustomization", "edited");
    await eventually("the drift to be corrected", async () => (((await getObj("ConfigMap", "edited-settings"))!.data as { value: string }).value === "one" ? true : undefined));
  });

  test("a bad manifest in a new commit applies nothing and the cluster keeps the last good revision", async () => {
    const good = `master@sha1:${await appFrom("broken", { "cm.yaml": configMap("broken-settings", "one") })}`;
    const c3 = await git.commit("broken", { "cm.yaml": configMap("broken-settings", "two"), "broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n" }, "broken");
    await request("GitRepository", "broken");
    const o = await ksWhen("broken", "BuildFailed", (o) => cond(o, "Ready")?.reason === "BuildFailed" && o.status?.lastAttemptedRevision === `master@sha1:${c3}`);
    expect(cond(o, "Ready")!.status).toBe("False");
    expect(cond(o, "Ready")!.message).toContain("broken.yaml");
    expect(o.status!.lastAppliedRevision).toBe(good);
    expect(((await getObj("ConfigMap", "broken-settings"))!.data as { value: string }).value).toBe("one");
    const c4 = await git.commit("broken", { "broken.yaml": null }, "fix");
    await request("GitRepository", "broken");
    await ksWhen("broken", "recovered", ready(`master@sha1:${c4}`));
    expect(((await getObj("ConfigMap", "broken-settings"))!.data as { value: string }).value).toBe("two");
  });

  test("dependsOn waits for the dependency to be Ready at the same revision", async () => {
    const c = await git.createRepo("layers", { "infra/cm.yaml": configMap("infra", "i"), "apps/cm.yaml": configMap("apps", "a") });
    await client.apply(gitRepo("layers"), fm);
    await client.apply(ks("apps", "layers", { path: "./apps", dependsOn: [{ name: "infra" }] }), fm);
    const waiting = await ksWhen("apps", "DependencyNotReady", (o) => cond(o, "Ready")?.reason === "DependencyNotReady");
    expect(cond(waiting, "Ready")!.message).toBe(`dependency '${ns}/infra' is not found`);
    expect(await getObj("ConfigMap", "apps")).toBeUndefined();
    await client.apply(ks("infra", "layers", { path: "./infra" }), fm);
    await ksWhen("infra", "Ready", ready(`master@sha1:${c}`));
    await request("Kustomization", "apps");
    await ksWhen("apps", "Ready", ready(`master@sha1:${c}`));
    expect(await getObj("ConfigMap", "apps")).toBeDefined();
  });

  test("a dependent runs as soon as its dependency becomes Ready, not at its 30 s dependency requeue", async () => {
    const c = await git.createRepo("chain", { "infra/cm.yaml": configMap("chain-infra", "i"), "apps/cm.yaml": configMap("chain-apps", "a") });
    await client.apply(gitRepo("chain"), fm);
    await client.apply(ks("chain-apps", "chain", { path: "./apps", dependsOn: [{ name: "chain-infra" }] }), fm);
    await ksWhen("chain-apps", "DependencyNotReady", (o) => cond(o, "Ready")?.reason === "DependencyNotReady");
    await client.apply(ks("chain-infra", "chain", { path: "./infra" }), fm);
    await ksWhen("chain-infra", "Ready", ready(`master@sha1:${c}`));
    // No reconcile request: only the dependency's readiness can wake it before the 30 s requeue.
    await ksWhen("chain-apps", "Ready soon after its dependency", ready(`master@sha1:${c}`), 20_000);
  });

  test("a dependsOn cycle is reported as Stalled, not retried forever", async () => {
    await client.apply(ks("cycle-a", "layers", { path: "./apps", dependsOn: [{ name: "cycle-b" }] }), fm);
    await client.apply(ks("cycle-b", "layers", { path: "./apps", dependsOn: [{ name: "cycle-a" }] }), fm);
    const o = await ksWhen("cycle-a", "Stalled", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(o, "Ready")!.message).toContain("circular dependency: cycle-a -> cycle-b -> cycle-a");
  });

  test("a health check that cannot pass fails with HealthCheckFailed naming the object", async () => {
    await git.createRepo("stuck", { "web.yaml": deployment("stuck-web", 1) });
    await client.apply(gitRepo("stuck"), fm);
    await client.apply(ks("stuck", "stuck", { wait: true, timeout: "3s" }), fm);
    const o = await ksWhen("stuck", "HealthCheckFailed", (o) => cond(o, "Ready")?.reason === "HealthCheckFailed");
    expect(cond(o, "Healthy")).toMatchObject({ status: "False", reason: "HealthCheckFailed" });
    expect(cond(o, "Ready")!.message).toContain(`Deployment/${ns}/stuck-web`);
    // The inventory was recorded even though health failed.
    expect(((o.status!.inventory as { entries: unknown[] }).entries).length).toBe(1);
    // As Flux 2.6+, a reconcile that fails after the build is in the history, with the Ready reason.
    const history = o.status!.history as Array<{ lastReconciledStatus: string; totalReconciliations: number }>;
    expect(history[0]).toMatchObject({ lastReconciledStatus: "HealthCheckFailed" });
  });

  test("tenant guardrails refuse other namespaces, cluster-scoped objects and cross-namespace refs before applying anything", async () => {
    await git.createRepo("evil", {
      "ok.yaml": configMap("would-be-fine", "x"),
      "other.yaml": configMap("elsewhere", "x").replace("metadata:\n", "metadata:\n  namespace: kube-system\n"),
      "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: takeover\n",
    });
    await client.apply(gitRepo("evil"), fm);
    await client.apply(ks("evil", "evil"), fm);
    const o = await ksWhen("evil", "Stalled", (o) => cond(o, "Stalled")?.status === "True");
    const msg = cond(o, "Ready")!.message;
    expect(cond(o, "Ready")!.reason).toBe("AccessDenied");
    expect(msg).toContain(`ConfigMap/kube-system/elsewhere targets namespace kube-system: this agent only applies to namespace ${ns}`);
    expect(msg).toContain("Namespace/takeover is cluster-scoped: tenants may not apply cluster-scoped objects");
    expect(await getObj("ConfigMap", "would-be-fine")).toBeUndefined();
    expect(await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: "elsewhere" })).toBeUndefined();

    await client.apply(ks("cross", "app", { sourceRef: { kind: "GitRepository", name: "app", namespace: "kube-system" } }), fm);
    const cross = await ksWhen("cross", "Stalled", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(cross, "Ready")).toMatchObject({ reason: "AccessDenied" });
    expect(cond(cross, "Ready")!.message).toContain("cross-namespace references are not allowed");

    // Refused up front as well, not after an apply and a 403 at the health check's timeout.
    await git.createRepo("peek", { "cm.yaml": configMap("peek-cm", "p") });
    await client.apply(gitRepo("peek"), fm);
    await client.apply(ks("peek", "peek", { healthChecks: [{ apiVersion: "apps/v1", kind: "Deployment", name: "coredns", namespace: "kube-system" }] }), fm);
    await client.apply(ks("borrowed", "peek", { serviceAccountName: "team-b:tb-deployer" }), fm);
    const peek = await ksWhen("peek", "Stalled", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(peek, "Ready")).toMatchObject({
      reason: "AccessDenied",
      message: `Kustomization/${ns}/peek: cross-namespace references are not allowed: healthChecks Deployment/kube-system/coredns is outside namespace ${ns}`,
    });
    const borrowed = await ksWhen("borrowed", "Stalled", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(borrowed, "Ready")).toMatchObject({
      reason: "AccessDenied",
      message: `Kustomization/${ns}/borrowed: cannot impersonate spec.serviceAccountName "team-b:tb-deployer": a ServiceAccount is named without a namespace and must be in namespace ${ns}`,
    });
    expect(await getObj("ConfigMap", "peek-cm")).toBeUndefined();
  });

  test("spec.serviceAccountName applies as that ServiceAccount: Forbidden is reported as a condition", async () => {
    await git.createRepo("restricted", { "cm.yaml": configMap("restricted-cm", "r") });
    await client.apply(gitRepo("restricted"), fm);
    await client.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "viewer", namespace: ns } }, fm);
    await client.apply(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "viewer", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: ns }] },
      fm,
    );
    await client.apply(ks("restricted", "restricted", { serviceAccountName: "viewer" }), fm);
    // Not any Ready=False: before the GitRepository has its artifact, the Kustomization waits (ArtifactFailed).
    const o = await ksWhen("restricted", "refused", (o) => cond(o, "Ready")?.status === "False" && /forbidden/i.test(cond(o, "Ready")!.message));
    expect(cond(o, "Ready")!.message).toContain(`system:serviceaccount:${ns}:viewer`);
    expect(cond(o, "Ready")!.message).toMatch(/forbidden/i);
    expect(await getObj("ConfigMap", "restricted-cm")).toBeUndefined();
  });

  test("deleting a Kustomization deletes its objects with prune, and orphans them with deletionPolicy Orphan", async () => {
    await git.createRepo("gone", { "a.yaml": configMap("gone-a", "a") });
    await git.createRepo("kept", { "b.yaml": configMap("kept-b", "b") });
    await client.apply(gitRepo("gone"), fm);
    await client.apply(gitRepo("kept"), fm);
    await client.apply(ks("gone", "gone"), fm);
    await client.apply(ks("kept", "kept", { deletionPolicy: "Orphan" }), fm);
    await ksWhen("gone", "Ready", ready());
    await ksWhen("kept", "Ready", ready());
    await client.delete({ apiVersion: KS, kind: "Kustomization", namespace: ns, name: "gone" });
    await client.delete({ apiVersion: KS, kind: "Kustomization", namespace: ns, name: "kept" });
    await eventually("both Kustomizations to be gone", async () => ((await getKs("gone")) || (await getKs("kept")) ? undefined : true));
    await eventually("gone-a to be deleted", async () => ((await getObj("ConfigMap", "gone-a")) ? undefined : true));
    expect(await getObj("ConfigMap", "kept-b")).toBeDefined();
  });

  test("an agent killed in the middle of an apply converges after a restart", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`cm-${i}.yaml`] = configMap(`bulk-${i}`, String(i));
    const c = await git.createRepo("bulk", files);
    // The agent's client dies on its 50th object write, as a killed process would mid-apply.
    await agent.stop();
    let writes = 0;
    let killed!: () => void;
    const dead = new Promise<void>((r) => (killed = r));
    const tripwire: KubeClient = {
      ...client,
      async apply(o, opts) {
        if (!opts.dryRun && !opts.subresource && o.metadata.name?.startsWith("bulk-") && ++writes >= 50) {
          killed();
          throw new Error("connection lost: the agent was killed (test)");
        }
        return client.apply(o, opts);
      },
    };
    agent = await startAgent(tripwire, ns, storage);
    await client.apply(gitRepo("bulk"), fm);
    await client.apply(ks("bulk", "bulk"), fm);
    await dead;
    await agent.stop();
    const bulkList = () => client.list({ apiVersion: "v1", kind: "ConfigMap", namespace: ns }, { labelSelector: "kustomize.toolkit.fluxcd.io/name=bulk" });
    const half = (await bulkList()).items.length;
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(300);
    agent = await startAgent(client, ns, storage);
    await request("Kustomization", "bulk");
    await ksWhen("bulk", "Ready", ready(`master@sha1:${c}`));
    expect(await srcRevision("bulk")).toBe(`master@sha1:${c}`);
    expect((await bulkList()).items.length).toBe(300);
  });
});

describe("drift detection without API calls", () => {
  const requests = () => {
    const text = agent.metrics.registry.render();
    const n = (verb: string) => Number(new RegExp(`^rivulet_kube_requests_total\\{verb="${verb}"\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
    return { dryRun: n("dry-run"), apply: n("apply") };
  };

  test("a reconcile with nothing changed sends no dry-run and applies only status", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`cm-${i}.yaml`] = configMap(`quiet-${i}`, String(i));
    const c = await git.createRepo("quiet", files);
    await client.apply(gitRepo("quiet"), fm);
    await client.apply(ks("quiet", "quiet"), fm);
    await ksWhen("quiet", "Ready", ready(`master@sha1:${c}`));
    const before = requests();
    await request("Kustomization", "quiet");
    await ksWhen("quiet", "handled the request", (o) => Boolean(o.status?.lastHandledReconcileAt) && ready(`master@sha1:${c}`)(o));
    const after = requests();
    expect(after.dryRun - before.dryRun).toBe(0);
    // Only status writes (progress coalesced into the final one), no object applies.
    expect(after.apply - before.apply).toBeLessThanOrEqual(2);
  });

  test("warn mode reports an out-of-band edit as Drifted with the changed field and leaves it alone", async () => {
    await appFrom("warned", { "a.yaml": configMap("warned-a", "3"), "b.yaml": configMap("warned-b", "b") });
    await client.patch({ apiVersion: KS, kind: "Kustomization", namespace: ns, name: "warned" }, { metadata: { annotations: { "rivulet.dev/drift-detection": "warn" } } }, "merge");
    await client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "warned-a", namespace: ns }, data: { value: "edited" } }, { fieldManager: "kubectl", force: true });
    await request("Kustomization", "warned");
    const o = await ksWhen("warned", "Drifted", (o) => cond(o, "Drifted")?.status === "True");
    expect(cond(o, "Drifted")!.message).toContain(`ConfigMap/${ns}/warned-a (/data/value)`);
    expect(((await getObj("ConfigMap", "warned-a"))!.data as { value: string }).value).toBe("edited");
    // Back to enabled: the edit is reverted and the condition cleared.
    await client.patch({ apiVersion: KS, kind: "Kustomization", namespace: ns, name: "warned" }, { metadata: { annotations: { "rivulet.dev/drift-detection": "enabled" } } }, "merge");
    await request("Kustomization", "warned");
    await eventually("the edit to be reverted", async () => (((await getObj("ConfigMap", "warned-a"))!.data as { value: string }).value === "3" ? true : undefined));
    await ksWhen("warned", "Drifted cleared", (o) => cond(o, "Drifted") === undefined && ready()(o));
  });
});
