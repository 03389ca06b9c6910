/**
 * What one write costs the API server, by how it is sent (issue 24): kube-apiserver CPU seconds (from
 * /proc) for N requests of each shape the agent could send, one shape after the other on one private
 * control plane, requests `parallel` at a time. The shapes are the agent's per-Kustomization writes:
 * an Event (server-side apply as before, or a plain create as client-go's recorder sends it), the
 * Kustomization's status (server-side apply of the whole status, or a merge patch of what changed) and
 * the finalizer (merge patch); and, to compare, a Deployment's dry-run, create and unchanged re-apply.
 * The controller-manager is running, so a created Deployment also costs its ReplicaSet and status.
 *
 *   bun bench/write-cost.ts [N]     (default 1000)
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../agent/kube/http-client.ts";
import { startLocalControlPlane } from "../agent/devtools/local-control-plane.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { normalizeForApply } from "../agent/apply/normalize.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import type { KubeObject } from "../agent/kube/types.ts";
import { cpuByName, root } from "./flux-kit.ts";

const N = Number(process.argv[2] ?? 1000);
const parallel = 20;
const ns = "cost";
const KS = "kustomize.toolkit.fluxcd.io/v1";

async function inParallel(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** kube-apiserver CPU seconds and wall seconds of `fn`, after a moment for the previous shape's echoes. */
async function measure(fn: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  await new Promise((r) => setTimeout(r, 3000));
  const before = cpuByName()["kube-apiserver"]!;
  const t = performance.now();
  await fn();
  const wall = (performance.now() - t) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  return { cpu: cpuByName()["kube-apiserver"]! - before - (wall + 1) * idleCpuPerSecond, wall };
}
let idleCpuPerSecond = 0;

const event = (i: number, tag: string) => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `app-${i}.${tag}`, namespace: ns, annotations: { "kustomize.toolkit.fluxcd.io/revision": "master@sha1:0123456789abcdef0123456789abcdef01234567" } },
  involvedObject: { apiVersion: KS, kind: "Kustomization", name: `app-${i}`, namespace: ns, uid: "6c1f0d4e-0000-4000-8000-000000000000", resourceVersion: "1" },
  reason: "ReconciliationSucceeded",
  message: `ServiceAccount/${ns}/app-${i}-app created\nService/${ns}/app-${i}-app created\nDeployment/${ns}/app-${i}-app created\nIngress/${ns}/app-${i}-app created`,
  type: "Normal",
  source: { component: "kustomize-controller" },
  reportingComponent: "kustomize-controller",
  reportingInstance: "rivulet-bench",
  firstTimestamp: "2026-12-06T10:00:00Z",
  lastTimestamp: "2026-12-06T10:00:00Z",
  count: 1,
});

