/**
 * One process for many tenants against one process per tenant (issue 24), on one private control plane,
 * both sides in the same run:
 *
 * 1. Scale: TENANTS tenants (deploy/tenant installed, one GitRepository, PER_TENANT Kustomizations of
 *    Flux's benchmark shape, 4 objects each, from a local git server), served (a) by TENANTS single-tenant
 *    `rivulet run` processes, each with its tenant's ServiceAccount token, (b) by one
 *    `rivulet run --tenants FILE` host minting each tenant's token itself. For each: time from creating
 *    the Kustomizations to all Ready, the agents' API requests (their /metrics), their CPU seconds and the
 *    API server's, memory from /proc/PID/smaps_rollup (sum of PSS = what the node pays, shared pages
 *    counted once; private = Private_Clean + Private_Dirty) idle before, at the peak and idle after.
 * 2. Noisy neighbour: tenant `noisy` has NOISY Kustomizations that fail (a path missing from the
 *    artifact, retryInterval NOISY_RETRY), tenant `quiet` QUIET healthy ones. Each round commits a new
 *    revision for quiet, asks its GitRepository to reconcile (reconcile.fluxcd.io/requestedAt) and times
 *    until all of quiet's Kustomizations are Ready at it; p50/max over ROUNDS rounds, with the noisy
 *    tenant absent and active, in one host and in two separate processes (the yardstick). The host shares
 *    its --max-concurrent slots between tenants (FairShare); BEFORE_FAIRSHARE=REV adds the host built
 *    from commit REV (one without it) as another row, MAX_CONCURRENT=N the host with --max-concurrent N.
 *
 *   bun bench/multi-tenant.ts                          (100 × 10, noisy 1,000: the full size)
 *   TENANTS=10 PER_TENANT=10 NOISY=200 ROUNDS=3 bun bench/multi-tenant.ts     (a few minutes)
 *
 * MODE=compiled (default: the `bun build --compile --bytecode` executable the image ships, built from this
 * tree) or MODE=bun (a copy of Bun on the sources). PARTS=scale,noisy picks the parts; ORDER=processes,host
 * the order of part 1's sides. RETRY_INTERVAL (default 10s) is the healthy Kustomizations' retryInterval,
 * NOISY_RETRY (default 5s) the failing ones', WARM_S (default 20) the flood's seconds before the rounds.
 * RIVULET_BENCH_CONCURRENT (default 20, as flux-benchmark.ts) is every
 * agent's --concurrent. Every wait has a deadline (DEADLINE_S, default 900 s for part 1, ROUND_DEADLINE_S,
 * default 300 s per round); every agent is stopped and the control plane (with every namespace the bench
 * made) removed at the end, also on failure. BENCH_LOG=PREFIX keeps the agents' logs (PREFIX-NAME).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { startGitServer, type GitServer } from "../test/support/git-server.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import { kubeconfigForToken, serviceAccountToken, tenantObjects } from "../agent/kube/tenant-install.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import type { KubeObject } from "../agent/kube/types.ts";
import {
  addTenant,
  agentCommand,
  agentRequests,
  applyInBatches,
  appAt,
  cpuByName,
  FM,
  isReady,
  requestsSince,
  retrying,
  root,
  smapsOf,
  spawnAgent,
  startBenchCluster,
  sumRequests,
  tenantDocs,
  type AgentMode,
  type AgentProcess,
  type BenchCluster,
  type Requests,
} from "./flux-kit.ts";

const env = process.env;
const TENANTS = Number(env.TENANTS ?? 100);
const PER_TENANT = Number(env.PER_TENANT ?? 10);
const NOISY = Number(env.NOISY ?? 1000);
const NOISY_RETRY = env.NOISY_RETRY ?? "5s";
/**
 * The healthy Kustomizations' retryInterval. Flux's benchmark leaves it unset (= interval, 1h), but an API
 * server on a loaded 2-core machine answers some dry-runs with "resource quota evaluation timed out"
 * (500), and a Kustomization failing once would then wait an hour.
 */
