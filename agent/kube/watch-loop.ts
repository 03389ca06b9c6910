/**
 * Keeps a view of one kind current: list, then watch from the list's resourceVersion with bookmarks;
 * re-watch from the last seen version when the server ends a stream; relist on 410 Gone; reconnect with
 * exponential backoff on errors. It never stops silently: it runs until the signal aborts, reporting
 * every failure through onError.
 */
import type { KubeClient } from "./client.ts";
import { isGone } from "./api-error.ts";
import type { KindRef, KubeObject, WatchEvent } from "./types.ts";

export const DEFAULTS = {
  initialBackoffMs: 200,
  maxBackoffMs: 30_000,
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
  backoff?: { initialMs: number; maxMs: number };
  watchTimeoutSeconds?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
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

export async function watchLoop(client: KubeClient, ref: KindRef, o: WatchLoopOptions): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  const initial = o.backoff?.initialMs ?? DEFAULTS.initialBackoffMs;
  const max = o.backoff?.maxMs ?? DEFAULTS.maxBackoffMs;
  let rv: string | undefined;
  let attempt = 0;
  while (!o.signal.aborted) {
    try {
      if (rv === undefined) {
        const list = await client.list(ref, { labelSelector: o.labelSelector });
        await o.onSync(list.items);
        rv = list.resourceVersion;
      }
      for await (const ev of client.watch(ref, {
        resourceVersion: rv,
        labelSelector: o.labelSelector,
        timeoutSeconds: o.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
        signal: o.signal,
      })) {
        rv = ev.object.metadata.resourceVersion ?? rv;
        attempt = 0;
        if (ev.type !== "BOOKMARK") await o.onEvent(ev);
      }
      // The server ended the stream (timeoutSeconds): re-watch from where we are, no backoff.
    } catch (err) {
      if (o.signal.aborted) break;
      if (isGone(err)) {
        // Our resourceVersion fell out of the server's window: start over with a fresh list.
        rv = undefined;
        continue;
      }
      const wait = Math.min(max, initial * 2 ** attempt);
      attempt++;
      o.onError?.(err, attempt, wait);
      await sleep(wait, o.signal);
    }
  }
}
