/**
 * Build benchmark: generated overlays of 1,000, 2,000 and 5,000 objects (bench/build-fixture.ts) built
 * in-process (bench/build-inprocess.ts, a fresh Bun process per size, the tree loaded once, the build
 * timed), as a `rivulet build` process, and by `kubectl kustomize` (kustomize v5.5.0) as the peer, all
 * in the same run. Each rivulet output is checked to hold the same objects as kubectl's. Figures are
 * medians of several runs (BENCH_RUNS, default 3; kubectl at 5,000 runs BENCH_KUBECTL_BIG_RUNS times,
 * default 2, because one run takes about a minute); peak RSS from /usr/bin/time or getrusage. Writes
 * bench/build.md.
 *
 *   bun bench/build.ts
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { writeFixture } from "./build-fixture.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIG_KUBECTL_RUNS = Number(process.env.BENCH_KUBECTL_BIG_RUNS ?? 2);
const SIZES = (process.env.BENCH_SIZES ?? "1000,2000,5000").split(",").map(Number);
const root = join(import.meta.dirname, "..");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command under /usr/bin/time; returns wall ms, peak RSS in KiB, and stdout. */
function timed(cmd: string[]): { ms: number; rssKb: number; stdout: string } {
  const s = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "RSS=%M", ...cmd], { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - s;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr}`);
  const rss = Number(/RSS=(\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { ms, rssKb: rss, stdout: r.stdout };
}

interface Row {
  objects: number;
  inProcessMs: number;
  inProcessRssMb: number;
  processMs: number;
  processRssMb: number;
  kubectlMs: number;
  kubectlRssMb: number;
  same: boolean;
}

const rows: Row[] = [];
for (const n of SIZES) {
  const dir = join(tmpdir(), `rivulet-bench-build-${n}`);
  writeFixture(dir, n);
  const ip = spawnSync(process.execPath, [join(root, "bench/build-inprocess.ts"), dir, String(Math.max(RUNS, 9) + 1)], { encoding: "utf8" });
  if (ip.status !== 0) throw new Error(ip.stderr);
  const inproc = JSON.parse(ip.stdout.trim().split("\n").pop()!) as { ms: number[]; maxRssKb: number; objects: number };
  // The first build warms the JIT; the median is over the rest.
  const inMs = median(inproc.ms.slice(1));
  const proc = Array.from({ length: RUNS }, () => timed([join(root, "bin/rivulet"), "build", dir]));
  const kRuns = n >= 5000 ? BIG_KUBECTL_RUNS : RUNS;
  const kube = Array.from({ length: kRuns }, () => timed(["kubectl", "kustomize", dir]));
  const ours = parseDocuments(proc[0]!.stdout, "rivulet");
  const theirs = parseDocuments(kube[0]!.stdout, "kubectl");
  const same = ours.length === n && JSON.stringify(ours) === JSON.stringify(theirs);
  rows.push({
    objects: n,
    inProcessMs: inMs,
    inProcessRssMb: inproc.maxRssKb / 1024,
    processMs: median(proc.map((p) => p.ms)),
    processRssMb: Math.max(...proc.map((p) => p.rssKb)) / 1024,
    kubectlMs: median(kube.map((k) => k.ms)),
    kubectlRssMb: Math.max(...kube.map((k) => k.rssKb)) / 1024,
    same,
  });
  console.error(JSON.stringify(rows[rows.length - 1]));
}

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const first = rows[0]!;
const last = rows[rows.length - 1]!;
const lines = [
  "# Build benchmark (`bun bench/build.ts`)",
  "",
  `Generated overlays: ${SIZES.join(", ")} objects in 50 bases (ConfigMap, Service, Deployment mounting its ConfigMap),`,
  "each base with its own namePrefix; the overlay adds namespace, namePrefix, commonLabels and a strategic merge patch",
  "targeted at every Deployment. Peer: `kubectl kustomize` (kubectl 1.32, kustomize v5.5.0), same machine, same run.",
  `Medians of ${RUNS} runs (kubectl at 5,000: ${BIG_KUBECTL_RUNS}; in-process: ${Math.max(RUNS, 9)} builds after one warm-up, tree already in memory).`,
  "The machine has 2 cores and is shared with other jobs, so absolute numbers are noisy; ratios are from one run.",
  "",
  "| objects | in-process ms | in-process peak RSS MB | `rivulet build` ms | its peak RSS MB | `kubectl kustomize` ms | its peak RSS MB | in-process vs kubectl | process vs kubectl | same objects as kubectl |",
  "| --: | --: | --: | --: | --: | --: | --: | --: | --: | :-- |",
  ...rows.map((r) => `| ${r.objects} | ${f(r.inProcessMs)} | ${f(r.inProcessRssMb)} | ${f(r.processMs)} | ${f(r.processRssMb)} | ${f(r.kubectlMs)} | ${f(r.kubectlRssMb)} | ${f(r.kubectlMs / r.inProcessMs)}x | ${f(r.kubectlMs / r.processMs)}x | ${r.same ? "yes" : "NO"} |`),
  "",
  `Scaling: in-process ${last.objects} objects cost ${(last.inProcessMs / first.inProcessMs).toFixed(2)}x ${first.objects} (goal <= 6x for 5x the objects);`,
  `kubectl kustomize ${(last.kubectlMs / first.kubectlMs).toFixed(2)}x.`,
  "",
];
writeFileSync(join(root, "bench/build.md"), lines.join("\n"));
console.log(lines.join("\n"));
