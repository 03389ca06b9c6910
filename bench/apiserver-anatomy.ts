/**
 * Where the API server's CPU goes during a benchmark (issue 24), in three views over the same window:
 *
 * - who asked for what: kube-apiserver's audit log (Metadata level, one line per finished request),
 *   counted and timed (handler latency, request received to response complete) by user, verb, resource
 *   and dry-run;
 * - what the server did with its CPU: Go CPU profiles from its /debug/pprof/profile (taken back to back,
 *   each shorter than the server's one-minute request timeout), each sample sorted by the handler it ran
 *   under (the verb) and the work inside it (managed fields and server-side apply, admission, etcd,
 *   serialization), with watch fan-out, audit, TLS/HTTP and garbage collection apart;
 * - the server's own counters from its /metrics (watch events sent per kind, their bytes).
 *
 * The audit log and the profiler cost the server some CPU themselves (a few percent), so the anatomy run
 * is not the timed run: bench/flux-benchmark.ts turns it on with BENCH_ANATOMY=1 only.
 * Needs `go` on the PATH for `go tool pprof` (Debian's golang-go, which scripts/install-deps.sh installs).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import type { LocalControlPlane } from "../agent/devtools/local-control-plane.ts";

/** Metadata for every request, one line when the response is complete (or, for a watch, when it ends). */
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
`;

/** kube-apiserver flags for an audit log in `dir`, written in batches so requests do not wait for the disk. */
export function auditFlags(dir: string): string[] {
  writeFileSync(join(dir, "audit-policy.yaml"), POLICY);
  return [
    `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
    `--audit-log-path=${join(dir, "audit.log")}`,
    "--audit-log-format=json",
    "--audit-log-mode=batch",
    "--audit-log-maxsize=0",
  ];
}

export interface AuditRow {
  user: string;
  verb: string;
  resource: string;
  count: number;
  /** Summed handler latency, seconds (watches left out: they last as long as they are open). */
  latency: number;
}

/** The short names the tables use for the bench's identities. */
export function userOf(name: string): string {
  if (name.startsWith("system:serviceaccount:") && name.endsWith(":rivulet")) return "agent";
  if (name === "rivulet-controller-manager") return "controller-manager";
  if (name === "rivulet-admin") return "bench (admin)";
  if (name.startsWith("system:apiserver")) return "apiserver (loopback)";
  return name;
}

interface AuditEvent {
  verb: string;
  requestURI: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  stage: string;
}

/** The audit log's byte length now: what `auditSince` starts from. */
export function auditMark(dir: string): number {
  try {
    return readFileSync(join(dir, "audit.log")).length;
  } catch {
    return 0;
  }
}

/** The requests finished since `mark`, grouped by user, verb (dry-run apart), resource/subresource. */
export function auditSince(dir: string, mark: number): AuditRow[] {
  const text = readFileSync(join(dir, "audit.log")).subarray(mark).toString("utf8");
  const rows = new Map<string, AuditRow>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line) as AuditEvent;
    if (e.stage !== "ResponseComplete") continue;
    const dry = /[?&]dryRun=/.test(e.requestURI);
    const verb = dry ? `${e.verb} (dry-run)` : e.verb;
    const resource = e.objectRef?.resource ? e.objectRef.resource + (e.objectRef.subresource ? `/${e.objectRef.subresource}` : "") : e.requestURI.split("?")[0]!;
    const user = userOf(e.user?.username ?? "?");
    const key = `${user}\0${verb}\0${resource}`;
    const row = rows.get(key) ?? { user, verb, resource, count: 0, latency: 0 };
    row.count++;
    if (e.verb !== "watch") row.latency += (Date.parse(e.stageTimestamp) - Date.parse(e.requestReceivedTimestamp)) / 1000;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.latency - a.latency || b.count - a.count);
}

