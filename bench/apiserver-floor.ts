/**
 * The API server's cost of Flux's benchmark with no GitOps agent at all (issue 24's "physical limit"):
 * the same N Kustomizations created, and each one's four objects (bench/flux-kit.ts appAt, named and
 * labelled as kustomize and Flux would, normalized as the agent sends them) written by one server-side apply each, as the admin, 20 at a time;
 * then the controller-manager does its part (ReplicaSets, token Secrets, Endpoints, EndpointSlices, status)
 * as it does under any agent. Timed until every Deployment is Available; kube-apiserver CPU from /proc
 * over the same window. What an agent costs beyond this is its own overhead: dry-runs, status, Events,
 * finalizers, its watches.
 *
 *   bun bench/apiserver-floor.ts [N]     (default 1000)
 *
 * BENCH_ANATOMY=1 prints the same anatomy as bench/flux-benchmark.ts.
 */
import process from "node:process";
import { anatomyTables, auditMark, auditSince, metricsDelta, profileUntil, serverMetrics, splitProfiles } from "./apiserver-anatomy.ts";
import { appAt, cpuByName, cpuSpent, FM, startBenchCluster } from "./flux-kit.ts";
import { watchLoop } from "../agent/kube/watch-loop.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { normalizeForApply } from "../agent/apply/normalize.ts";
import type { KubeObject } from "../agent/kube/types.ts";

const n = Number(process.argv[2] ?? 1000);
const anatomy = process.env.BENCH_ANATOMY === "1";

/** The app as Flux would apply it for Kustomization app-`i` (namePrefix `app-i-`, Flux's labels). */
function rendered(i: number, ns: string): KubeObject[] {
  const prefix = `app-${i}-`;
  const docs = parseDocuments(appAt(1)) as Array<KubeObject & { spec?: Record<string, any> }>;
  return docs.map((d) => {
    const o = structuredClone(d);
    o.metadata = { ...o.metadata, name: prefix + o.metadata.name, namespace: ns, labels: { ...o.metadata.labels, "kustomize.toolkit.fluxcd.io/name": `app-${i}`, "kustomize.toolkit.fluxcd.io/namespace": ns } };
    if (o.kind === "Deployment") o.spec!.template.spec.serviceAccountName = prefix + o.spec!.template.spec.serviceAccountName;
    if (o.kind === "Ingress") for (const r of o.spec!.rules) for (const p of r.http.paths) p.backend.service.name = prefix + p.backend.service.name;
    // As the agent (and Flux's ssa package) sends them: defaults SSA needs filled (ports' protocol).
    return normalizeForApply(o);
  });
}

const available = (o: KubeObject) => ((o.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Available" && c.status === "True");

const c = await startBenchCluster(["kustomize.toolkit.fluxcd.io_kustomizations.yaml"], { anatomy });
try {
  const { admin, ns } = c;
  const seen = new Map<string, KubeObject>();
  const stop = new AbortController();
  const watching = watchLoop(admin, { apiVersion: "apps/v1", kind: "Deployment", namespace: ns }, {
    signal: stop.signal,
    onSync: (items) => items.forEach((o) => seen.set(o.metadata.name!, o)),
    onEvent: (ev) => void seen.set(ev.object.metadata.name!, ev.object),
  });
  const METRICS = ["apiserver_watch_events_total", "apiserver_watch_events_sizes_sum"];
  const auditFrom = anatomy ? auditMark(c.auditDir!) : 0;
  const metricsFrom = anatomy ? await serverMetrics(c.cp, METRICS) : new Map<string, number>();
  const cpu0 = cpuByName();
  const t0 = performance.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const profiles = anatomy ? profileUntil(c.cp, process.env.BENCH_PROFILE_DIR ?? c.storage, done) : Promise.resolve([]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < n) {
        const i = next++;
        await admin.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: `app-${i}`, namespace: ns }, spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i}-`, sourceRef: { kind: "GitRepository", name: "apps" } } }, FM);
        for (const o of rendered(i, ns)) await admin.apply(o, { fieldManager: "kustomize-controller" });
      }
    }),
  );
  while ([...seen.values()].filter(available).length < n) await new Promise((r) => setTimeout(r, 500));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSpent(cpu0, cpuByName());
  resolveDone();
  stop.abort();
  await watching;
  console.log(`| Kustomizations | objects | all Available | CPU seconds | kube-apiserver CPU s per Kustomization |`);
  console.log("|---:|---:|---:|---|---:|");
  console.log(`| ${n} | ${4 * n} | ${seconds.toFixed(1)} s | ${Object.entries(cpu).map(([p, s]) => `${p} ${s}`).join(", ")} | ${(cpu["kube-apiserver"]! / n).toFixed(4)} |`);
  if (anatomy) {
    const metricsTo = await serverMetrics(c.cp, METRICS);
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`\n## Anatomy with no agent, ${n} Kustomizations (per Kustomization)\n`);
    console.log(anatomyTables(n, auditSince(c.auditDir!, auditFrom), splitProfiles(await profiles), metricsDelta(metricsFrom, metricsTo), cpu["kube-apiserver"]!));
  }
} finally {
  await c.stop();
}
