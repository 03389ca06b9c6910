/**
 * When one reconcile's status goes to the API server. Writes go out one at a time and in order, so a
 * delayed progress write never lands after the final one. Progress is folded: a progress update within
 * `intervalMs` of the reconcile's start or of the previous write is not written at once but after the
 * interval, and only if the reconcile is still running then. A reconcile that ends (or persists) within the
 * interval publishes one status instead of two; a longer one shows Reconciling after the interval.
 */
export interface StatusWritesOptions {
  /** Sends the reconcile's current status (read at send time, so the newest is written). */
  send: () => Promise<void>;
  now: () => number;
  intervalMs: number;
  /** A delayed progress write failed: nobody awaits it, so it is reported here. */
  onDelayedError: (err: unknown) => void;
  /** Timer functions, injectable for tests (with `now`). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface StatusWrites {
  /** Writes now, after any write in flight. */
  write(): Promise<void>;
  /** A progress update: written now when `persist` or when the interval has passed, else delayed. */
  progress(persist: boolean): Promise<void>;
  /** The reconcile is ending: a delayed progress write that has not started is dropped. */
  finish(): void;
}

export function statusWrites(o: StatusWritesOptions): StatusWrites {
  let queue: Promise<void> = Promise.resolve();
  let last = o.now();
  const setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = o.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let delayed: unknown;
  let finished = false;
  const write = (): Promise<void> => (queue = queue.catch(() => {}).then(o.send));
  const cancel = () => {
    if (delayed !== undefined) clearTimer(delayed);
    delayed = undefined;
  };
  return {
    write,
    async progress(persist) {
      const t = o.now();
      if (!persist && t - last < o.intervalMs) {
        delayed ??= setTimer(() => {
          delayed = undefined;
          if (finished) return;
          last = o.now();
          write().catch(o.onDelayedError);
        }, o.intervalMs - (t - last));
        return;
      }
      cancel();
      last = t;
      await write();
    },
    finish() {
      finished = true;
      cancel();
    },
  };
}