function adminGet(cp: LocalControlPlane, path: string, timeoutMs: number): Promise<Uint8Array> {
  const ca = readFileSync(cp.caFile, "utf8");
  return new Promise((res, rej) => {
    const req = request(`${cp.server}${path}`, { ca, headers: { Authorization: `Bearer ${cp.admin.token}` }, timeout: timeoutMs }, (r) => {
      const parts: Uint8Array[] = [];
      r.on("data", (d: Uint8Array) => parts.push(d));
      r.on("end", () => (r.statusCode === 200 ? res(Buffer.concat(parts)) : rej(new Error(`GET ${path}: ${r.statusCode} ${Buffer.concat(parts).toString().slice(0, 200)}`))));
    });
    req.on("error", rej);
    req.on("timeout", () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.end();
  });
}

/** Counters from the server's /metrics whose names start with one of `prefixes`, by full series. */
export async function serverMetrics(cp: LocalControlPlane, prefixes: string[]): Promise<Map<string, number>> {
  const text = new TextDecoder().decode(await adminGet(cp, "/metrics", 30_000));
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !prefixes.some((p) => line.startsWith(p))) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** b - a per series, zeros left out. */
export function metricsDelta(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b) if (v - (a.get(k) ?? 0) !== 0) out.set(k, v - (a.get(k) ?? 0));
  return out;
}

/**
 * Profiles the server back to back in 10 s pieces (its request timeout is one minute, and a short piece
 * ends the window close to when `done` settles); the pieces are written to `dir`, their names returned.
 */
export async function profileUntil(cp: LocalControlPlane, dir: string, done: Promise<unknown>): Promise<string[]> {
  let over = false;
  void done.finally(() => (over = true));
  const files: string[] = [];
  while (!over) {
    const body = await adminGet(cp, "/debug/pprof/profile?seconds=10", 30_000);
    const f = join(dir, `apiserver-${files.length}.pprof`);
    writeFileSync(f, body);
    files.push(f);
  }
  return files;
}

/** Where a sample's CPU went: the handler it ran under, and the kind of work. */
export interface CpuSplit {
  total: number;
  /** "handler · work" -> seconds */
  cells: Map<string, number>;
}

const HANDLERS: Array<[string, RegExp]> = [
  ["watch fan-out", /\(\*Cacher\)\.dispatchEvent|\(\*cacheWatcher\)|\(\*WatchServer\)\.ServeHTTP|\(\*watchCache\)|\(\*Cacher\)\.processEvent/],
  ["patch (apply, dry-run, merge)", /handlers\.PatchResource|\(\*patcher\)/],
  ["create", /handlers\.createHandler|handlers\.CreateResource|handlers\.CreateNamedResource/],
  ["update", /handlers\.UpdateResource/],
  ["delete", /handlers\.DeleteResource|handlers\.DeleteCollection/],
  ["get", /handlers\.GetResource|handlers\.getResourceHandler/],
  ["list", /handlers\.ListResource/],
  ["audit", /apiserver\/pkg\/audit|plugin\/pkg\/audit/],
  ["garbage collection", /^runtime\.(gcBgMarkWorker|bgsweep|bgscavenge)/],
  ["TLS and HTTP", /crypto\/tls|net\/http|http2/],
  ["etcd (background)", /etcd|grpc/],
];

const WORK: Array<[string, RegExp]> = [
  ["managed fields / SSA", /fieldmanager|structured-merge-diff/],
  ["admission", /admission/],
  ["etcd", /storage\/etcd3|go\.etcd\.io|grpc/],
  ["serialization", /encoding\/json|json-iterator|runtime\/serializer|sigs\.k8s\.io\/json|protobuf|DeepCopy|unstructured/i],
  ["authn/authz", /authentication|authorization|rbac/],
];

/** The samples of `files`, merged by `go tool pprof -traces`, sorted into handler × work. */
export function splitProfiles(files: string[]): CpuSplit {
  const r = spawnSync("go", ["tool", "pprof", "-traces", ...files], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`Cannot read the profiles: go tool pprof exited with ${r.status}: ${r.stderr.slice(0, 500)}`);
  const cells = new Map<string, number>();
  let total = 0;
  for (const block of r.stdout.split(/^-{5,}\+-{5,}$/m)) {
    const lines = block.split("\n").filter((l) => l.trim());
    const head = /^\s*([\d.]+)(ms|s|us|µs)\s+(.*)$/.exec(lines[0] ?? "");
    if (!head) continue;
    const seconds = Number(head[1]) / ({ s: 1, ms: 1e3, us: 1e6, µs: 1e6 } as Record<string, number>)[head[2]!]!;
    const frames = [head[3]!.trim(), ...lines.slice(1).map((l) => l.trim())];
    const handler = HANDLERS.find(([, re]) => frames.some((f) => re.test(f)))?.[0] ?? "other";
    // The first kind of work in WORK's order that the stack holds: JSON under the field manager counts as managed fields.
    const work = WORK.find(([, re]) => frames.some((f) => re.test(f)))?.[0] ?? "other";
    const key = `${handler} · ${work}`;
    cells.set(key, (cells.get(key) ?? 0) + seconds);
    total += seconds;
  }
  return { total, cells };
}

