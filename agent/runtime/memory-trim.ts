/**
 * Keeps the agent's resident memory near its live data after bursts of work. Bun's engine grows its heap
 * during a burst (1,000 Kustomizations converging) and keeps the pages afterwards: live data stays at
 * ~25 MiB while RSS climbs past 130 MiB. A full collection every couple of seconds while work is going on
 * lets the allocator return pages: measured on bench/flux-benchmark.ts at 1,000, peak RSS 136 -> 126 MiB
 * for ~30 ms per collection (about 1.5% of one core while busy), and no collections at all when idle.
 *
 * One more collection follows the first quiet period after work (the trailing one): the last burst's
 * garbage (a refused 50 MB commit's buffers) is often released only when the work ends, and without it
 * the pages stayed resident for minutes (issue 25: ~250 MiB long after the burst). On Bun that trailing
 * collection also shrinks the engine's heap (`Bun.shrink`) so the freed pages go back to the system.
 *
 * Bun exposes `Bun.gc`; Node and Deno only with --expose-gc (`globalThis.gc`); elsewhere this does nothing.
 */
import { everyUnref } from "../core/every.ts";

export const DEFAULTS = {
  intervalMs: 2_000,
};

type Gc = () => void;

/** The runtime's full collection, undefined where it has none. */
export function findGc(): Gc | undefined {
  const g = globalThis as { Bun?: { gc(sync: boolean): void }; gc?: () => void };
  if (g.Bun?.gc) return () => g.Bun!.gc(true);
  if (typeof g.gc === "function") return () => g.gc!();
  return undefined;
}

/** A full collection that also hands the engine's free heap back to the system where the runtime can. */
function findSettle(gc: Gc): Gc {
  const g = globalThis as { Bun?: { shrink?: () => void } };
  const shrink = g.Bun?.shrink;
  return shrink ? () => (gc(), shrink()) : gc;
}

export interface MemoryTrimOptions {
  /** A counter that moves whenever the agent works (e.g. API requests sent). */
  activity: () => number;
  intervalMs?: number;
  /** Injectable for tests; defaults to the runtime's full collection. */
  gc?: Gc;
  /** The trailing collection after a burst; defaults to `gc` plus the runtime's heap shrink. */
  settle?: Gc;
  /** Runs `tick` every `ms` and returns how to stop it; injectable for tests, defaults to an unref'd setInterval. */
  every?: (tick: () => void, ms: number) => () => void;
}


/** Starts the trimmer; returns a function that stops it. Does nothing when the runtime has no GC hook. */
export function startMemoryTrim(opts: MemoryTrimOptions): () => void {
  const gc = opts.gc ?? findGc();
  const interval = opts.intervalMs ?? DEFAULTS.intervalMs;
  if (!gc || interval <= 0) return () => {};
  const settle = opts.settle ?? (opts.gc ? gc : findSettle(gc));
  let seen = opts.activity();
  let busy = false;
  return (opts.every ?? everyUnref)(() => {
    const now = opts.activity();
    if (now !== seen) {
      seen = now;
      busy = true;
      gc();
    } else if (busy) {
      busy = false;
      settle();
    }
  }, interval);
}
