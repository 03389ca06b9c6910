/**
 * Flux's HelmRelease benchmark (fluxcd/flux-benchmark; reference/peers.md §3.1) beside its Kustomization
 * benchmark, on the same objects, in one run: for each N, N Kustomizations from one GitRepository and N
 * HelmReleases of a podinfo-like chart from one HelmRepository (test/support/chart-repo-server.ts on
 * 127.0.0.1), each yielding a Deployment scaled to 0, a Service and a ServiceAccount named `app-<i>-app`.
 * Each case gets a fresh control plane and a fresh `rivulet run` acting as the tenant's ServiceAccount
 * (bench/flux-kit.ts). Reports time to all Ready, the agent's peak and idle RSS, its API requests (total,
 * per object, by verb, and the writes by resource, release Secrets included), CPU seconds per process,
 * and the ratio HelmReleases / Kustomizations.
 *
 *   bun bench/helm-benchmark.ts [N ...]        (default: 100 500 1000)
 *
 * BENCH_CASES=hr (or ks) runs one case only; BENCH_LOG=FILE keeps the agent's log as FILE.ks / FILE.hr.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { agentRequests, applyInBatches, cpuByName, cpuSpent, FM, mib, rssOf, startBenchAgent, startBenchCluster, waitAllReady, type BenchCluster, type Requests } from "./flux-kit.ts";
import { startGitServer } from "../test/support/git-server.ts";
import { startChartRepoServer } from "../test/support/chart-repo-server.ts";
import type { KubeObject } from "../agent/kube/types.ts";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const Ns = sizes.length ? sizes : [100, 500, 1000];
const cases = (process.env.BENCH_CASES ?? "ks,hr").split(",");
const CRDS = [
  "source.toolkit.fluxcd.io_gitrepositories.yaml",
  "source.toolkit.fluxcd.io_helmrepositories.yaml",
  "source.toolkit.fluxcd.io_helmcharts.yaml",
  "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
  "helm.toolkit.fluxcd.io_helmreleases.yaml",
];

/** The objects, with `NAME` standing for the Kustomization's namePrefix + "app" or the chart's release name + "-app". */
const objects = (name: string) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 0
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      serviceAccountName: ${name}
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports: [{containerPort: 9898, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: http}]
`;
const OBJECTS_PER = 3;
/** Seconds past the 5 s idle sample: the engine's 30 s quiet period and a margin. */
const ENGINE_QUIET_S = 30;

interface Result {
  kind: string;
  ready: number;
  seconds: number;
  firstReady: number;
  peakRss: number;
  idleBefore: number;
  idleAfter: number;
  /** HelmReleases: RSS ENGINE_QUIET_S later, after the template engine's quiet period. */
  idleLater?: number;
  requests: Requests;
  cpu: Record<string, number>;
}

async function measure(c: BenchCluster, kind: string, apiVersion: string, n: number, setup: () => Promise<void>, make: (i: number) => KubeObject, suffix: string): Promise<Result> {
  const agent = await startBenchAgent(c, suffix);
  try {
    const cpu0 = cpuByName();
    await setup();
    const t0 = performance.now();
    await applyInBatches(c.admin, Array.from({ length: n }, (_, i) => make(i)));
    const { ready, peakSample, firstReady } = await waitAllReady(c.admin, { apiVersion, kind, namespace: c.ns }, n, agent.pid, t0);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSpent(cpu0, cpuByName());
    const { hwm } = rssOf(agent.pid);
    const requests = await agentRequests(agent.metricsUrl);
    await new Promise((r) => setTimeout(r, 5000)); // idle after convergence: nothing is due for an hour
    const idleAfter = rssOf(agent.pid).rss;
    // The Helm engine unloads after 30 s without a render (agent/cli/compose.ts): idle once it has.
    if (kind === "HelmRelease") await new Promise((r) => setTimeout(r, ENGINE_QUIET_S * 1000));
    const idleLater = kind === "HelmRelease" ? rssOf(agent.pid).rss : undefined;
    return { kind, ready, seconds, firstReady, peakRss: Math.max(hwm, peakSample), idleBefore: agent.idle, idleAfter, idleLater, requests, cpu };
  } finally {
    await agent.stop();
  }
}

async function kustomizations(n: number): Promise<Result> {
  const c = await startBenchCluster(CRDS);
  const git = await startGitServer();
  try {
    await git.createRepo("apps", { "app/all.yaml": objects("app") });
    const setup = () => c.admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "apps", namespace: c.ns }, spec: { interval: "10m", url: git.url("apps") } }, FM).then(() => {});
    return await measure(c, "Kustomization", "kustomize.toolkit.fluxcd.io/v1", n, setup, (i) => ({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: `app-${i}`, namespace: c.ns },
      spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i}-`, sourceRef: { kind: "GitRepository", name: "apps" } },
    }), ".ks");
  } finally {
    await git.stop();
    await c.stop();
  }
}

