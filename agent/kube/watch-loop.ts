/**
 * Keeps a view of one kind current: list, then watch from the list's resourceVersion with bookmarks;
 * re-watch from the last seen version when the server ends a stream; relist on 410 Gone; reconnect with
 * exponential backoff on errors. It never stops silently: it runs until the signal aborts, reporting
 * every failure through onError.
 *
 * Many loops share one API server, and one event (an API server restart, an etcd compaction) breaks all
 * of their watches at once. So, as client-go's reflector does, every wait is jittered (the loops do not
 * come back in lockstep), a relist after 410 Gone waits a jittered moment and backs off when the server
 * keeps answering Gone, and the lists of one client run at most `concurrentLists` at a time: after a
 * forced expiry the kinds relist one or two at a time instead of all together.
 */
import type { KubeClient } from "./client.ts";
import { isGone } from "./api-error.ts";
import type { KindRef, KubeObject, WatchEvent } from "./types.ts";

export const DEFAULTS = {
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
  /** First wait before relisting after 410 Gone (jittered to half..all of it), doubling while Gone repeats. */
  relistBackoffMs: 1_000,
  /** Lists of one client at once, over all of its loops. */
  concurrentLists: 2,
  /** Server-side lifetime of one watch stream; the loop re-watches when it ends. */
  watchTimeoutSeconds: 300,
};

export interface WatchLoopOptions {
  labelSelector?: string;
  signal: AbortSignal;
  /** The full set after every (re)list: callers replace their view with it. */
  onSync(items: KubeObject[]): void | Promise<void>;
  onEvent(ev: WatchEvent): void | Promise<void>;
  onError?(err: unknown, attempt: number, retryInMs: number): void;
  /** Called before a relist forced by 410 Gone, with the wait before it. */
  onGone?(attempt: number, relistInMs: number): void;
  backoff?: { initialMs: number; maxMs: number; relistMs?: number };
  watchTimeoutSeconds?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** In [0, 1): the jitter source (tests pass a fixed one). */
  random?: () => number;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      res();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * The wait before retry number `attempt` (0-based): base doubling per attempt, capped at max, then
 * "equal jitter": half of it fixed, half random, so waits never exceed max and never line up.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + (capped / 2) * random);
}

/** A counting semaphore: at most `limit` holders; the others wait in arrival order. */
export class Gate {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#held >= this.#limit) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#held++;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held--;
    }
  }
}

/** One list gate per client (per tenant's credentials), shared by every loop watching through it. */
const listGates = new WeakMap<KubeClient, Gate>();

function listGateOf(client: KubeClient): Gate {
  let g = listGates.get(client);
  if (!g) listGates.set(client, (g = new Gate(DEFAULTS.concurrentLists)));
  return g;
}

export async function watchLoop(client: KubeClient, ref: KindRef, o: WatchLoopOptions): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  const random = o.random ?? Math.random;
  const initial = o.backoff?.initialMs ?? DEFAULTS.initialBackoffMs;
  const max = o.backoff?.maxMs ?? DEFAULTS.maxBackoffMs;
  const relist = o.backoff?.relistMs ?? DEFAULTS.relistBackoffMs;
  const gate = listGateOf(client);
  let rv: string | undefined;
  let attempt = 0;
  let goneAttempt = 0;
  while (!o.signal.aborted) {
    try {
      if (rv === undefined) {
        const list = await gate.run(() => client.list(ref, { labelSelector: o.labelSelector }));
        if (o.signal.aborted) break;
        await o.onSync(list.items);
        rv = list.resourceVersion;
        if (o.signal.aborted) break;
      }
      for await (const ev of client.watch(ref, {
        resourceVersion: rv,
        labelSelector: o.labelSelector,
        timeoutSeconds: o.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
        signal: o.signal,
      })) {
        rv = ev.object.metadata.resourceVersion ?? rv;
        attempt = 0;
        goneAttempt = 0;
        if (ev.type !== "BOOKMARK") await o.onEvent(ev);
      }
      // The server ended the stream (timeoutSeconds): re-watch from where we are, no backoff.
    } catch (err) {
      if (o.signal.aborted) break;
      if (isGone(err)) {
        // Our resourceVersion fell out of the server's window: start over with a fresh list, after a
        // jittered wait that grows while the server keeps answering Gone.
        rv = undefined;
        const wait = backoffDelay(goneAttempt, relist, max, random());
        goneAttempt++;
        o.onGone?.(goneAttempt, wait);
        await sleep(wait, o.signal);
        continue;
      }
      const wait = backoffDelay(attempt, initial, max, random());
      attempt++;
      o.onError?.(err, attempt, wait);
      await sleep(wait, o.signal);
    }
  }
}