const RETRY_INTERVAL = env.RETRY_INTERVAL ?? "10s";
const QUIET = Number(env.QUIET ?? 10);
const ROUNDS = Number(env.ROUNDS ?? 5);
const MODE = (env.MODE ?? "compiled") as AgentMode;
const PARTS = (env.PARTS ?? "scale,noisy").split(",");
const ORDER = (env.ORDER ?? "processes,host").split(",") as Side[];
const CONCURRENT = env.RIVULET_BENCH_CONCURRENT ?? "20";
const MAX_CONCURRENT = env.MAX_CONCURRENT;
const BEFORE_FAIRSHARE = env.BEFORE_FAIRSHARE;
const DEADLINE_MS = Number(env.DEADLINE_S ?? 900) * 1000;
const ROUND_DEADLINE_MS = Number(env.ROUND_DEADLINE_S ?? 300) * 1000;
const SETTLE_MS = Number(env.SETTLE_MS ?? 15_000);
/** Single-tenant agents started at once before waiting for their GitRepositories (start-up contention). */
const START_BATCH = Number(env.START_BATCH ?? 10);
/** Seconds of the noisy tenant's flood before the quiet tenant's rounds start. */
const WARM_MS = Number(env.WARM_S ?? 20) * 1000;

type Side = "processes" | "host";
const GIT = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository" };
const KS = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" };
const SIDE_LABEL = "bench.rivulet.dev/side";

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const log = (line: string) => console.error(`[multi-tenant ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mibKb = (kb: number) => (kb / 1024).toLocaleString("en", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** CPU seconds (user + system) so far of the given processes, from /proc/PID/stat. */
function cpuOfPids(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended
    }
  }
  return ticks / 100;
}

/** Sum of PSS and of private memory over `pids`, in KiB, at one instant. */
function memoryOf(pids: number[]): { pss: number; privateKb: number; rss: number } {
  const all = pids.map(smapsOf);
  return { pss: all.reduce((s, m) => s + m.pss, 0), privateKb: all.reduce((s, m) => s + m.privateKb, 0), rss: all.reduce((s, m) => s + m.rss, 0) };
}

/** VmHWM (peak RSS) per process, summed, in KiB. */
function hwmOf(pids: number[]): number {
  return pids.reduce((s, pid) => s + Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0), 0);
}

/** Polls `check` every `everyMs` until it is true; throws with `what` once `deadlineMs` has passed. */
async function waitFor(what: string, deadlineMs: number, everyMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let lastError = "";
  for (;;) {
    // A failed poll (the API server overloaded) is a poll that did not see it yet.
    if (await check().catch((e) => Boolean((lastError = ` (last error: ${e})`)) && false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${deadlineMs / 1000} s: ${what}${lastError}`);
    await sleep(everyMs);
  }
}

const countReady = async (admin: KubeClient, ref: { apiVersion: string; kind: string; namespace?: string }, labelSelector?: string, also: (o: KubeObject) => boolean = () => true) =>
  (await admin.list(ref, labelSelector ? { labelSelector } : {})).items.filter((o) => isReady(o) && also(o)).length;

const gitRepository = (ns: string, name: string, url: string, labels: Record<string, string> = {}) => ({ ...GIT, metadata: { name, namespace: ns, labels }, spec: { interval: "1h", url } });
const kustomization = (ns: string, i: number, source: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  ...KS,
  metadata: { name: `app-${i}`, namespace: ns, labels },
  spec: { interval: "1h", retryInterval: RETRY_INTERVAL, path: "./app", prune: true, wait: true, timeout: "5m", namePrefix: `app-${i}-`, sourceRef: { kind: "GitRepository", name: source }, ...spec },
});

const hostDocs = (file: string) => parseDocuments(readFileSync(join(root, "deploy", "host", file), "utf8")) as KubeObject[];

/**
 * The host's own identity as deploy/host/ installs it: ServiceAccount `rivulet-host` in `hostNs` with
 * only its leader Lease there. Returns a kubeconfig acting as it (DIR/HOSTNS.kubeconfig).
 */
async function hostIdentity(c: BenchCluster, hostNs: string, dir: string): Promise<string> {
  await c.admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: hostNs } }, FM);
  for (const o of tenantObjects([...hostDocs("service-account.yaml"), ...hostDocs("role-lease.yaml")], hostNs)) await c.admin.apply(o, FM);
  const token = await serviceAccountToken(c.admin, hostNs, "rivulet-host", "bench");
  const kubeconfig = join(dir, `${hostNs}.kubeconfig`);
  writeFileSync(kubeconfig, kubeconfigForToken(parseDocuments(readFileSync(c.adminKubeconfig, "utf8"))[0] as never, "rivulet-host", token, hostNs));
  return kubeconfig;
}

