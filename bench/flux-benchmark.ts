/**
 * Flux's published benchmark method (fluxcd/flux-benchmark; reference/peers.md §3.1) on rivulet:
 * N Kustomizations from one GitRepository, each applying a Deployment scaled to 0, a ServiceAccount, a
 * Service and an Ingress (namePrefix keeps them apart in the tenant's namespace). Measures the time from
 * creating the Kustomizations until all are Ready, the agent's peak and idle RSS (VmHWM / VmRSS of the
 * `rivulet run` process), and the API requests it sent. The agent runs as the tenant's ServiceAccount,
 * with the control plane on the same 2-core machine.
 *
 *   bun bench/flux-benchmark.ts [N ...]        (default: 100 500 1000)
 *
 * BENCH_LOG=FILE keeps the agent's JSON log (level BENCH_LOG_LEVEL, default error) for a look at what it did.
 */
import process from "node:process";
import { agentRequests, applyInBatches, cpuByName, cpuSpent, mib, rssOf, startBenchAgent, startBenchCluster, waitAllReady } from "./flux-kit.ts";
import { startGitServer } from "../test/support/git-server.ts";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const Ns = sizes.length ? sizes : [100, 500, 1000];

const app = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 0
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      serviceAccountName: app
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports: [{containerPort: 9898, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
spec:
  rules:
    - host: app.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: app, port: {number: 80}}
`;

async function runOnce(n: number) {
  const c = await startBenchCluster(["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]);
  const git = await startGitServer();
  try {
    const { admin, ns } = c;
    await git.createRepo("apps", { "app/all.yaml": app });
    const agent = await startBenchAgent(c);
    const cpu0 = cpuByName();
    await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "apps", namespace: ns }, spec: { interval: "10m", url: git.url("apps") } }, { fieldManager: "bench" });
    const t0 = performance.now();
    await applyInBatches(
      admin,
      Array.from({ length: n }, (_, i) => ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: `app-${i}`, namespace: ns },
        spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i}-`, sourceRef: { kind: "GitRepository", name: "apps" } },
      })),
    );
    const { ready, peakSample } = await waitAllReady(admin, { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns }, n, agent.pid, t0);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSpent(cpu0, cpuByName());
    const { hwm } = rssOf(agent.pid);
    const requests = await agentRequests(agent.metricsUrl);
    // Idle after convergence: nothing is due for an hour.
    await new Promise((r) => setTimeout(r, 5000));
    const idleAfter = rssOf(agent.pid).rss;
    await agent.stop();
    return { n, ready, seconds, peakRss: Math.max(hwm, peakSample), idleBefore: agent.idle, idleAfter, requests: requests.byVerb, total: requests.total, cpu };
  } finally {
    await git.stop();
    await c.stop();
  }
}

console.log("| Kustomizations | objects | all Ready | time to Ready | peak RSS | idle RSS before / after | API requests (by verb) | CPU seconds while converging |");
console.log("|---:|---:|---:|---:|---:|---:|---|---|");
for (const n of Ns) {
  const r = await runOnce(n);
  const verbs = Object.entries(r.requests).map(([v, c]) => `${v} ${c}`).join(", ");
  const cpu = Object.entries(r.cpu).map(([p, s]) => `${p} ${s}`).join(", ");
  console.log(`| ${r.n} | ${r.n * 4} | ${r.ready}/${r.n} | ${r.seconds.toFixed(1)} s | ${mib(r.peakRss)} | ${mib(r.idleBefore)} / ${mib(r.idleAfter)} | ${r.total} (${verbs}) | ${cpu} |`);
}