const status = (i: number, gen: number) => ({
  observedGeneration: gen,
  lastAppliedRevision: `master@sha1:${String(gen).padStart(40, "0")}`,
  lastAttemptedRevision: `master@sha1:${String(gen).padStart(40, "0")}`,
  conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: master@sha1:${String(gen).padStart(40, "0")}`, lastTransitionTime: `2026-12-06T10:00:0${gen}Z`, observedGeneration: gen }],
  inventory: { entries: ["_app_ServiceAccount", "_app_Service", "apps_app_Deployment", "networking.k8s.io_app_Ingress"].map((e) => ({ id: `${ns}_app-${i}-${e}`, v: "v1" })) },
});

async function main(): Promise<void> {
  const cp = await startLocalControlPlane();
  try {
    const c: KubeClient = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
    for (const crd of parseDocuments(readFileSync(join(root, "crds", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"), "utf8")) as KubeObject[]) await c.apply(crd, { fieldManager: "bench", force: true });
    await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { fieldManager: "bench" });
    await new Promise((r) => setTimeout(r, 2000));
    const ks = (i: number) => ({ apiVersion: KS, kind: "Kustomization", metadata: { name: `app-${i}`, namespace: ns }, spec: { interval: "1h", path: "./app", prune: true, sourceRef: { kind: "GitRepository", name: "apps" } } });
    await inParallel(N, (i) => c.apply(ks(i), { fieldManager: "bench" }));
    const idle0 = cpuByName()["kube-apiserver"]!;
    await new Promise((r) => setTimeout(r, 5000));
    idleCpuPerSecond = (cpuByName()["kube-apiserver"]! - idle0) / 5;

    const key = (i: number) => ({ apiVersion: KS, kind: "Kustomization", namespace: ns, name: `app-${i}` });
    const rows: Array<[string, { cpu: number; wall: number }]> = [];
    rows.push(["Event: server-side apply (create)", await measure(() => inParallel(N, (i) => c.apply(event(i, "a"), { fieldManager: "rivulet", force: true })))]);
    rows.push(["Event: create (POST)", await measure(() => inParallel(N, (i) => c.raw("POST", `/api/v1/namespaces/${ns}/events?fieldManager=rivulet`, event(i, "b"))))]);
    rows.push(["Event repeat: server-side apply (count 2)", await measure(() => inParallel(N, (i) => c.apply({ ...event(i, "a"), count: 2, lastTimestamp: "2026-12-06T10:01:00Z" }, { fieldManager: "rivulet", force: true })))]);
    rows.push(["Event repeat: merge patch (count 2)", await measure(() => inParallel(N, (i) => c.patch({ apiVersion: "v1", kind: "Event", namespace: ns, name: `app-${i}.b` }, { count: 2, lastTimestamp: "2026-12-06T10:01:00Z" }, "merge")))]);
    rows.push(["finalizer: merge patch", await measure(() => inParallel(N, (i) => c.patch(key(i), { metadata: { finalizers: ["finalizers.fluxcd.io"] } }, "merge")))]);
    rows.push(["status 1: server-side apply of the whole status", await measure(() => inParallel(N, (i) => c.apply({ ...ks(i), spec: undefined, status: status(i, 1) } as KubeObject, { fieldManager: "gotk-status", subresource: "status", force: true })))]);
    rows.push(["status 2: server-side apply of the whole status", await measure(() => inParallel(N, (i) => c.apply({ ...ks(i), spec: undefined, status: status(i, 2) } as KubeObject, { fieldManager: "gotk-status", subresource: "status", force: true })))]);
    rows.push(["status 3: merge patch of what changed", await measure(() => inParallel(N, (i) => {
      const s = status(i, 3);
      return c.patch(key(i), { status: { observedGeneration: 3, lastAppliedRevision: s.lastAppliedRevision, lastAttemptedRevision: s.lastAttemptedRevision, conditions: s.conditions } }, "merge", { subresource: "status" });
    }))]);
    const deployment = (i: number) => normalizeForApply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `web-${i}`, namespace: ns, labels: { "kustomize.toolkit.fluxcd.io/name": `app-${i}`, "kustomize.toolkit.fluxcd.io/namespace": ns } }, spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "ghcr.io/stefanprodan/podinfo:6.7.0", ports: [{ containerPort: 9898, name: "http" }] }] } } } });
    rows.push(["Deployment (absent): dry-run server-side apply", await measure(() => inParallel(N, (i) => c.apply(deployment(i), { fieldManager: "kustomize-controller", dryRun: true })))]);
    rows.push(["Deployment (absent): server-side apply (create)", await measure(() => inParallel(N, (i) => c.apply(deployment(i), { fieldManager: "kustomize-controller" })))]);
    rows.push(["Deployment (present, unchanged): server-side apply", await measure(() => inParallel(N, (i) => c.apply(deployment(i), { fieldManager: "kustomize-controller" })))]);
    console.log(`| request (${N}, ${parallel} at a time) | kube-apiserver CPU ms per request | wall s |`);
    console.log("|---|---:|---:|");
    for (const [name, m] of rows) console.log(`| ${name} | ${((1000 * m.cpu) / N).toFixed(2)} | ${m.wall.toFixed(1)} |`);
    console.log(`\nkube-apiserver CPU while idle (subtracted above): ${idleCpuPerSecond.toFixed(3)} s per second`);
  } finally {
    await cp.stop();
  }
}

await main();