/** deploy/host/tenant/ in `tenantNs`: the host may mint the token of the tenant's `rivulet` ServiceAccount, nothing else. */
async function allowHost(admin: KubeClient, hostNs: string, tenantNs: string): Promise<void> {
  for (const o of tenantObjects(hostDocs(join("tenant", "role-token.yaml")), tenantNs)) {
    if (Array.isArray(o.subjects)) o.subjects = (o.subjects as Array<Record<string, unknown>>).map((x) => ({ ...x, namespace: hostNs }));
    await admin.apply(o, FM);
  }
}

/** A tenants file (rivulet.dev/v1alpha1 TenantList) naming `namespaces`, each with the default ServiceAccount. */
function tenantsFile(path: string, namespaces: string[]): string {
  writeFileSync(path, `apiVersion: rivulet.dev/v1alpha1\nkind: TenantList\ntenants:\n${namespaces.map((ns) => `  - namespace: ${ns}\n`).join("")}`);
  return path;
}

interface Ctx {
  c: BenchCluster;
  git: GitServer;
  cmd: string[];
  /** The agent built from BEFORE_FAIRSHARE, if asked. */
  beforeCmd?: string[];
  dir: string;
  agents: AgentProcess[];
}

async function startAgent(x: Ctx, name: string, runArgs: string[], cmd = x.cmd): Promise<AgentProcess> {
  const a = await spawnAgent(cmd, ["run", "--storage-path", join(x.dir, `data-${name}`), "--concurrent", CONCURRENT, ...runArgs], { log: env.BENCH_LOG ? `${env.BENCH_LOG}-${name}` : undefined });
  x.agents.push(a);
  return a;
}

async function stopAll(agents: AgentProcess[]): Promise<void> {
  await Promise.all(agents.map((a) => a.stop()));
}

async function startHost(x: Ctx, name: string, hostNs: string, namespaces: string[], extra: string[] = [], cmd = x.cmd): Promise<AgentProcess> {
  const kc = join(x.dir, `${hostNs}.kubeconfig`);
  return startAgent(x, name, ["--namespace", hostNs, "--kubeconfig", kc, "--tenants", tenantsFile(join(x.dir, `${name}.tenants.yaml`), namespaces), ...extra], cmd);
}

interface ScaleResult {
  side: Side;
  agents: number;
  startSeconds: number;
  ready: number;
  seconds: number;
  requests: Requests;
  cpuAgents: number;
  cpuApiserver: number;
  idleBefore: { pss: number; privateKb: number };
  peak: { pss: number; privateKb: number };
  hwmSum: number;
  idleAfter: { pss: number; privateKb: number };
  load: [string, string];
}

