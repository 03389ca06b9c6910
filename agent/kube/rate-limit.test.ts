import { describe, expect, test } from "bun:test";
import { rateLimitedTransport, TokenBucket } from "./rate-limit.ts";
import type { KubeRequest, KubeResponse } from "./transport.ts";
import { createHttpClient } from "./http-client.ts";

/** A hand-driven clock: sleeps resolve when advance() passes their due time. */
function fakeClock() {
  let now = 0;
  const sleepers: Array<{ at: number; res: () => void; rej: (e: unknown) => void }> = [];
  return {
    now: () => now,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((res, rej) => {
        const s = { at: now + ms, res, rej };
        sleepers.push(s);
        signal?.addEventListener("abort", () => (sleepers.splice(sleepers.indexOf(s), 1), rej(signal.reason)), { once: true });
      });
    },
    async advance(ms: number) {
      now += ms;
      for (const s of sleepers.filter((x) => x.at <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.res();
      }
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

describe("TokenBucket", () => {
  test.each([
    [{ qps: 0, burst: 1 }, "Cannot create the API rate limiter: qps must be a number above 0, not 0"],
    [{ qps: -1, burst: 1 }, "Cannot create the API rate limiter: qps must be a number above 0, not -1"],
    [{ qps: Number.NaN, burst: 1 }, "Cannot create the API rate limiter: qps must be a number above 0, not NaN"],
    [{ qps: 5, burst: 0 }, "Cannot create the API rate limiter: burst must be a whole number of at least 1, not 0"],
    [{ qps: 5, burst: 2.5 }, "Cannot create the API rate limiter: burst must be a whole number of at least 1, not 2.5"],
  ])("refuses %p", (o, message) => {
    expect(() => new TokenBucket(o)).toThrow(message);
  });

  test("a full bucket lets `burst` requests through at once, then one per 1/qps seconds, in order", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ qps: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    const done: Array<[number, number]> = [];
    for (let i = 0; i < 6; i++) void bucket.wait().then(() => done.push([i, clock.now()]));
    await clock.advance(0);
    expect(done).toEqual([[0, 0], [1, 0], [2, 0]]);
    expect(bucket.tokens).toBe(-3);
    await clock.advance(100);
    expect(done.slice(3)).toEqual([[3, 100]]);
    await clock.advance(100);
    await clock.advance(100);
    expect(done.slice(3)).toEqual([[3, 100], [4, 200], [5, 300]]);
  });

  test("tokens come back at qps up to burst, never more", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ qps: 50, burst: 300, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 300; i++) expect(await bucket.wait()).toBe(0);
    expect(bucket.tokens).toBe(0);
    await clock.advance(1_000);
    expect(bucket.tokens).toBe(50);
    await clock.advance(60_000);
    expect(bucket.tokens).toBe(300);
  });

  test("the wait is the debt over qps, so the rate over a long run is qps", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ qps: 4, burst: 1, now: clock.now, sleep: clock.sleep });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) void bucket.wait().then((w) => waits.push(w));
    await clock.advance(1_000);
    expect(waits).toEqual([0, 250, 500, 750, 1_000]);
  });

  test("an abort while waiting rejects with its reason and gives the token back", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, now: clock.now, sleep: clock.sleep });
    await bucket.wait();
    const ac = new AbortController();
    const waiting = bucket.wait(ac.signal);
    expect(bucket.tokens).toBe(-1);
    ac.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    expect(bucket.tokens).toBe(0);
    await expect(bucket.wait(ac.signal)).rejects.toThrow("stopped");
  });
});

describe("rateLimitedTransport", () => {
  test("requests wait for the bucket, watches do not (client-go leaves watches out)", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, now: clock.now, sleep: clock.sleep });
    const sent: string[] = [];
    const throttled: number[] = [];
    const answer = (text: string): KubeResponse => ({ status: 200, text: async () => text, lines: async function* () {} });
    const discovery = JSON.stringify({ resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: [] }] });
    const transport = rateLimitedTransport(
      async (req: KubeRequest) => {
        sent.push(`${req.method} ${req.path}${req.query?.watch ? " (watch)" : ""}`);
        return answer(req.path === "/api/v1" ? discovery : "{}");
      },
      bucket,
      (ms) => throttled.push(ms),
    );
    const client = createHttpClient({ transport });
    // Discovery takes the only token; the get then waits a second for the next; the watch goes through.
    const got = client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "x" });
    await clock.advance(0);
    expect(sent).toEqual(["GET /api/v1"]);
    const watching = client.watch({ apiVersion: "v1", kind: "ConfigMap", namespace: "a" })[Symbol.asyncIterator]().next();
    await clock.advance(0);
    expect(sent).toEqual(["GET /api/v1", "GET /api/v1/namespaces/a/configmaps (watch)"]);
    await clock.advance(999);
    expect(sent).toHaveLength(2);
    await clock.advance(1);
    await Promise.all([got, watching]);
    expect(sent).toEqual(["GET /api/v1", "GET /api/v1/namespaces/a/configmaps (watch)", "GET /api/v1/namespaces/a/configmaps/x"]);
    expect(throttled).toEqual([1_000]);
  });
});
