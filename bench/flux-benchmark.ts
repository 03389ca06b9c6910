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
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { freePort, startLocalControlPlane } from "../agent/devtools/local-control-plane.ts";
import { connect } from "../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../agent/kube/http-client.ts";
import { installTenant, kubeconfigForToken, serviceAccountToken, TENANT_FILES } from "../agent/kube/tenant-install.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import type { KubeObject } from "../agent/kube/types.ts";
import { startGitServer } from "../test/support/git-server.ts";

const root = resolve(import.meta.dir, "..");
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const Ns = sizes.length ? sizes : [100, 500, 1000];
const FM = { fieldManager: "bench" };
/** Flux's benchmark runs kustomize-controller with --concurrent=20 (reference/peers.md §3.1); so do we. */
const concurrent = process.env.RIVULET_BENCH_CONCURRENT ?? "20";
/** Extra flags for the agent's Bun, e.g. RIVULET_BENCH_BUN_FLAGS=--smol. */
const bunFlags = (process.env.RIVULET_BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean);

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

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

/** CPU seconds (user + system) used so far by each process whose command name starts with one of `names`. */
function cpuByName(names: string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = names.find((n) => comm.startsWith(n));
      if (name) out[name]! += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
const PROCS = ["kube-apiserver", "etcd", "kube-controller", "bun"];

async function runOnce(n: number) {
  const cp = await startLocalControlPlane();
  const git = await startGitServer();
  const storage = mkdtempSync(join(tmpdir(), "rivulet-bench-"));
  try {
    const admin = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
    for (const f of ["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]) {
      for (const crd of parseDocuments(readFileSync(join(root, "crds", f), "utf8")) as KubeObject[]) await admin.apply(crd, { ...FM, force: true });
    }
    const ns = "bench";
    const docs = TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(root, "deploy", "tenant", f), "utf8"))) as KubeObject[];
    await installTenant(admin, ns, docs, "bench");
    const token = await serviceAccountToken(admin, ns, "rivulet", "bench");
    const kc = join(storage, "tenant.kubeconfig");
    writeFileSync(kc, kubeconfigForToken(parseDocuments(readFileSync(cp.admin.kubeconfig, "utf8"))[0] as never, "rivulet", token, ns));
    await git.createRepo("apps", { "app/all.yaml": app });
    await new Promise((r) => setTimeout(r, 1000)); // CRDs established

    const port = await freePort();
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const agent = spawn(join(root, "node_modules/.bin/bun"), [...bunFlags, join(root, "agent/main.ts"), "run", "--kubeconfig", kc, "--health-addr", `127.0.0.1:${port}`, "--storage-path", join(storage, "data"), "--log-level", process.env.BENCH_LOG_LEVEL ?? "error", "--concurrent", concurrent], { stdio: ["ignore", process.env.BENCH_LOG ? (await import("node:fs")).openSync(process.env.BENCH_LOG, "w") : "ignore", "inherit"] });
    await new Promise((r) => setTimeout(r, 3000));
    const idle = rssOf(agent.pid!).rss;

    const cpu0 = cpuByName(PROCS);
    await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "apps", namespace: ns }, spec: { interval: "10m", url: git.url("apps") } }, FM);
    const t0 = performance.now();
    const batch = 25;
    for (let i = 0; i < n; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, (_, j) =>
          admin.apply(
            {
              apiVersion: "kustomize.toolkit.fluxcd.io/v1",
              kind: "Kustomization",
              metadata: { name: `app-${i + j}`, namespace: ns },
              spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i + j}-`, sourceRef: { kind: "GitRepository", name: "apps" } },
            },
            FM,
          ),
        ),
      );
    }
    let readyCount = 0;
    let peakSample = 0;
    const deadline = Date.now() + 30 * 60_000;
    while (Date.now() < deadline) {
      const list = await admin.list({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns });
      readyCount = list.items.filter((k) => ((k.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")).length;
      peakSample = Math.max(peakSample, rssOf(agent.pid!).rss);
      if (readyCount === n) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuByName(PROCS);
    const cpu = Object.fromEntries(PROCS.map((p) => [p === "bun" ? "agent+bench (bun)" : p, Number((cpu1[p]! - cpu0[p]!).toFixed(1))]));
    const { hwm } = rssOf(agent.pid!);
    const metrics = await (await fetch(metricsUrl)).text();
    const requests = [...metrics.matchAll(/^rivulet_kube_requests_total\{verb="([^"]+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const total = requests.reduce((s, [, c]) => s + c, 0);
    // Idle after convergence: nothing is due for an hour.
    await new Promise((r) => setTimeout(r, 5000));
    const idleAfter = rssOf(agent.pid!).rss;
    agent.kill("SIGTERM");
    await new Promise((r) => agent.on("exit", r));
    return { n, ready: readyCount, seconds, peakRss: Math.max(hwm, peakSample), idleBefore: idle, idleAfter, requests: Object.fromEntries(requests), total, cpu };
  } finally {
    await git.stop();
    await cp.stop();
    rmSync(storage, { recursive: true, force: true });
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