/** Part 1, one side: its TENANTS namespaces set up, its agents started, its Kustomizations created and timed. */
async function scaleSide(x: Ctx, side: Side): Promise<ScaleResult> {
  const { admin } = x.c;
  const prefix = side === "processes" ? "p" : "h";
  const namespaces = Array.from({ length: TENANTS }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  const hostNs = `${prefix}-host`;
  const docs = tenantDocs();
  log(`${side}: installing ${TENANTS} tenants`);
  const kubeconfigs: string[] = [];
  if (side === "host") await hostIdentity(x.c, hostNs, x.dir);
  for (const ns of namespaces) {
    kubeconfigs.push(await retrying(() => addTenant(admin, x.c.adminKubeconfig, ns, x.dir, docs)));
    if (side === "host") await retrying(() => allowHost(admin, hostNs, ns));
    await retrying(() => admin.apply(gitRepository(ns, "apps", x.git.url("apps"), { [SIDE_LABEL]: prefix }), FM));
  }
  const load0 = loadavg();
  const sources = `${SIDE_LABEL}=${prefix}`;
  const started = performance.now();
  const agents: AgentProcess[] = [];
  if (side === "processes") {
    // START_BATCH at a time, each batch's GitRepositories Ready before the next: 100 start-ups at once
    // would spend minutes contending for 2 cores.
    for (let i = 0; i < namespaces.length; i += START_BATCH) {
      const batch = namespaces.slice(i, i + START_BATCH);
      for (const [j, ns] of batch.entries()) agents.push(await startAgent(x, ns, ["--kubeconfig", kubeconfigs[i + j]!]));
      await waitFor(`${side}: GitRepositories Ready (agents ${i + 1}-${i + batch.length})`, DEADLINE_MS, 500, async () => (await countReady(admin, GIT, sources)) >= i + batch.length);
    }
  } else {
    agents.push(await startHost(x, "host", hostNs, namespaces));
    await waitFor(`${side}: GitRepositories Ready`, DEADLINE_MS, 500, async () => (await countReady(admin, GIT, sources)) === TENANTS);
  }
  const startSeconds = (performance.now() - started) / 1000;
  const pids = agents.map((a) => a.pid);
  log(`${side}: ${agents.length} agent(s) up, ${TENANTS} GitRepositories Ready in ${startSeconds.toFixed(1)} s; settling`);
  await sleep(SETTLE_MS);
  const idleBefore = memoryOf(pids);

  const reqs0 = await Promise.all(agents.map((a) => agentRequests(a.metricsUrl)));
  const cpu0 = { agents: cpuOfPids(pids), apiserver: cpuByName(["kube-apiserver"])["kube-apiserver"]! };
  const peak = { pss: idleBefore.pss, privateKb: idleBefore.privateKb };
  let lastSample = 0;
  const sample = () => {
    if (Date.now() - lastSample < 2000) return;
    lastSample = Date.now();
    const m = memoryOf(pids);
    peak.pss = Math.max(peak.pss, m.pss);
    peak.privateKb = Math.max(peak.privateKb, m.privateKb);
  };
  const t0 = performance.now();
  const ks = namespaces.flatMap((ns) => Array.from({ length: PER_TENANT }, (_, i) => kustomization(ns, i, "apps", {}, { [SIDE_LABEL]: prefix })));
  await applyInBatches(admin, ks);
  log(`${side}: ${ks.length} Kustomizations created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let ready = 0;
  const total = TENANTS * PER_TENANT;
  try {
    await waitFor(`${side}: ${total} Kustomizations Ready`, DEADLINE_MS, 1000, async () => {
      sample();
      ready = await countReady(admin, KS, sources);
      return ready === total;
    });
  } catch (e) {
    log(String(e));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuAgents = cpuOfPids(pids) - cpu0.agents;
  const cpuApiserver = cpuByName(["kube-apiserver"])["kube-apiserver"]! - cpu0.apiserver;
  const requests = requestsSince(sumRequests(reqs0), sumRequests(await Promise.all(agents.map((a) => agentRequests(a.metricsUrl)))));
  lastSample = 0;
  sample();
  const hwmSum = hwmOf(pids);
  log(`${side}: ${ready}/${total} Ready in ${seconds.toFixed(1)} s; settling`);
  await sleep(SETTLE_MS);
  const idleAfter = memoryOf(pids);
  const load1 = loadavg();
  await stopAll(agents);
  x.agents = x.agents.filter((a) => !agents.includes(a));
  return { side, agents: agents.length, startSeconds, ready, seconds, requests, cpuAgents, cpuApiserver, idleBefore, peak, hwmSum, idleAfter, load: [load0, load1] };
}

function scaleTable(rs: ScaleResult[]): string {
  const total = TENANTS * PER_TENANT;
  const verbs = (r: Requests) => Object.entries(r.byVerb).sort((a, b) => b[1] - a[1]).map(([v, c]) => `${v} ${c}`).join(", ");
  const row = (r: ScaleResult) => {
    const per = r.side === "processes" ? r.agents : TENANTS;
    const m = (kb: number) => `${mibKb(kb)} (${mibKb(kb / per)})`;
    return `| ${r.side === "processes" ? `${r.agents} \`rivulet run\` processes` : "one `rivulet run --tenants` host"} | ${r.startSeconds.toFixed(1)} s | ${r.ready}/${total} | ${r.seconds.toFixed(1)} s | ${r.requests.total} (${(r.requests.total / total).toFixed(1)} / Kustomization; ${verbs(r.requests)}) | ${r.cpuAgents.toFixed(1)} / ${r.cpuApiserver.toFixed(1)} | ${m(r.idleBefore.pss)} / ${m(r.idleBefore.privateKb)} | ${m(r.peak.pss)} / ${m(r.peak.privateKb)} | ${mibKb(r.hwmSum)} | ${m(r.idleAfter.pss)} / ${m(r.idleAfter.privateKb)} | ${r.load[0]} → ${r.load[1]} |`;
  };
  const lines = [
    `${TENANTS} tenants × ${PER_TENANT} Kustomizations (${total} Kustomizations, ${total * 4} objects), agent: ${MODE === "compiled" ? "compiled executable (bun build --compile --bytecode)" : "Bun + sources"}, --concurrent ${CONCURRENT}. Memory in MiB, "(…)" per tenant; PSS and private summed over the agents' processes.`,
    "",
    "| agents | start-up to all GitRepositories Ready | all Ready | time to Ready | API requests (by verb) | CPU s agents / kube-apiserver | idle before: PSS / private | peak: PSS / private | sum of peak RSS (VmHWM) | idle after: PSS / private | load average (1, 5, 15 min) before → after |",
    "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|",
    ...rs.map(row),
  ];
  const byKind = (r: ScaleResult) => Object.entries(r.requests.byResource).sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} ${c}`).join(", ");
  for (const r of rs) lines.push("", `${r.side}, requests by verb and resource: ${byKind(r)}`);
  const [p, h] = [rs.find((r) => r.side === "processes"), rs.find((r) => r.side === "host")];
  if (p && h) {
    lines.push(
      "",
      `host / processes: time ${(h.seconds / p.seconds).toFixed(2)}×, requests ${(h.requests.total / p.requests.total).toFixed(2)}×, agent CPU ${(h.cpuAgents / p.cpuAgents).toFixed(2)}×, apiserver CPU ${(h.cpuApiserver / p.cpuApiserver).toFixed(2)}×, idle PSS after ${(h.idleAfter.pss / p.idleAfter.pss).toFixed(3)}×, peak PSS ${(h.peak.pss / p.peak.pss).toFixed(3)}×`,
    );
  }
  return lines.join("\n");
}

interface NoisyResult {
  setup: string;
  noisy: "absent" | "active";
  latencies: number[];
  noisyReconciles: number;
  noisySeconds: number;
  load: [string, string];
}

/** Part 2: the quiet tenant's latency with the noisy tenant absent and active, one host vs two processes. */
async function noisyPart(x: Ctx, hasTenants: boolean, maxConcurrentFlag: boolean): Promise<NoisyResult[]> {
  const { admin } = x.c;
  const hostNs = "n-host";
  await hostIdentity(x.c, hostNs, x.dir);
  const kc: Record<string, string> = {};
  for (const ns of ["quiet", "noisy"]) {
    kc[ns] = await addTenant(admin, x.c.adminKubeconfig, ns, x.dir);
    await allowHost(admin, hostNs, ns);
  }
  let head = await x.git.createRepo("quiet", { "app/all.yaml": appAt(1) });
  let version = 1;
  await admin.apply(gitRepository("quiet", "apps", x.git.url("quiet")), FM);
  await admin.apply(gitRepository("noisy", "apps", x.git.url("apps")), FM);
  await applyInBatches(admin, Array.from({ length: QUIET }, (_, i) => kustomization("quiet", i, "apps")));
  log(`noisy: creating ${NOISY} failing Kustomizations`);
  await applyInBatches(admin, Array.from({ length: NOISY }, (_, i) => kustomization("noisy", i, "apps", { path: "./does-not-exist", retryInterval: NOISY_RETRY, wait: false })));

  const quietAt = (rev: string) => (o: KubeObject) => (o.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision === `master@sha1:${rev}`;
  const quietReady = async () => (await countReady(admin, { ...KS, namespace: "quiet" }, undefined, quietAt(head))) === QUIET;
  /** Reconciles of the noisy tenant's Kustomizations this agent has done (gotk_reconcile_duration_seconds_count). */
  const noisyReconciles = async (agent: AgentProcess) => {
    const text = await fetch(agent.metricsUrl).then((r) => r.text()).catch(() => ""); // not serving yet
    let n = 0;
    for (const m of text.matchAll(/^gotk_reconcile_duration_seconds_count\{([^}]*)\} (\d+)/gm)) if (/namespace="noisy"/.test(m[1]!) && /kind="Kustomization"/.test(m[1]!)) n += Number(m[2]);
    return n;
  };

  const setups: Array<{ setup: string; noisy: "absent" | "active"; start: () => Promise<{ all: AgentProcess[]; noisyAgent?: AgentProcess }> }> = [
    { setup: "one host", noisy: "absent", start: async () => ({ all: [await startHost(x, "n-host-quiet", hostNs, ["quiet"])] }) },
    {
      setup: "one host",
      noisy: "active",
      start: async () => {
        const h = await startHost(x, "n-host-both", hostNs, ["quiet", "noisy"]);
        return { all: [h], noisyAgent: h };
      },
    },
    ...(x.beforeCmd
      ? [
          {
            setup: `one host, before FairShare (${BEFORE_FAIRSHARE})`,
            noisy: "active" as const,
            start: async () => {
              const h = await startHost(x, "n-host-before", hostNs, ["quiet", "noisy"], [], x.beforeCmd);
              return { all: [h], noisyAgent: h };
            },
          },
        ]
      : []),
    ...(maxConcurrentFlag && MAX_CONCURRENT
      ? [
          {
            setup: `one host, --max-concurrent ${MAX_CONCURRENT}`,
            noisy: "active" as const,
            start: async () => {
              const h = await startHost(x, "n-host-fair", hostNs, ["quiet", "noisy"], ["--max-concurrent", MAX_CONCURRENT]);
              return { all: [h], noisyAgent: h };
            },
          },
        ]
      : []),
    { setup: "two processes", noisy: "absent", start: async () => ({ all: [await startAgent(x, "n-quiet", ["--kubeconfig", kc.quiet!])] }) },
    {
      setup: "two processes",
      noisy: "active",
      start: async () => {
        const q = await startAgent(x, "n-quiet2", ["--kubeconfig", kc.quiet!]);
        const n = await startAgent(x, "n-noisy", ["--kubeconfig", kc.noisy!]);
        return { all: [q, n], noisyAgent: n };
      },
    },
  ];

  const out: NoisyResult[] = [];
  for (const s of setups.filter((s) => hasTenants || !s.setup.startsWith("one host"))) {
    log(`noisy: ${s.setup}, noisy ${s.noisy}: starting`);
    const { all, noisyAgent } = await s.start();
    try {
      await waitFor(`${s.setup}: quiet's Kustomizations Ready at ${head}`, ROUND_DEADLINE_MS, 500, quietReady);
      if (noisyAgent) {
        // The flood is on once this agent has failed each of the noisy Kustomizations about once.
        await waitFor(`${s.setup}: the noisy tenant failing`, DEADLINE_MS, 1000, async () => (await noisyReconciles(noisyAgent)) >= NOISY * 0.9);
        log(`noisy: the flood is on; ${WARM_MS / 1000} s more before the rounds`);
        await sleep(WARM_MS);
      }
      const load0 = loadavg();
      let n0 = 0;
      let r0 = 0;
      const latencies: number[] = [];
      // Round 0 is not counted: it waits out a Lease a previous agent left and warms the JIT.
      for (let round = 0; round <= ROUNDS; round++) {
        version++;
        head = await x.git.commit("quiet", { "app/all.yaml": appAt(version) }, `v${version}`);
        const t = performance.now();
        if (round === 1) {
          n0 = noisyAgent ? await noisyReconciles(noisyAgent) : 0;
          r0 = t;
        }
        await retrying(() => admin.patch({ ...GIT, namespace: "quiet", name: "apps" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": String(Date.now()) } } }, "merge"));
        await waitFor(`${s.setup}, round ${round}: quiet's Kustomizations Ready at ${head}`, ROUND_DEADLINE_MS, 200, quietReady);
        const seconds = (performance.now() - t) / 1000;
        if (round > 0) latencies.push(seconds);
        log(`noisy: ${s.setup}, noisy ${s.noisy}, round ${round}${round ? "" : " (warm-up)"}: ${seconds.toFixed(2)} s`);
        await sleep(1000);
      }
      const noisySeconds = (performance.now() - r0) / 1000;
      out.push({ setup: s.setup, noisy: s.noisy, latencies, noisyReconciles: noisyAgent ? (await noisyReconciles(noisyAgent)) - n0 : 0, noisySeconds, load: [load0, loadavg()] });
    } catch (e) {
      log(String(e));
      out.push({ setup: s.setup, noisy: s.noisy, latencies: [], noisyReconciles: 0, noisySeconds: 0, load: [loadavg(), loadavg()] });
    } finally {
      await stopAll(all);
      x.agents = x.agents.filter((a) => !all.includes(a));
    }
  }
  return out;
}

function noisyTable(rs: NoisyResult[]): string {
  const f = (s: number) => `${s.toFixed(2)} s`;
  return [
    `Quiet tenant: ${QUIET} Kustomizations (Flux's benchmark shape, every object changed by each new revision); noisy tenant: ${NOISY} Kustomizations failing (path missing from the artifact, retryInterval ${NOISY_RETRY}). Latency from the requestedAt annotation on quiet's GitRepository (after a new commit) to all ${QUIET} Ready at it; ${ROUNDS} rounds.`,
    "",
    "| agents | noisy tenant | p50 | max | min | every round | noisy reconciles / s meanwhile | load average before → after |",
    "|---|---|---:|---:|---:|---|---:|---|",
    ...rs.map((r) =>
      r.latencies.length
        ? `| ${r.setup} | ${r.noisy} | ${f(quantile(r.latencies, 0.5))} | ${f(Math.max(...r.latencies))} | ${f(Math.min(...r.latencies))} | ${r.latencies.map((l) => l.toFixed(2)).join(", ")} | ${r.noisy === "active" ? (r.noisyReconciles / r.noisySeconds).toFixed(1) : "–"} | ${r.load[0]} → ${r.load[1]} |`
        : `| ${r.setup} | ${r.noisy} | failed (see the log) | | | | | |`,
    ),
  ].join("\n");
}

const work = mkdtempSync(join(tmpdir(), "rivulet-multi-"));
const agentDir = join(work, "agent");
mkdirSync(agentDir);
log(`preparing the agent (${MODE})`);
const cmd = agentCommand(MODE, agentDir);
const help = spawnSync(cmd[0]!, [...cmd.slice(1), "run", "--help"], { encoding: "utf8" });
const hasTenants = /--tenants\b/.test(help.stdout + help.stderr);
if (!hasTenants) log("rivulet run has no --tenants flag in this tree: only the single-tenant processes are measured");
const maxConcurrentFlag = /--max-concurrent\b/.test(help.stdout + help.stderr);
let beforeCmd: string[] | undefined;
if (BEFORE_FAIRSHARE && PARTS.includes("noisy")) {
  log(`building the agent at ${BEFORE_FAIRSHARE}`);
  const tree = join(work, "before-tree");
  const add = spawnSync("git", ["-C", root, "worktree", "add", "-q", "--detach", tree, BEFORE_FAIRSHARE], { stdio: ["ignore", "ignore", "inherit"] });
  if (add.status !== 0) throw new Error(`git worktree add ${BEFORE_FAIRSHARE} failed`);
  try {
    symlinkSync(join(root, "node_modules"), join(tree, "node_modules"));
    mkdirSync(join(work, "before-agent"));
    beforeCmd = agentCommand(MODE, join(work, "before-agent"), [], tree);
  } catch (e) {
    spawnSync("git", ["-C", root, "worktree", "remove", "--force", tree]);
    throw e;
  }
}
// Every CRD of crds/, as an install has them: an agent retries discovery of a missing kind every 30 s,
// which 100 agents would turn into a load of their own.
const c = await startBenchCluster(readdirSync(join(root, "crds")).filter((f) => f.endsWith(".yaml")));
const git = await startGitServer();
const x: Ctx = { c, git, cmd, beforeCmd, dir: work, agents: [] };
const stopEverything = async () => {
  await stopAll(x.agents);
  if (beforeCmd) spawnSync("git", ["-C", root, "worktree", "remove", "--force", join(work, "before-tree")]);
  await git.stop();
  await c.stop();
  rmSync(work, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopEverything().then(() => process.exit(130)));
const sections: string[] = [];
try {
  await git.createRepo("apps", { "app/all.yaml": appAt(1) });
  if (PARTS.includes("scale")) {
    const rs: ScaleResult[] = [];
    for (const side of ORDER.filter((o) => hasTenants || o !== "host")) {
      // One side failing (a deadline, an overloaded API server) still lets the other and part 2 run.
      await scaleSide(x, side).then((r) => rs.push(r), (e) => log(`${side}: failed: ${e instanceof Error ? e.stack : e}`));
      await stopAll(x.agents);
      x.agents = [];
    }
    sections.push(scaleTable(rs));
    console.log(`${sections.at(-1)}\n`);
  }
  if (PARTS.includes("noisy")) {
    sections.push(noisyTable(await noisyPart(x, hasTenants, maxConcurrentFlag)));
    console.log(`${sections.at(-1)}\n`);
  }
} finally {
  await stopEverything();
}
console.log(`multi-tenant (${new Date().toISOString().slice(0, 16)}Z, Bun ${Bun.version}, ${MODE}, ${TENANTS} × ${PER_TENANT}, noisy ${NOISY}), all parts:\n`);
console.log(sections.join("\n\n"));
