/**
 * What Flux's benchmark method needs on rivulet, shared by bench/flux-benchmark.ts (Kustomizations) and
 * bench/helm-benchmark.ts (HelmReleases beside them): a private control plane with the CRDs and a tenant
 * (deploy/tenant) installed, the agent as a `rivulet run` process acting as the tenant's ServiceAccount,
 * objects created in batches, the wait until all are Ready while sampling the agent's RSS from /proc,
 * CPU seconds per process, and the agent's API requests from its /metrics.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { freePort, startLocalControlPlane, type LocalControlPlane } from "../agent/devtools/local-control-plane.ts";
import { auditFlags } from "./apiserver-anatomy.ts";
import { connect } from "../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../agent/kube/http-client.ts";
import { watchLoop } from "../agent/kube/watch-loop.ts";
import { installTenant, kubeconfigForToken, serviceAccountToken, TENANT_FILES } from "../agent/kube/tenant-install.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import type { KubeObject } from "../agent/kube/types.ts";

export const root = resolve(import.meta.dir, "..");
export const FM = { fieldManager: "bench" };
export const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

/** Flux's benchmark app, four objects at one version: v1 is the first apply, v2 changes every one of them. */
export const appAt = (v: number) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  labels: {version: v${v}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels: {version: v${v}}
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
          image: ghcr.io/stefanprodan/podinfo:6.7.${v - 1}
          ports: [{containerPort: 9898, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: app
  labels: {version: v${v}}
spec:
  selector: {app: app}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  labels: {version: v${v}}
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

export function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

export const PROCS = ["kube-apiserver", "etcd", "kube-controller", "bun"];

/**
 * CPU seconds (user + system) used so far by each process whose command name starts with one of `names`,
 * among this process and its descendants only: other work on the machine may run control planes too.
 */
export function cpuByName(names: string[] = PROCS): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const procs: Array<{ pid: number; ppid: number; comm: string; cpu: number }> = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.push({ pid: Number(pid), ppid: Number(fields[1]), comm, cpu: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // the process ended while we looked
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) grew = Boolean(mine.add(p.pid));
  }
  for (const p of procs) {
    const name = names.find((n) => p.comm.startsWith(n));
    if (name && mine.has(p.pid)) out[name]! += p.cpu;
  }
  return out;
}

/** CPU seconds per process between two cpuByName() readings, the bench's Bun named with the agent's. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(PROCS.map((p) => [p === "bun" ? "agent+bench (bun)" : p, Number((after[p]! - before[p]!).toFixed(1))]));
}

export interface BenchCluster {
  admin: KubeClient;
  ns: string;
  /** A kubeconfig for the tenant's `rivulet` ServiceAccount. */
  kubeconfig: string;
  storage: string;
  cp: LocalControlPlane;
  /** With `anatomy`: the folder of the API server's audit log (bench/apiserver-anatomy.ts). */
  auditDir?: string;
  stop(): Promise<void>;
}

/**
 * A fresh control plane with the CRDs of `crdFiles` (names under crds/) and the tenant namespace "bench";
 * `anatomy` adds the API server's audit log.
 */
export async function startBenchCluster(crdFiles: string[], opts: { anatomy?: boolean } = {}): Promise<BenchCluster> {
  const storage = mkdtempSync(join(tmpdir(), "rivulet-bench-"));
  const cp = await startLocalControlPlane({ apiserverFlags: opts.anatomy ? auditFlags(storage) : [] }).catch((e) => {
    rmSync(storage, { recursive: true, force: true });
    throw e;
  });
  try {
    const admin = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
    for (const f of crdFiles) {
      for (const crd of parseDocuments(readFileSync(join(root, "crds", f), "utf8")) as KubeObject[]) await admin.apply(crd, { ...FM, force: true });
    }
    const ns = "bench";
    const docs = TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(root, "deploy", "tenant", f), "utf8"))) as KubeObject[];
    await installTenant(admin, ns, docs, "bench");
    const token = await serviceAccountToken(admin, ns, "rivulet", "bench");
    const kubeconfig = join(storage, "tenant.kubeconfig");
    writeFileSync(kubeconfig, kubeconfigForToken(parseDocuments(readFileSync(cp.admin.kubeconfig, "utf8"))[0] as never, "rivulet", token, ns));
    await new Promise((r) => setTimeout(r, 1000)); // CRDs established
    return {
      admin,
      ns,
      kubeconfig,
      storage,
      cp,
      ...(opts.anatomy ? { auditDir: storage } : {}),
      async stop() {
        await cp.stop();
        rmSync(storage, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await cp.stop();
    rmSync(storage, { recursive: true, force: true });
    throw e;
  }
}

export interface BenchAgent {
  pid: number;
  metricsUrl: string;
  /** RSS three seconds after start, before any object exists. */
  idle: number;
  stop(): Promise<void>;
}

/**
 * `rivulet run` as the tenant, `--concurrent` from RIVULET_BENCH_CONCURRENT (default 20, as Flux's
 * benchmark runs its controllers), Bun flags from RIVULET_BENCH_BUN_FLAGS, more `rivulet run` flags from
 * RIVULET_BENCH_AGENT_FLAGS (e.g. `--gc-interval 0`), the agent's sources from RIVULET_BENCH_AGENT_ROOT
 * (another checkout, to compare two agents under the same harness; default this one), the JSON log to BENCH_LOG
 * (level BENCH_LOG_LEVEL, default error).
 */
export async function startBenchAgent(c: BenchCluster, logSuffix = ""): Promise<BenchAgent> {
  const port = await freePort();
  const bunFlags = (process.env.RIVULET_BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean);
  const concurrent = process.env.RIVULET_BENCH_CONCURRENT ?? "20";
  const log = process.env.BENCH_LOG ? openSync(`${process.env.BENCH_LOG}${logSuffix}`, "w") : "ignore";
  const args = [...bunFlags, join(process.env.RIVULET_BENCH_AGENT_ROOT ?? root, "agent/main.ts"), "run", "--kubeconfig", c.kubeconfig, "--health-addr", `127.0.0.1:${port}`, "--storage-addr", "127.0.0.1:0", "--storage-path", join(c.storage, "data")];
  const agentFlags = (process.env.RIVULET_BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean);
  const agent: ChildProcess = spawn(join(root, "node_modules/.bin/bun"), [...args, "--log-level", process.env.BENCH_LOG_LEVEL ?? "error", "--concurrent", concurrent, ...agentFlags], {
    stdio: ["ignore", log, "inherit"],
  });
  await new Promise((r) => setTimeout(r, 3000));
  return {
    pid: agent.pid!,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    idle: rssOf(agent.pid!).rss,
    async stop() {
      agent.kill("SIGTERM");
      await new Promise((r) => agent.on("exit", r));
    },
  };
}

/** Server-side applies `objects` as the admin, `batch` at a time. */
export async function applyInBatches(admin: KubeClient, objects: KubeObject[], batch = 25): Promise<void> {
  for (let i = 0; i < objects.length; i += batch) await Promise.all(objects.slice(i, i + batch).map((o) => admin.apply(o, FM)));
}

const isReady = (o: KubeObject) => ((o.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * Waits until all `n` objects of the kind are Ready (or 30 minutes pass), seeing them through one watch
 * (agent/kube/watch-loop.ts) and counting once a second; the agent's RSS is sampled at each count.
 * It used to list all `n` every second: at 1,000 Kustomizations those lists (read from etcd, every
 * object decoded and encoded) were 19% of the API server's CPU (bench/flux-benchmark.md, "Anatomy"),
 * charged to the agent. `firstReady` is the seconds from `t0` (a performance.now()) to the first count
 * that saw one Ready. `also` narrows what counts as done (e.g. Ready at a given revision).
 */
export async function waitAllReady(
  admin: KubeClient,
  ref: { apiVersion: string; kind: string; namespace: string },
  n: number,
  agentPid: number,
  t0: number,
  also: (o: KubeObject) => boolean = () => true,
): Promise<{ ready: number; peakSample: number; firstReady: number }> {
  const seen = new Map<string, KubeObject>();
  const stop = new AbortController();
  const watching = watchLoop(admin, ref, {
    signal: stop.signal,
    onSync: (items) => {
      seen.clear();
      for (const o of items) seen.set(o.metadata.name!, o);
    },
    onEvent: (ev) => void (ev.type === "DELETED" ? seen.delete(ev.object.metadata.name!) : seen.set(ev.object.metadata.name!, ev.object)),
    onError: (err) => console.error(`waiting for ${ref.kind}: ${(err as Error).message}`),
  });
  let ready = 0;
  let peakSample = 0;
  let firstReady = Number.NaN;
  const deadline = Date.now() + 30 * 60_000;
  try {
    while (Date.now() < deadline) {
      ready = [...seen.values()].filter((o) => isReady(o) && also(o)).length;
      if (ready > 0 && Number.isNaN(firstReady)) firstReady = (performance.now() - t0) / 1000;
      peakSample = Math.max(peakSample, rssOf(agentPid).rss);
      if (ready === n) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    stop.abort();
    await watching;
  }
  return { ready, peakSample, firstReady };
}

export interface Requests {
  total: number;
  byVerb: Record<string, number>;
  /** "verb resource" -> count, from rivulet_kube_resource_requests_total. */
  byResource: Record<string, number>;
}

/** The agent's API requests so far, from its /metrics. */
export async function agentRequests(metricsUrl: string): Promise<Requests> {
  const text = await (await fetch(metricsUrl)).text();
  const byVerb = Object.fromEntries([...text.matchAll(/^rivulet_kube_requests_total\{verb="([^"]+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  const byResource = Object.fromEntries(
    [...text.matchAll(/^rivulet_kube_resource_requests_total\{resource="([^"]*)",verb="([^"]+)"\} (\d+)/gm)].map((m) => [`${m[2]} ${m[1] || "(discovery)"}`, Number(m[3])]),
  );
  return { total: Object.values(byVerb).reduce((s, c) => s + c, 0), byVerb, byResource };
}

/** The requests between two agentRequests() readings. */
export function requestsSince(before: Requests, after: Requests): Requests {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(b).flatMap(([k, c]) => (c > (a[k] ?? 0) ? [[k, c - (a[k] ?? 0)]] : [])));
  const byVerb = diff(before.byVerb, after.byVerb);
  return { total: Object.values(byVerb).reduce((s, c) => s + c, 0), byVerb, byResource: diff(before.byResource, after.byResource) };
}
