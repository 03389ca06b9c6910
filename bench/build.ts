/**
 * Build benchmark: generated overlays of 10, 2,000 and 5,000 objects (bench/build-fixture.ts; sizes from
 * BENCH_SIZES) built in-process (bench/build-inprocess.ts, a fresh Bun process per size, the tree loaded
 * once, the build timed), and as whole processes: `rivulet build` from source (bin/rivulet with
 * RIVULET_FROM_SOURCE=1), bin/rivulet running the executable `npm run build:bin` compiled (`bun build
 * --compile --bytecode`, into a private RIVULET_CACHE; what a user runs once it is built; BENCH_COMPILED=0
 * skips it), and `kubectl kustomize` (kustomize v5.5.0) as the peer, all in the same run. Process runs of the three
 * tools alternate, so load on the shared machine falls on all of them alike. Each rivulet output is
 * checked to hold the same objects as kubectl's. Figures are medians of BENCH_RUNS runs (default 5;
 * kubectl at 5,000 runs BENCH_KUBECTL_BIG_RUNS times, default 2, because one run takes minutes); peak
 * RSS from /usr/bin/time or getrusage. Writes bench/build.md.
 *
 *   bun bench/build.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { writeFixture } from "./build-fixture.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BIG_KUBECTL_RUNS = Number(process.env.BENCH_KUBECTL_BIG_RUNS ?? 2);
const SIZES = (process.env.BENCH_SIZES ?? "10,2000,5000").split(",").map(Number);
const root = join(import.meta.dirname, "..");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command under /usr/bin/time; returns wall ms, peak RSS in KiB, and stdout. */
function timed(cmd: string[], env: Record<string, string> = {}): { ms: number; rssKb: number; stdout: string } {
  const s = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "RSS=%M", ...cmd], { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  const ms = performance.now() - s;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr}`);
  const rss = Number(/RSS=(\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { ms, rssKb: rss, stdout: r.stdout };
}

/** Runs `npm run build:bin` into a private cache; returns the environment that makes bin/rivulet run it. */
function compile(): { env: Record<string, string>; buildMs: number } | undefined {
  if (process.env.BENCH_COMPILED === "0") return undefined;
  const cache = mkdtempSync(join(tmpdir(), "rivulet-bench-cache-"));
  const s = performance.now();
  const r = spawnSync("bash", [join(root, "scripts/build-bin.sh")], { encoding: "utf8", env: { ...process.env, RIVULET_CACHE: cache } });
  if (r.status !== 0) throw new Error(`npm run build:bin failed: ${r.stderr}`);
  return { env: { RIVULET_CACHE: cache }, buildMs: performance.now() - s };
}

interface Proc {
  ms: number;
  rssMb: number;
}
interface Row {
  objects: number;
  inProcessMs: number;
  inProcessRssMb: number;
  process: Proc;
  compiled?: Proc;
  kubectl: Proc;
  same: boolean;
}

const summary = (runs: Array<{ ms: number; rssKb: number }>): Proc => ({ ms: median(runs.map((r) => r.ms)), rssMb: Math.max(...runs.map((r) => r.rssKb)) / 1024 });
const sameObjects = (a: string, b: string, n: number) => {
  const ours = parseDocuments(a, "rivulet");
  return ours.length === n && JSON.stringify(ours) === JSON.stringify(parseDocuments(b, "kubectl"));
};

const compiled = compile();
const rows: Row[] = [];
for (const n of SIZES) {
  const dir = join(tmpdir(), `rivulet-bench-build-${n}`);
  writeFixture(dir, n);
  const ip = spawnSync(process.execPath, [join(root, "bench/build-inprocess.ts"), dir, String(Math.max(RUNS, 9) + 1)], { encoding: "utf8" });
  if (ip.status !== 0) throw new Error(ip.stderr);
  const inproc = JSON.parse(ip.stdout.trim().split("\n").pop()!) as { ms: number[]; maxRssKb: number; objects: number };
  // The first build warms the JIT; the median is over the rest.
  const inMs = median(inproc.ms.slice(1));
  const proc: ReturnType<typeof timed>[] = [];
  const comp: ReturnType<typeof timed>[] = [];
  const kube: ReturnType<typeof timed>[] = [];
  const kRuns = n >= 5000 ? BIG_KUBECTL_RUNS : RUNS;
  for (let i = 0; i < RUNS; i++) {
    proc.push(timed([join(root, "bin/rivulet"), "build", dir], { RIVULET_FROM_SOURCE: "1" }));
    if (compiled) comp.push(timed([join(root, "bin/rivulet"), "build", dir], compiled.env));
    if (i < kRuns) kube.push(timed(["kubectl", "kustomize", dir]));
  }
  const same = sameObjects(proc[0]!.stdout, kube[0]!.stdout, n) && (!compiled || sameObjects(comp[0]!.stdout, kube[0]!.stdout, n));
  rows.push({ objects: n, inProcessMs: inMs, inProcessRssMb: inproc.maxRssKb / 1024, process: summary(proc), compiled: compiled ? summary(comp) : undefined, kubectl: summary(kube), same });
  console.error(JSON.stringify(rows[rows.length - 1]));
}

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const first = rows[0]!;
const last = rows[rows.length - 1]!;
const lines = [
  "# Build benchmark (`bun bench/build.ts`)",
  "",
  `Generated overlays: ${SIZES.join(", ")} objects in up to 50 bases (ConfigMap, Service, Deployment mounting its ConfigMap),`,
  "each base with its own namePrefix; the overlay adds namespace, namePrefix, commonLabels and a strategic merge patch",
  "targeted at every Deployment. Peer: `kubectl kustomize` (kubectl 1.32, kustomize v5.5.0), same machine, same run.",
  `Whole processes: \`rivulet build\` from source (bin/rivulet with RIVULET_FROM_SOURCE=1, Bun) and compiled (bin/rivulet running what \`npm run build:bin\` made,`,
  `\`bun build --compile --bytecode\`; the build took ${compiled ? (compiled.buildMs / 1000).toFixed(1) : "-"} s),`,
  `and kubectl, alternating; medians of ${RUNS} runs (kubectl at 5,000: ${BIG_KUBECTL_RUNS}). In-process: ${Math.max(RUNS, 9)} builds after one`,
  "warm-up, tree already in memory. The machine has 2 cores shared with other jobs: absolute numbers are noisy, ratios are from one run.",
  "",
  "| objects | in-process ms | `rivulet build` ms (peak RSS MB) | compiled ms (peak RSS MB) | `kubectl kustomize` ms (peak RSS MB) | kubectl / in-process | kubectl / `rivulet build` | kubectl / compiled | same objects as kubectl |",
  "| --: | --: | --: | --: | --: | --: | --: | --: | :-- |",
  ...rows.map((r) =>
    `| ${r.objects} | ${f(r.inProcessMs)} | ${f(r.process.ms)} (${f(r.process.rssMb)}) | ${r.compiled ? `${f(r.compiled.ms)} (${f(r.compiled.rssMb)})` : "-"} | ${f(r.kubectl.ms)} (${f(r.kubectl.rssMb)}) | ${f(r.kubectl.ms / r.inProcessMs)}x | ${f(r.kubectl.ms / r.process.ms)}x | ${r.compiled ? `${f(r.kubectl.ms / r.compiled.ms)}x` : "-"} | ${r.same ? "yes" : "NO"} |`),
  "",
  `Scaling: in-process ${last.objects} objects cost ${(last.inProcessMs / first.inProcessMs).toFixed(2)}x ${first.objects};`,
  `kubectl kustomize ${(last.kubectl.ms / first.kubectl.ms).toFixed(2)}x.`,
  "",
];
writeFileSync(join(root, "bench/build.md"), lines.join("\n"));
console.log(lines.join("\n"));
