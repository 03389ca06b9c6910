/**
 * The latency a quiet tenant sees while a noisy one has 1,000 failing Kustomizations (issue 24, Flux's
 * noisy-neighbour problem fluxcd/flux2#5622), in one process, with the agent's own WorkQueue and
 * FairShare and a CPU-bound worker of a reconcile's measured length: the agent spent 11.5 CPU-seconds on
 * 1,000 Kustomizations in bench/flux-benchmark.md (11.5 ms each), so a work is 4 stages of real kustomize
 * builds of Flux's benchmark Kustomization (4 objects: ServiceAccount, Deployment, Service, Ingress), as
 * many builds as take 11.5 ms in all on this machine (counted once at the start), with an event-loop turn
 * after each stage, as a reconcile yields while it waits for the API server. BENCH_WORK_MS changes the
 * length. The noisy tenant's 1,000 keys fail after their work and requeue with the queue's backoff (750 ms
 * doubling); the quiet tenant enqueues 10 keys every second. Reported: the quiet keys' time from enqueue
 * to start and to finish (p50, p99), in wall time and in this process's CPU time (the work it did
 * meanwhile: on a shared machine the wall times swing with the load, the CPU times much less), and how
 * many noisy works ran meanwhile.
 *
 * Set-ups, each tenant's queue with --concurrent's default of 4:
 *   alone            the quiet tenant only, no gate
 *   alone, gate      the same through a FairShare of 4 slots
 *   noisy            both tenants, each its own queue, no gate (8 reconciles at once)
 *   noisy, gate      both through one FairShare of 4 slots, round robin
 *   noisy on 3 kinds the noisy tenant's keys spread over 3 queues (as Kustomizations, HelmReleases and
 *                    sources of one Manager): 12 reconciles at once against the quiet one's 4; and the
 *                    same through the FairShare, which shares by tenant, not by queue
 *   noisy, shared    both tenants' keys in one queue of 4, as one Flux controller serves every namespace
 *
 *   bun bench/fair-share.ts [ROUNDS]      (default 3; each round runs every set-up once, in turn)
 */
import process from "node:process";
import { kustomizeBuild } from "../agent/kustomize/build.ts";
import { textFileTree } from "../agent/artifact/file-tree.ts";
import { FairShare } from "../agent/reconcile/fair-share.ts";
import { WorkQueue } from "../agent/reconcile/work-queue.ts";
import { appAt } from "./flux-kit.ts";

const ROUNDS = Number(process.argv[2] ?? 3);
const CONCURRENCY = 4;
const SLOTS = 4;
const NOISY_KEYS = 1_000;
const QUIET_KEYS = 10;
const QUIET_EVERY_MS = 1_000;
const QUIET_BATCHES = 6;
const WORK_MS = Number(process.env.BENCH_WORK_MS ?? 11.5);
const STAGES = 4;
/** The noisy flood starts this long before the first quiet batch, so every batch meets it. */
const WARMUP_MS = 300;

const tree = textFileTree({ "kustomization.yaml": "namePrefix: k-\nresources: [all.yaml]\n", "all.yaml": appAt(1) });
const turn = () => new Promise<void>((r) => setTimeout(r, 0));

let buildsPerStage = 1;

/** One reconcile's work: STAGES times builds (CPU), then a turn of the event loop (its API round trips). */
async function reconcileWork(): Promise<void> {
  for (let s = 0; s < STAGES; s++) {
    for (let i = 0; i < buildsPerStage; i++) {
      const objects = await kustomizeBuild(tree, "");
      if (objects.length !== 4) throw new Error(`Cannot run the benchmark: the build gave ${objects.length} objects, not 4`);
    }
    await turn();
  }
}

type Setup = "alone" | "alone, gate" | "noisy" | "noisy, gate" | "noisy on 3 kinds" | "noisy on 3 kinds, gate" | "noisy, shared";
const SETUPS: Setup[] = ["alone", "alone, gate", "noisy", "noisy, gate", "noisy on 3 kinds", "noisy on 3 kinds, gate", "noisy, shared"];

interface Result {
  toStart: number[];
  toFinish: number[];
  /** The same spans in this process's CPU time: the work it did meanwhile, whatever the machine's load. */
  cpuToStart: number[];
  cpuToFinish: number[];
  noisyRuns: number;
}

