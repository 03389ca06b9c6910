/**
 * A forced watch expiry (issue 24, "Watches"): N Kustomizations of Flux's benchmark app converge (the
 * agent then watches the N Kustomizations and their 4N applied objects: ServiceAccounts, Deployments,
 * Services, Ingresses, plus its GitRepository and Secrets), then etcd is compacted to its current
 * revision and kube-apiserver restarted: every watch breaks, and the new server's watch cache starts
 * past every resourceVersion the agent holds, so each resumed watch is answered 410 Gone ("too old
 * resource version") and must relist.
 *
 * Measured from the restart until 60 s after the API server is ready again: the agent's requests by verb
 * and resource (its own counters), lists per second (a storm shows as many at once), reconciles started
 * (none should: nothing changed), CPU seconds of kube-apiserver in the 60 s and of the agent, and whether
 * all N are still Ready at the end.
 *
 *   bun bench/watch-expiry.ts [N]     (default 1000: 5,000 objects watched)
 *
 * BENCH_DOWN_S=S keeps kube-apiserver stopped S seconds more (S >= 10 makes the agent lose its leader
 * Lease for sure: its renewals fail past the renew deadline). RIVULET_BENCH_AGENT_ROOT=DIR runs the agent of another checkout (e.g. a worktree of main) under this
 * same harness; BENCH_LOG=FILE keeps the agent's log (BENCH_LOG_LEVEL, default error).
 */
import process from "node:process";
import { agentRequests, benchKustomization, appAt, applyInBatches, cpuByName, cpuSpent, requestsSince, startBenchAgent, startBenchCluster, waitAllReady, type Requests } from "./flux-kit.ts";
import { startGitServer } from "../test/support/git-server.ts";
import { compactEtcd } from "../agent/devtools/local-control-plane.ts";

const n = Number(process.argv[2] ?? 1000);
const WINDOW_S = 60;
/** BENCH_DOWN_S: seconds kube-apiserver stays stopped before it starts again (past the agent's 10 s lease renew deadline from ~10). */
const downFor = Number(process.env.BENCH_DOWN_S ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reconciles started so far per kind, from the agent's gotk_reconcile_duration_seconds histogram. */
async function reconciles(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^gotk_reconcile_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    const kind = /kind="([^"]+)"/.exec(m[1]!)?.[1] ?? "?";
    out[kind] = (out[kind] ?? 0) + Number(m[2]);
  }
  return out;
}

const c = await startBenchCluster(["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]);
const git = await startGitServer();
try {
  const { admin, ns, cp } = c;
  await git.createRepo("apps", { "app/all.yaml": appAt(1) });
  const agent = await startBenchAgent(c);
  await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "apps", namespace: ns }, spec: { interval: "10m", url: git.url("apps") } }, { fieldManager: "bench" });
  const t0 = performance.now();
  await applyInBatches(
    admin,
    Array.from({ length: n }, (_, i) => benchKustomization(ns, i)),
  );
  const ksRef = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns };
  const converged = await waitAllReady(admin, ksRef, n, agent.pid, t0);
  console.error(`[watch-expiry] ${converged.ready}/${n} Ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling`);
  await sleep(15_000); // batched Events and the last status writes go out

  const before = await agentRequests(agent.metricsUrl);
  const reconcilesBefore = await reconciles(agent.metricsUrl);
  const cpuBefore = cpuByName();
  const revision = await compactEtcd(cp.etcdUrl);
  const tDown = performance.now();
  await cp.restartApiserver({ downMs: downFor * 1000 });
  const downSeconds = (performance.now() - tDown) / 1000;
  const atReady = await agentRequests(agent.metricsUrl);
  const cpuReady = cpuByName();
  // Lists per second through the window, from the agent's counters: a storm is many at once.
  const listsPerSecond: number[] = [];
  let last = atReady;
  for (let s = 0; s < WINDOW_S; s++) {
    await sleep(1000);
    const now = await agentRequests(agent.metricsUrl);
    listsPerSecond.push((now.byVerb.list ?? 0) - (last.byVerb.list ?? 0));
    last = now;
  }
  const cpuWindow = cpuSpent(cpuReady, cpuByName());
  // The restarted kube-apiserver is a new process: its CPU until ready is its whole CPU so far.
  const cpuDown = { ...cpuSpent(cpuBefore, cpuReady), "kube-apiserver": Number(cpuReady["kube-apiserver"]!.toFixed(1)) };
  const after = await agentRequests(agent.metricsUrl);
  const reconcilesAfter = await reconciles(agent.metricsUrl);
  const stillReady = await waitAllReady(admin, ksRef, n, agent.pid, performance.now());
  await agent.stop();

  const during: Requests = requestsSince(before, atReady);
  const window: Requests = requestsSince(atReady, after);
  const all: Requests = requestsSince(before, after);
  const started = Object.fromEntries(Object.entries(reconcilesAfter).map(([k, v]) => [k, v - (reconcilesBefore[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
  const pick = (r: Requests, verb: string) =>
    Object.entries(r.byResource)
      .filter(([k]) => k.startsWith(`${verb} `))
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k.slice(verb.length + 1)} ${v}`)
      .join(", ") || "none";
  const verbs = (r: Requests) => Object.entries(r.byVerb).map(([v, k]) => `${v} ${k}`).join(", ") || "none";
  const busiest = Math.max(0, ...listsPerSecond);
  const firstList = listsPerSecond.findIndex((x) => x > 0);
  const lastList = listsPerSecond.findLastIndex((x) => x > 0);

  console.log(`agent: ${process.env.RIVULET_BENCH_AGENT_ROOT ?? "this checkout"}; ${n} Kustomizations, ${n * 4} applied objects; converged in ${((performance.now() - t0) / 1000).toFixed(0)} s (with the window)`);
  console.log(`etcd compacted at revision ${revision}; kube-apiserver down${downFor ? ` (kept stopped ${downFor} s)` : ""} and back ready in ${downSeconds.toFixed(1)} s`);
  console.log("");
  console.log("| phase | requests (by verb) | lists by resource | watches by resource |");
  console.log("|---|---|---|---|");
  console.log(`| API server restarting (${downSeconds.toFixed(1)} s) | ${during.total} (${verbs(during)}) | ${pick(during, "list")} | ${pick(during, "watch")} |`);
  console.log(`| first ${WINDOW_S} s after ready | ${window.total} (${verbs(window)}) | ${pick(window, "list")} | ${pick(window, "watch")} |`);
  console.log("");
  console.log(`lists per second after ready: ${listsPerSecond.join(" ")} (busiest second ${busiest}; lists from second ${firstList} to ${lastList})`);
  console.log(`reconciles started: ${Object.entries(started).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  console.log(`CPU seconds, restart (until ready; kube-apiserver: the new process's start-up): ${Object.entries(cpuDown).map(([p, s]) => `${p} ${s}`).join(", ")}`);
  console.log(`CPU seconds, ${WINDOW_S} s after ready: ${Object.entries(cpuWindow).map(([p, s]) => `${p} ${s}`).join(", ")}`);
  console.log(`all requests, restart + window: ${all.total} (${verbs(all)})`);
  console.log(`Ready after the window: ${stillReady.ready}/${n}`);
} finally {
  await git.stop();
  await c.stop();
}
