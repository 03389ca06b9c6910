/**
 * Flux's published benchmark method (fluxcd/flux-benchmark; reference/peers.md §3.1) on rivulet:
 * N Kustomizations from one GitRepository, each applying a Deployment scaled to 0, a ServiceAccount, a
 * Service and an Ingress (namePrefix keeps them apart in the tenant's namespace). Measures the time from
 * creating the Kustomizations until all are Ready, the agent's peak and idle RSS (VmHWM / VmRSS of the
 * `rivulet run` process), and the API requests it sent. The agent runs as the tenant's ServiceAccount,
 * with the control plane on the same 2-core machine.
 *
 * Then Flux's upgrade scenario: one new commit changing all four objects of every Kustomization (a label on
 * each, a new image tag), the GitRepository asked to reconcile, timed until all N are Ready at it.
 *
 *   bun bench/flux-benchmark.ts [N ...]        (default: 100 500 1000)
 *
 * BENCH_UPGRADE=0 skips the upgrade. Requests are also printed by verb and resource after the table.
 *
 * BENCH_ANATOMY=1 turns on the API server's audit log and profiles it while the first apply converges,
 * then prints where its CPU went (bench/apiserver-anatomy.ts): not for timing, the audit log costs CPU too.
 * BENCH_PROFILE_DIR=DIR keeps the profiles (`go tool pprof -top DIR/apiserver-*.pprof`).
 *
 * BENCH_LOG=FILE keeps the agent's JSON log (level BENCH_LOG_LEVEL, default error) for a look at what it did.
 */
import process from "node:process";
import { agentRequests, benchKustomization, appAt, applyInBatches, cpuByName, cpuSpent, mib, requestsSince, rssOf, startBenchAgent, startBenchCluster, waitAllReady, type Requests } from "./flux-kit.ts";
import { anatomyTables, auditMark, auditSince, metricsDelta, profileUntil, serverMetrics, splitProfiles } from "./apiserver-anatomy.ts";
import { startGitServer } from "../test/support/git-server.ts";
import type { KubeObject } from "../agent/kube/types.ts";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const Ns = sizes.length ? sizes : [100, 500, 1000];

const per = (x: number, n: number) => (x / n).toFixed(3);

