/**
 * Runs an async function over items with at most `limit` in flight, keeping results in input order.
 * With `stopOnError`, no new item starts after a failure (those in flight finish); failures are
 * returned as data, never thrown, so callers can report every one.
 */

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown } | undefined;

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  opts: { stopOnError?: boolean; signal?: AbortSignal } = {},
): Promise<Settled<R>[]> {
  const out: Settled<R>[] = new Array(items.length).fill(undefined);
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < items.length && !opts.signal?.aborted) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(items[i] as T, i) };
      } catch (error) {
        out[i] = { ok: false, error };
        if (opts.stopOnError) stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