/** The handler of HANDLERS that serves an audit verb. */
const handlerOfVerb = (verb: string): string | undefined =>
  HANDLERS.find(([h]) => h.startsWith(verb.replace(" (dry-run)", "")))?.[0];

/**
 * The anatomy as Markdown tables, per Kustomization (`n`): requests and handler latency by user, verb
 * and resource, each row's share of its handler's profiled CPU (the handler's CPU split in proportion to
 * the rows' latency: an estimate, the profile does not know users); the profile by handler and work;
 * watch events sent by kind.
 */
export function anatomyTables(n: number, audit: AuditRow[], cpu: CpuSplit, metrics: Map<string, number>, apiserverCpu: number): string {
  const per = (x: number, digits = 4) => (x / n).toFixed(digits);
  const handlerCpu = new Map<string, number>();
  for (const [k, s] of cpu.cells) handlerCpu.set(k.split(" · ")[0]!, (handlerCpu.get(k.split(" · ")[0]!) ?? 0) + s);
  const latencyOf = new Map<string, number>();
  for (const r of audit) {
    const h = handlerOfVerb(r.verb);
    if (h) latencyOf.set(h, (latencyOf.get(h) ?? 0) + r.latency);
  }
  const out: string[] = [];
  out.push(`kube-apiserver CPU while converging (from /proc): ${apiserverCpu.toFixed(1)} s, ${per(apiserverCpu, 4)} s per Kustomization; profiled: ${cpu.total.toFixed(1)} s.\n`);
  out.push("| user | verb | resource | requests | handler latency s | CPU s (est.) |");
  out.push("|---|---|---|---:|---:|---:|");
  for (const r of audit.filter((r) => r.count >= n / 20 || r.latency >= n / 1000)) {
    const h = handlerOfVerb(r.verb);
    const est = h && r.verb !== "watch" && latencyOf.get(h) ? ((handlerCpu.get(h) ?? 0) * r.latency) / latencyOf.get(h)! : undefined;
    out.push(`| ${r.user} | ${r.verb} | ${r.resource} | ${per(r.count, 2)} | ${per(r.latency)} | ${est === undefined ? "" : per(est)} |`);
  }
  const byUser = new Map<string, number>();
  for (const r of audit) byUser.set(r.user, (byUser.get(r.user) ?? 0) + r.count);
  out.push(`\nRequests per Kustomization by user: ${[...byUser].sort((a, b) => b[1] - a[1]).map(([u, c]) => `${u} ${per(c, 2)}`).join(", ")}.\n`);
  out.push("| handler | work | CPU s | share |");
  out.push("|---|---|---:|---:|");
  for (const [k, s] of [...cpu.cells].sort((a, b) => b[1] - a[1])) {
    if (s / cpu.total < 0.005) continue;
    const [h, w] = k.split(" · ");
    out.push(`| ${h} | ${w} | ${per(s)} | ${((100 * s) / cpu.total).toFixed(1)}% |`);
  }
  out.push("\n| handler | CPU s | share |");
  out.push("|---|---:|---:|");
  for (const [h, s] of [...handlerCpu].sort((a, b) => b[1] - a[1])) out.push(`| ${h} | ${per(s)} | ${((100 * s) / cpu.total).toFixed(1)}% |`);
  const watch = [...metrics].filter(([k]) => k.startsWith("apiserver_watch_events_total")).sort((a, b) => b[1] - a[1]);
  const sizes = new Map([...metrics].filter(([k]) => k.startsWith("apiserver_watch_events_sizes_sum")).map(([k, v]) => [/kind="([^"]*)"/.exec(k)?.[1] ?? k, v]));
  out.push("\n| watch events sent, kind | events | bytes |");
  out.push("|---|---:|---:|");
  for (const [k, v] of watch) {
    const kind = /kind="([^"]*)"/.exec(k)?.[1] ?? k;
    out.push(`| ${kind} | ${per(v, 2)} | ${per(sizes.get(kind) ?? 0, 0)} |`);
  }
  return out.join("\n");
}