async function runOnce(n: number) {
  const anatomy = process.env.BENCH_ANATOMY === "1";
  const c = await startBenchCluster(["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"], { anatomy });
  const git = await startGitServer();
  try {
    const { admin, ns } = c;
    await git.createRepo("apps", { "app/all.yaml": appAt(1) });
    const agent = await startBenchAgent(c);
    const cpu0 = cpuByName();
    const atStart = await agentRequests(agent.metricsUrl);
    const METRICS = ["apiserver_watch_events_total", "apiserver_watch_events_sizes_sum"];
    const auditFrom = anatomy ? auditMark(c.auditDir!) : 0;
    const metricsFrom = anatomy ? await serverMetrics(c.cp, METRICS) : new Map<string, number>();
    const gitRepo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "apps", namespace: ns }, spec: { interval: "10m", url: git.url("apps") } };
    await admin.apply(gitRepo, { fieldManager: "bench" });
    const t0 = performance.now();
    await applyInBatches(
      admin,
      Array.from({ length: n }, (_, i) => benchKustomization(ns, i)),
    );
    const ksRef = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns };
    const converged = waitAllReady(admin, ksRef, n, agent.pid, t0);
    const profiles = anatomy ? profileUntil(c.cp, process.env.BENCH_PROFILE_DIR ?? c.storage, converged) : Promise.resolve([]);
    const { ready, peakSample } = await converged;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSpent(cpu0, cpuByName());
    if (anatomy) {
      const metricsTo = await serverMetrics(c.cp, METRICS);
      await new Promise((r) => setTimeout(r, 2000)); // the audit log's last batch
      const rows = auditSince(c.auditDir!, auditFrom);
      console.log(`\n## Anatomy of the first apply, ${n} Kustomizations (per Kustomization)\n`);
      console.log(anatomyTables(n, rows, splitProfiles(await profiles), metricsDelta(metricsFrom, metricsTo), cpu["kube-apiserver"]!));
      console.log();
    }
    const { hwm } = rssOf(agent.pid);
    const afterFirst = await agentRequests(agent.metricsUrl);
    const requests = requestsSince(atStart, afterFirst);
    // Idle after convergence: nothing is due for an hour.
    await new Promise((r) => setTimeout(r, 5000));
    const idleAfter = rssOf(agent.pid).rss;
    let upgrade: { ready: number; seconds: number; requests: Requests; cpu: Record<string, number> } | undefined;
    if (process.env.BENCH_UPGRADE !== "0") {
      const beforeUpgrade = await agentRequests(agent.metricsUrl);
      const cpu1 = cpuByName();
      const commit = await git.commit("apps", { "app/all.yaml": appAt(2) }, "v2: every object changes");
      const t1 = performance.now();
      await admin.patch({ apiVersion: gitRepo.apiVersion, kind: gitRepo.kind, namespace: ns, name: "apps" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": String(Date.now()) } } }, "merge");
      const at = (o: KubeObject) => (o.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision === `master@sha1:${commit}`;
      const r = await waitAllReady(admin, ksRef, n, agent.pid, t1, at);
      upgrade = { ready: r.ready, seconds: (performance.now() - t1) / 1000, requests: requestsSince(beforeUpgrade, await agentRequests(agent.metricsUrl)), cpu: cpuSpent(cpu1, cpuByName()) };
    }
    await agent.stop();
    return { n, ready, seconds, peakRss: Math.max(hwm, peakSample), idleBefore: agent.idle, idleAfter, requests, cpu, upgrade };
  } finally {
    await git.stop();
    await c.stop();
  }
}

const verbsOf = (r: Requests) => Object.entries(r.byVerb).map(([v, c]) => `${v} ${c}`).join(", ");
const cpuOf = (cpu: Record<string, number>) => Object.entries(cpu).map(([p, s]) => `${p} ${s}`).join(", ");
const results = [];
console.log("| Kustomizations | objects | all Ready | time to Ready | peak RSS | idle RSS before / after | API requests (by verb) | CPU seconds while converging | apiserver / agent CPU s per Kustomization |");
console.log("|---:|---:|---:|---:|---:|---:|---|---|---|");
for (const n of Ns) {
  const r = await runOnce(n);
  results.push(r);
  console.log(
    `| ${r.n} | ${r.n * 4} | ${r.ready}/${r.n} | ${r.seconds.toFixed(1)} s | ${mib(r.peakRss)} | ${mib(r.idleBefore)} / ${mib(r.idleAfter)} | ${r.requests.total} (${verbsOf(r.requests)}) | ${cpuOf(r.cpu)} | ${per(r.cpu["kube-apiserver"]!, r.n)} / ${per(r.cpu["agent+bench (bun)"]!, r.n)} |`,
  );
}
if (results.some((r) => r.upgrade)) {
  console.log("\nUpgrade (one new revision changing all four objects of every Kustomization):\n");
  console.log("| Kustomizations | all Ready at it | time to Ready | API requests (by verb) | CPU seconds | apiserver / agent CPU s per Kustomization |");
  console.log("|---:|---:|---:|---|---|---|");
  for (const { n, upgrade: u } of results) {
    if (u) console.log(`| ${n} | ${u.ready}/${n} | ${u.seconds.toFixed(1)} s | ${u.requests.total} (${verbsOf(u.requests)}) | ${cpuOf(u.cpu)} | ${per(u.cpu["kube-apiserver"]!, n)} / ${per(u.cpu["agent+bench (bun)"]!, n)} |`);
  }
}
for (const r of results) {
  const phases: Array<[string, Requests | undefined]> = [["first apply", r.requests], ["upgrade", r.upgrade?.requests]];
  for (const [phase, q] of phases) {
    if (!q) continue;
    const rows = Object.entries(q.byResource).sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} ${c} (${per(c, r.n)})`);
    console.log(`\n${r.n}, ${phase}, requests by verb and resource (per Kustomization): ${rows.join(", ")}`);
  }
}
