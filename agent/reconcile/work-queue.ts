/**
 * The reconcile work queue, with client-go's guarantees: a key is queued at most once; a key being
 * processed is never processed concurrently, and one added meanwhile runs again right after; delayed
 * adds keep the earliest time; failures back off exponentially per key (750 ms doubling to 15 min, as
 * Flux's rate limiter) until forget() resets them. At most `concurrency` keys run at once; with a `gate`
 * (a tenant's share of a process hosting several, fair-share.ts) each worker call also waits for it, and a
 * key waiting there counts as running (so it is still never run twice at once).
 */
import type { Gate } from "./fair-share.ts";

export const DEFAULTS = {
  concurrency: 4,
  baseBackoffMs: 750,
  maxBackoffMs: 15 * 60_000,
};

export interface WorkQueueOptions {
  concurrency?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Timer functions, injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
  /** Runs each worker call; absent, the worker is called directly. */
  gate?: Gate;
}

export class WorkQueue {
  readonly #worker: (key: string) => Promise<void>;
  readonly #concurrency: number;
  readonly #base: number;
  readonly #max: number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #now: () => number;
  readonly #gate: Gate | undefined;
  #ready: string[] = [];
  #queued = new Set<string>();
  #running = new Set<string>();
  #dirty = new Set<string>();
  #timers = new Map<string, { at: number; handle: unknown }>();
  #failures = new Map<string, number>();
  #idle: Array<() => void> = [];
  #stopped = false;

  constructor(worker: (key: string) => Promise<void>, opts: WorkQueueOptions = {}) {
    this.#worker = worker;
    this.#concurrency = opts.concurrency ?? DEFAULTS.concurrency;
    this.#base = opts.baseBackoffMs ?? DEFAULTS.baseBackoffMs;
    this.#max = opts.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
    this.#setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.#now = opts.now ?? Date.now;
    this.#gate = opts.gate;
  }

  /** Queue the key now (a pending delayed add for it is dropped: this is earlier). */
  add(key: string): void {
    if (this.#stopped) return;
    this.#cancelTimer(key);
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#ready.push(key);
    this.#pump();
  }

  /** Queue the key after ms, unless it is already due earlier. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) return this.add(key);
    const at = this.#now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#clearTimer(existing.handle);
    const handle = this.#setTimer(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, handle });
  }

  /** Queue the key after its next backoff step; returns the delay used. */
  addRateLimited(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    const delay = Math.min(this.#max, this.#base * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset the key's backoff (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Drop the key entirely (its object was deleted): no timers, no backoff. */
  remove(key: string): void {
    this.#cancelTimer(key);
    this.#failures.delete(key);
    this.#dirty.delete(key);
    if (this.#queued.delete(key)) this.#ready = this.#ready.filter((k) => k !== key);
  }

  /** Keys waiting to run now (for the queue-depth metric). */
  get depth(): number {
    return this.#ready.length;
  }

  get running(): number {
    return this.#running.size;
  }

  /**
   * Where the key stands: running, queued to run now, and in how many ms a delayed add is due (absent
   * when none is). Tests read it as a positive signal instead of waiting for nothing to happen.
   */
  state(key: string): { running: boolean; queued: boolean; dueInMs?: number } {
    const timer = this.#timers.get(key);
    return {
      running: this.#running.has(key),
      queued: this.#queued.has(key) || this.#dirty.has(key),
      ...(timer ? { dueInMs: Math.max(0, timer.at - this.#now()) } : {}),
    };
  }

  /** Resolves when nothing is queued or running (timers may still be pending). */
  idle(): Promise<void> {
    if (this.#ready.length === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((res) => this.#idle.push(res));
  }

  /** Stop taking work, cancel timers, and wait for running keys to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { handle } of this.#timers.values()) this.#clearTimer(handle);
    this.#timers.clear();
    this.#ready = [];
    this.#queued.clear();
    await this.idle();
  }

  #cancelTimer(key: string): void {
    const t = this.#timers.get(key);
    if (t) {
      this.#clearTimer(t.handle);
      this.#timers.delete(key);
    }
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift()!;
      this.#queued.delete(key);
      this.#running.add(key);
      void this.#run(key);
    }
    if (this.#ready.length === 0 && this.#running.size === 0) {
      const waiters = this.#idle;
      this.#idle = [];
      waiters.forEach((w) => w());
    }
  }

  async #run(key: string): Promise<void> {
    try {
      if (this.#gate) await this.#gate.run(() => this.#worker(key));
      else await this.#worker(key);
    } catch {
      // The worker classifies and reschedules its own failures; a throw here must not kill the queue. A
      // closed gate rejects too: its tenant is being stopped.
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }
}