async function helmReleases(n: number): Promise<Result> {
  const c = await startBenchCluster(CRDS);
  const repo = await startChartRepoServer();
  try {
    await repo.addChart({ name: "podinfo", version: "6.7.0", appVersion: "6.7.0", files: { "values.yaml": "replicaCount: 0\n", "templates/all.yaml": objects("{{ .Release.Name }}-app") } });
    const setup = () => c.admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "podinfo", namespace: c.ns }, spec: { interval: "10m", url: repo.url } }, FM).then(() => {});
    // As Flux's benchmark: spec.chart (one HelmChart per release), helm-controller's defaults (wait, 5m timeout).
    return await measure(c, "HelmRelease", "helm.toolkit.fluxcd.io/v2", n, setup, (i) => ({
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name: `app-${i}`, namespace: c.ns },
      spec: { interval: "1h", chart: { spec: { chart: "podinfo", version: "6.7.0", interval: "10m", sourceRef: { kind: "HelmRepository", name: "podinfo" } } } },
    }), ".hr");
  } finally {
    await repo.stop();
    await c.stop();
  }
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const fmtN = (x: number) => x.toLocaleString("en-US");
const row = (n: number, r: Result) => {
  const verbs = Object.entries(r.requests.byVerb).sort((a, b) => b[1] - a[1]).map(([v, c]) => `${v} ${fmtN(c)}`).join(", ");
  const cpu = Object.entries(r.cpu).map(([p, s]) => `${p} ${s}`).join(", ");
  return `| ${fmtN(n)} ${r.kind}s | ${fmtN(n * OBJECTS_PER)} | ${r.ready}/${n} | ${r.seconds.toFixed(1)} s (first ${r.firstReady.toFixed(1)} s) | ${mib(r.peakRss)} | ${mib(r.idleBefore)} / ${mib(r.idleAfter)} | ${fmtN(r.requests.total)} (${(r.requests.total / n).toFixed(1)}/object: ${verbs}) | ${cpu} |`;
};
/** Requests per object by verb and resource, writes (all but get, list, watch, discovery) or reads. */
const perObject = (n: number, r: Result, reads: boolean) =>
  Object.entries(r.requests.byResource)
    .filter(([k]) => /^(get|list|watch|discovery) /.test(k) === reads)
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${k} ${(c / n).toFixed(2)}`)
    .join(", ");

console.log(`load average at start: ${loadavg()}; ${process.env.RIVULET_BENCH_CONCURRENT ?? "20"} concurrent`);
console.log("| objects | resources | all Ready | time to Ready | agent peak RSS | agent idle RSS before / after | agent API requests | CPU seconds while converging |");
console.log("|---|---:|---:|---:|---:|---:|---|---|");
const details: string[] = [];
for (const n of Ns) {
  const ks = cases.includes("ks") ? await kustomizations(n) : undefined;
  if (ks) console.log(row(n, ks));
  const hr = cases.includes("hr") ? await helmReleases(n) : undefined;
  if (hr) console.log(row(n, hr));
  if (ks && hr) console.log(`| ${fmtN(n)}: HR / KS | | | **${(hr.seconds / ks.seconds).toFixed(2)}x** | ${(hr.peakRss / ks.peakRss).toFixed(2)}x | | ${(hr.requests.total / ks.requests.total).toFixed(2)}x | |`);
  for (const r of [ks, hr]) if (r) details.push(`- ${fmtN(n)} ${r.kind}s per object, writes: ${perObject(n, r, false)}; reads: ${perObject(n, r, true)}`);
  if (hr?.idleLater !== undefined) details.push(`  (HelmRelease agent idle RSS ${5 + ENGINE_QUIET_S} s after all Ready, the template engine unloaded: ${mib(hr.idleLater)})`);
  details.push(`  (load average after ${fmtN(n)}: ${loadavg()})`);
}
console.log(`\n${details.join("\n")}`);
