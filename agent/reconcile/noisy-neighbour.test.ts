/**
 * Flux's noisy-neighbour problem (fluxcd/flux2#5622) in pure logic, on a hand-driven clock: a noisy tenant
 * with 1,000 keys whose worker fails after a few ms and requeues with backoff, a quiet tenant with 10 keys,
 * one process with `slots` reconcile slots. Each tenant has its own WorkQueue; its concurrency is set high
 * (every key may wait for a slot) so that the shared slots, not the queues, are the limit.
 */
import { expect, test } from "bun:test";
import { FairShare, type Gate } from "./fair-share.ts";

type ClosableGate = Gate & { close(): void };
import { WorkQueue } from "./work-queue.ts";
import { manualTimers } from "./testdata/manual-timers.ts";

const SLOTS = 4;
const WORK_MS = 5;
const NOISY_KEYS = 1_000;
const QUIET_KEYS = 10;
/**
 * With round robin between 2 tenants the quiet one gets every other free slot: its 10 keys have started
 * after at most 2 × 10 grants, SLOTS per WORK_MS, plus the works already running when it asked.
 * Independent of NOISY_KEYS.
 */
const BOUND_MS = (Math.ceil((2 * QUIET_KEYS) / SLOTS) + 1) * WORK_MS;

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Runs both tenants until the quiet one's keys have all started; returns when each started (ms after enqueue). */
async function quietStarts(gates: { noisy: ClosableGate; quiet: ClosableGate }, giveUpMs: number): Promise<{ starts: number[]; noisyRuns: number }> {
  const clock = manualTimers();
  const sleep = (ms: number) => new Promise<void>((r) => clock.opts.setTimer(r, ms));
  const starts: number[] = [];
  let noisyRuns = 0;
  const opts = { ...clock.opts, concurrency: NOISY_KEYS + QUIET_KEYS };
  const noisy: WorkQueue = new WorkQueue(async (key) => {
    noisyRuns++;
    await sleep(WORK_MS);
    noisy.addRateLimited(key);
    throw new Error(`${key} failed`);
  }, { ...opts, gate: gates.noisy });
  const quiet = new WorkQueue(async () => {
    starts.push(clock.opts.now());
    await sleep(WORK_MS);
  }, { ...opts, gate: gates.quiet });
  for (let i = 0; i < NOISY_KEYS; i++) noisy.add(`noisy-${i}`);
  for (let i = 0; i < QUIET_KEYS; i++) quiet.add(`quiet-${i}`);
  await settle();
  while (starts.length < QUIET_KEYS && clock.opts.now() < giveUpMs) {
    clock.advance(1);
    await settle();
  }
  // Stop: the keys waiting for a slot are turned away, the running ones finish on the clock.
  let stopped = false;
  const stopping = Promise.all([noisy.stop(), quiet.stop()]).then(() => (stopped = true));
  gates.noisy.close();
  gates.quiet.close();
  while (!stopped) {
    clock.advance(WORK_MS);
    await settle();
  }
  await stopping;
  return { starts, noisyRuns };
}

test("a quiet tenant's keys all start within a bound set by slots and work length, whatever the noisy tenant has queued", async () => {
  const fs = new FairShare({ slots: SLOTS });
  const { starts, noisyRuns } = await quietStarts({ noisy: fs.tenant("noisy"), quiet: fs.tenant("quiet") }, 10_000);
  expect(starts).toHaveLength(QUIET_KEYS);
  expect(Math.max(...starts)).toBeLessThanOrEqual(BOUND_MS);
  // The noisy tenant was not shut out: it had half the slots meanwhile.
  expect(noisyRuns).toBeGreaterThanOrEqual(QUIET_KEYS);
});

/**
 * The comparison without fair sharing: the same two queues share the same slots first come, first served
 * (one gate for both, what a plain concurrency limit or the event loop gives whoever asks first). The
 * quiet tenant now waits for the noisy tenant's 1,000 keys, 1,000 / SLOTS × WORK_MS = 1,250 ms, 50 times
 * the bound above; with no shared limit at all the queues would not wait for each other here, and the
 * cost would show as CPU contention instead (bench/fair-share.ts measures that).
 */
test("without the fair share the quiet tenant waits behind the noisy tenant's 1,000 keys (the bound fails)", async () => {
  const shared = new FairShare({ slots: SLOTS }).tenant("process");
  const { starts } = await quietStarts({ noisy: shared, quiet: shared }, 10_000);
  expect(starts).toHaveLength(QUIET_KEYS);
  expect(Math.min(...starts)).toBeGreaterThanOrEqual((NOISY_KEYS / SLOTS) * WORK_MS);
  expect(Math.max(...starts)).toBeGreaterThan(BOUND_MS);
});
