/**
 * What Flux's benchmark method needs on rivulet, shared by bench/flux-benchmark.ts (Kustomizations) and
 * bench/helm-benchmark.ts (HelmReleases beside them): a private control plane with the CRDs and a tenant
 * (deploy/tenant) installed, the agent as a `rivulet run` process acting as the tenant's ServiceAccount,
 * objects created in batches, the wait until all are Ready while sampling the agent's RSS from /proc,
 * CPU seconds per process, and the agent's API requests from its /metrics. Also what the per-tenant
 * benchmarks (idle-memory.ts, multi-tenant.ts) share: more tenants with their own tokens, the agent as
 * Bun + sources or the compiled executable, and /proc/PID/smaps_rollup.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/**
 * The four objects of Flux's benchmark at one version (a Deployment scaled to 0, a ServiceAccount, a
 * Service and an Ingress): v1 is the first apply, v2 changes every one of them.
 */
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

/** Kustomization `app-I` of Flux's benchmark: the source's ./app with namePrefix `app-I-`, waited for. */
export function benchKustomization(ns: string, i: number, source = "apps"): KubeObject {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: `app-${i}`, namespace: ns },
    spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i}-`, sourceRef: { kind: "GitRepository", name: source } },
  };
}

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
  /** The admin's kubeconfig (cluster and CA for tenant kubeconfigs). */
  adminKubeconfig: string;
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
    const kubeconfig = await addTenant(admin, cp.admin.kubeconfig, ns, storage);
    await new Promise((r) => setTimeout(r, 1000)); // CRDs established
    return {
      admin,
      adminKubeconfig: cp.admin.kubeconfig,
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
  const bunFlags = (process.env.RIVULET_BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean);
  const concurrent = process.env.RIVULET_BENCH_CONCURRENT ?? "20";
  const agentFlags = (process.env.RIVULET_BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean);
  const agent = await spawnAgent(
    [join(root, "node_modules/.bin/bun"), ...bunFlags, join(process.env.RIVULET_BENCH_AGENT_ROOT ?? root, "agent/main.ts")],
    ["run", "--kubeconfig", c.kubeconfig, "--storage-path", join(c.storage, "data"), "--concurrent", concurrent, ...agentFlags],
    { log: process.env.BENCH_LOG ? `${process.env.BENCH_LOG}${logSuffix}` : undefined },
  );
  await new Promise((r) => setTimeout(r, 3000));
  return { ...agent, idle: rssOf(agent.pid).rss };
}

export interface AgentProcess {
  pid: number;
  metricsUrl: string;
  /** SIGTERM, then SIGKILL if it has not ended within 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `cmd run ...` (`runArgs` after the command) with its probes on a free loopback port and its
 * artifact server on another, the JSON log to `log` at BENCH_LOG_LEVEL (default error).
 */
export async function spawnAgent(cmd: string[], runArgs: string[], opts: { log?: string; env?: Record<string, string> } = {}): Promise<AgentProcess> {
  const port = await freePort();
  const log = opts.log ? openSync(opts.log, "w") : "ignore";
  const agent: ChildProcess = spawn(cmd[0]!, [...cmd.slice(1), ...runArgs, "--health-addr", `127.0.0.1:${port}`, "--storage-addr", "127.0.0.1:0", "--log-level", process.env.BENCH_LOG_LEVEL ?? "error"], {
    stdio: ["ignore", log, "inherit"],
    env: { ...process.env, ...opts.env },
  });
  const exited = new Promise((r) => agent.on("exit", r));
  return {
    pid: agent.pid!,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    async stop() {
      if (agent.exitCode !== null || agent.signalCode !== null) return;
      agent.kill("SIGTERM");
      const timer = setTimeout(() => agent.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `call`, asked again up to 5 times while the API server answers 429 or 5xx (a loaded 2-core machine:
 * "resource quota evaluation timed out").
 */
export async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const code = (e as { code?: number }).code ?? 0;
      if (attempt >= 5 || !(code === 429 || code >= 500)) throw e;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

/** Server-side applies `objects` as the admin, `batch` at a time. */
export async function applyInBatches(admin: KubeClient, objects: KubeObject[], batch = 25): Promise<void> {
  for (let i = 0; i < objects.length; i += batch) await Promise.all(objects.slice(i, i + batch).map((o) => retrying(() => admin.apply(o, FM))));
}

export const isReady = (o: KubeObject) => ((o.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

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

/**
 * The agent's API requests so far, from its /metrics; series with more labels than verb and resource
 * (a multi-tenant host may label them by tenant) are summed.
 */
export async function agentRequests(metricsUrl: string): Promise<Requests> {
  const text = await (await fetch(metricsUrl)).text();
  const label = (labels: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1];
  const byVerb: Record<string, number> = {};
  const byResource: Record<string, number> = {};
  for (const m of text.matchAll(/^rivulet_kube_(resource_)?requests_total\{([^}]*)\} (\d+)/gm)) {
    const verb = label(m[2]!, "verb");
    if (verb === undefined) continue;
    if (m[1]) {
      const key = `${verb} ${label(m[2]!, "resource") || "(discovery)"}`;
      byResource[key] = (byResource[key] ?? 0) + Number(m[3]);
    } else byVerb[verb] = (byVerb[verb] ?? 0) + Number(m[3]);
  }
  return { total: Object.values(byVerb).reduce((s, c) => s + c, 0), byVerb, byResource };
}

/** The sum of several agents' agentRequests() readings. */
export function sumRequests(all: Requests[]): Requests {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, c] of Object.entries(from)) into[k] = (into[k] ?? 0) + c;
  };
  const out: Requests = { total: 0, byVerb: {}, byResource: {} };
  for (const r of all) {
    out.total += r.total;
    add(out.byVerb, r.byVerb);
    add(out.byResource, r.byResource);
  }
  return out;
}

/** The requests between two agentRequests() readings. */
export function requestsSince(before: Requests, after: Requests): Requests {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(b).flatMap(([k, c]) => (c > (a[k] ?? 0) ? [[k, c - (a[k] ?? 0)]] : [])));
  const byVerb = diff(before.byVerb, after.byVerb);
  return { total: Object.values(byVerb).reduce((s, c) => s + c, 0), byVerb, byResource: diff(before.byResource, after.byResource) };
}

/** deploy/tenant's objects, read once. */
export const tenantDocs = (): KubeObject[] => TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(root, "deploy", "tenant", f), "utf8"))) as KubeObject[];

/**
 * Installs deploy/tenant in namespace `ns` and writes DIR/NS.kubeconfig acting as its `rivulet`
 * ServiceAccount (a one-hour TokenRequest token, as a pod would mount); returns the kubeconfig's path.
 */
export async function addTenant(admin: KubeClient, adminKubeconfig: string, ns: string, dir: string, docs: KubeObject[] = tenantDocs()): Promise<string> {
  await installTenant(admin, ns, docs, "bench");
  const token = await serviceAccountToken(admin, ns, "rivulet", "bench");
  const kubeconfig = join(dir, `${ns}.kubeconfig`);
  writeFileSync(kubeconfig, kubeconfigForToken(parseDocuments(readFileSync(adminKubeconfig, "utf8"))[0] as never, "rivulet", token, ns));
  return kubeconfig;
}

/** One process's memory from /proc/PID/smaps_rollup, in KiB. */
export interface Smaps {
  rss: number;
  pss: number;
  pssAnon: number;
  pssFile: number;
  /** Private_Clean + Private_Dirty: what this process alone holds. */
  privateKb: number;
}

export function smapsOf(pid: number): Smaps {
  const s = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0);
  return { rss: kb("Rss"), pss: kb("Pss"), pssAnon: kb("Pss_Anon"), pssFile: kb("Pss_File"), privateKb: kb("Private_Clean") + kb("Private_Dirty") };
}

export type AgentMode = "bun" | "compiled";

/**
 * The command that starts one agent in `mode`, prepared once in `dir`: "bun" runs a copy of the Bun
 * binary on the sources (so that the bench's own Bun process shares none of the agents' pages, which
 * would skew PSS), "compiled" the `bun build --compile --bytecode` executable the image ships, built
 * from the tree at `from` (default this one). `bunFlags` go to Bun (bun mode only).
 */
export function agentCommand(mode: AgentMode, dir: string, bunFlags: string[] = [], from = root): string[] {
  if (mode === "bun") {
    const bun = join(dir, "bun");
    copyFileSync(join(root, "node_modules/.bin/bun"), bun);
    spawnSync("chmod", ["+x", bun]);
    return [bun, ...bunFlags, join(from, "agent/main.ts")];
  }
  // The executable finds deploy/ and wasm/ in ../share/rivulet/ (agent/runtime/assets.ts).
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "share"));
  symlinkSync(from, join(dir, "share", "rivulet"));
  const out = join(dir, "bin", "rivulet");
  const b = spawnSync(join(root, "node_modules/.bin/bun"), ["build", "--compile", "--minify", "--bytecode", "--format=esm", "--sourcemap=none", join(from, "agent/main.ts"), "--outfile", out], { stdio: ["ignore", "ignore", "inherit"] });
  if (b.status !== 0) throw new Error("bun build --compile failed");
  return [out];
}