/** CPU milliseconds this process has used (user + system). */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function run(setup: Setup): Promise<Result> {
  const enqueued = new Map<string, { wall: number; cpu: number }>();
  const toStart: number[] = [];
  const toFinish: number[] = [];
  const cpuToStart: number[] = [];
  const cpuToFinish: number[] = [];
  let noisyRuns = 0;
  const fs = new FairShare({ slots: SLOTS });
  const gated = setup.endsWith("gate");
  const quietGate = gated ? fs.tenant("quiet") : undefined;
  const noisyGate = gated ? fs.tenant("noisy") : undefined;
  const quietWorker = async (key: string) => {
    const at = enqueued.get(key)!;
    toStart.push(performance.now() - at.wall);
    cpuToStart.push(cpuNow() - at.cpu);
    await reconcileWork();
    toFinish.push(performance.now() - at.wall);
    cpuToFinish.push(cpuNow() - at.cpu);
  };
  // The noisy tenant's queues, one per kind (a Manager has a controller per kind), all through its gate.
  const kinds = setup.startsWith("noisy on 3") ? 3 : 1;
  const noisy: WorkQueue[] = [];
  for (let k = 0; k < kinds; k++) {
    const q: WorkQueue = new WorkQueue(async (key) => {
      if (key.startsWith("quiet")) return quietWorker(key);
      noisyRuns++;
      await reconcileWork();
      q.addRateLimited(key);
      throw new Error(`${key} failed`);
    }, { concurrency: CONCURRENCY, gate: noisyGate });
    noisy.push(q);
  }
  const quiet = setup === "noisy, shared" ? noisy[0]! : new WorkQueue(quietWorker, { concurrency: CONCURRENCY, gate: quietGate });
  if (setup.startsWith("noisy")) for (let i = 0; i < NOISY_KEYS; i++) noisy[i % kinds]!.add(`noisy-${i}`);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const noisyBefore = noisyRuns;
  for (let b = 0; b < QUIET_BATCHES; b++) {
    for (let i = 0; i < QUIET_KEYS; i++) {
      const key = `quiet-${b}-${i}`;
      enqueued.set(key, { wall: performance.now(), cpu: cpuNow() });
      quiet.add(key);
    }
    await new Promise((r) => setTimeout(r, QUIET_EVERY_MS));
  }
  const ran = noisyRuns - noisyBefore;
  // Every quiet key must have finished; the shared queue may still hold some behind the flood.
  const deadline = performance.now() + 60_000;
  while (toFinish.length < QUIET_KEYS * QUIET_BATCHES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await Promise.all([...noisy, quiet].map((q) => q.stop()));
  quietGate?.close();
  noisyGate?.close();
  return { toStart, toFinish, cpuToStart, cpuToFinish, noisyRuns: ran };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}
const median = (xs: number[]) => pct(xs, 50);
const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

// The worker's length, measured: builds in a row after a warm-up, then whole works.
for (let i = 0; i < 200; i++) await kustomizeBuild(tree, "");
const builds: number[] = [];
for (let i = 0; i < 500; i++) {
  const t = performance.now();
  await kustomizeBuild(tree, "");
  builds.push(performance.now() - t);
}
buildsPerStage = Math.max(1, Math.round(WORK_MS / STAGES / median(builds)));
const works: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  await reconcileWork();
  works.push(performance.now() - t);
}
console.log(`build of 4 objects: p50 ${median(builds).toFixed(3)} ms; a work: ${STAGES} stages of ${buildsPerStage} builds and a turn, p50 ${ms(median(works))} ms, p99 ${ms(pct(works, 99))} ms alone`);

const results = new Map<Setup, Result[]>(SETUPS.map((s) => [s, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const s of SETUPS) {
    const res = await run(s);
    results.get(s)!.push(res);
    console.log(
      `round ${r + 1} ${s}: start p50 ${ms(median(res.toStart))} p99 ${ms(pct(res.toStart, 99))}, finish p50 ${ms(median(res.toFinish))} p99 ${ms(pct(res.toFinish, 99))} ms; CPU-ms start p50 ${ms(median(res.cpuToStart))} p99 ${ms(pct(res.cpuToStart, 99))}, finish p50 ${ms(median(res.cpuToFinish))} p99 ${ms(pct(res.cpuToFinish, 99))}; quiet ${res.toFinish.length}, noisy works ${res.noisyRuns}`,
    );
  }
}

console.log(`\n| set-up | quiet: enqueue to start p50 / p99 | to finish p50 / p99 | the same in the process's CPU-ms: to start | to finish | noisy works in the ${(QUIET_BATCHES * QUIET_EVERY_MS) / 1000} s |`);
console.log("|---|---:|---:|---:|---:|---:|");
for (const s of SETUPS) {
  const rs = results.get(s)!;
  const med = (f: (r: Result) => number) => median(rs.map(f));
  console.log(
    `| ${s} | ${ms(med((r) => median(r.toStart)))} / ${ms(med((r) => pct(r.toStart, 99)))} ms | ${ms(med((r) => median(r.toFinish)))} / ${ms(med((r) => pct(r.toFinish, 99)))} ms | ${ms(med((r) => median(r.cpuToStart)))} / ${ms(med((r) => pct(r.cpuToStart, 99)))} | ${ms(med((r) => median(r.cpuToFinish)))} / ${ms(med((r) => pct(r.cpuToFinish, 99)))} | ${s.startsWith("noisy") ? med((r) => r.noisyRuns) : "–"} |`,
  );
}
console.log(`\nmedians over ${ROUNDS} rounds; ${QUIET_BATCHES} batches of ${QUIET_KEYS} quiet keys per run; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")}`);
