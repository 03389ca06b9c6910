import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { KubeApiError } from "./api-error.ts";
import type { KubeClient } from "./client.ts";
import type { KubeObject, WatchEvent } from "./types.ts";
import { backoffDelay, DEFAULTS, Gate, watchLoop } from "./watch-loop.ts";

const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "t" };
const cm = (name: string, rv: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "t", resourceVersion: rv } });
const gone = () => new KubeApiError(410, "Expired", "Watch of ConfigMap failed: too old resource version: 5 (90)");

/**
 * A client whose watch streams follow a script: each entry is one watch request's answer (events then an
 * error, or an end). Counts lists and watches and the most lists in flight at once.
 */
function scripted(streams: Array<{ events?: WatchEvent[]; error?: Error }>, listMs = 0) {
  const stats = { lists: 0, watches: 0, listsInFlight: 0, maxListsInFlight: 0, watchedFrom: [] as Array<string | undefined> };
  const client = {
    async list() {
      stats.lists++;
      stats.listsInFlight++;
      stats.maxListsInFlight = Math.max(stats.maxListsInFlight, stats.listsInFlight);
      await new Promise((r) => setTimeout(r, listMs));
      stats.listsInFlight--;
      return { items: [cm("a", String(100 + stats.lists))], resourceVersion: String(100 + stats.lists) };
    },
    watch(_ref: unknown, o: { resourceVersion?: string; signal?: AbortSignal }) {
      const n = stats.watches++;
      stats.watchedFrom.push(o.resourceVersion);
      const s = streams[n];
      return {
        async *[Symbol.asyncIterator]() {
          if (!s) {
            // Past the script: hang until aborted, as a quiet watch does.
            await new Promise((r) => o.signal?.addEventListener("abort", r, { once: true }));
            return;
          }
          for (const ev of s.events ?? []) yield ev;
          if (s.error) throw s.error;
        },
      };
    },
  } as unknown as KubeClient;
  return { client, stats };
}

describe("backoffDelay", () => {
  test("stays within half..all of the doubled base, never above max", () => {
    fc.assert(
      fc.property(fc.nat(60), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 60_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, base, max, r) => {
        const d = backoffDelay(attempt, base, max, r);
        const capped = Math.min(max, base * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(Math.floor(capped / 2));
        expect(d).toBeLessThanOrEqual(Math.ceil(capped));
        expect(d).toBeLessThanOrEqual(max);
      }),
    );
  });

  test.each([
    [0, 0, 100],
    [0, 0.5, 150],
    [1, 0, 200],
    [3, 0.999, 1599],
    [20, 0, 15_000],
  ] as const)("attempt %p with random %p waits %p ms (base 200, max 30 s)", (attempt, r, want) => {
    expect(backoffDelay(attempt, 200, 30_000, r)).toBe(Math.round(want));
  });
});

describe("watchLoop on 410 Gone", () => {
  test("relists after a jittered wait that doubles while Gone repeats, then watches from the new list", async () => {
    const { client, stats } = scripted([{ error: gone() }, { error: gone() }, { error: gone() }]);
    const ac = new AbortController();
    const waits: number[] = [];
    const gones: number[] = [];
    let syncs = 0;
    const loop = watchLoop(client, ref, {
      signal: ac.signal,
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
      onSync: () => void syncs++,
      onEvent: () => {},
      onGone: (attempt) => void gones.push(attempt),
    });
    while (stats.watches < 4) await new Promise((r) => setTimeout(r, 1));
    ac.abort();
    await loop;
    // One list at start, one after each Gone.
    expect(stats.lists).toBe(4);
    expect(syncs).toBe(4);
    expect(waits).toEqual([750, 1500, 3000]);
    expect(gones).toEqual([1, 2, 3]);
    // Each watch starts from the list just made, never from the expired version.
    expect(stats.watchedFrom).toEqual(["101", "102", "103", "104"]);
  });

  test("an event after a relist resets the Gone backoff", async () => {
    const { client, stats } = scripted([{ error: gone() }, { events: [{ type: "ADDED", object: cm("b", "200") }], error: gone() }]);
    const ac = new AbortController();
    const waits: number[] = [];
    const loop = watchLoop(client, ref, { signal: ac.signal, random: () => 0, sleep: async (ms) => void waits.push(ms), onSync: () => {}, onEvent: () => {} });
    while (stats.watches < 3) await new Promise((r) => setTimeout(r, 1));
    ac.abort();
    await loop;
    expect(waits).toEqual([500, 500]);
  });

  test("errors other than Gone re-watch from the last version, after jittered backoff", async () => {
    const { client, stats } = scripted([{ events: [{ type: "MODIFIED", object: cm("a", "150") }], error: new Error("connection reset") }, { error: new Error("connection refused") }]);
    const ac = new AbortController();
    const waits: number[] = [];
    const attempts: number[] = [];
    const loop = watchLoop(client, ref, {
      signal: ac.signal,
      random: () => 0.25,
      sleep: async (ms) => void waits.push(ms),
      onSync: () => {},
      onEvent: () => {},
      onError: (_e, attempt) => void attempts.push(attempt),
    });
    while (stats.watches < 3) await new Promise((r) => setTimeout(r, 1));
    ac.abort();
    await loop;
    expect(stats.lists).toBe(1);
    expect(stats.watchedFrom).toEqual(["101", "150", "150"]);
    expect(attempts).toEqual([1, 2]);
    expect(waits).toEqual([backoffDelay(0, DEFAULTS.initialBackoffMs, DEFAULTS.maxBackoffMs, 0.25), backoffDelay(1, DEFAULTS.initialBackoffMs, DEFAULTS.maxBackoffMs, 0.25)]);
  });
});

describe("lists of one client", () => {
  test(`run at most ${DEFAULTS.concurrentLists} at once when every loop relists together`, async () => {
    const { client, stats } = scripted([], 5);
    const ac = new AbortController();
    let synced = 0;
    const loops = Array.from({ length: 12 }, () => watchLoop(client, ref, { signal: ac.signal, onSync: () => void synced++, onEvent: () => {} }));
    while (synced < 12) await new Promise((r) => setTimeout(r, 1));
    ac.abort();
    await Promise.all(loops);
    expect(stats.lists).toBe(12);
    expect(stats.maxListsInFlight).toBe(DEFAULTS.concurrentLists);
  });

  test("of another client do not wait for them", async () => {
    const a = scripted([], 50);
    const b = scripted([], 0);
    const ac = new AbortController();
    let bSynced = 0;
    const loops = [
      ...Array.from({ length: 4 }, () => watchLoop(a.client, ref, { signal: ac.signal, onSync: () => {}, onEvent: () => {} })),
      watchLoop(b.client, ref, { signal: ac.signal, onSync: () => void bSynced++, onEvent: () => {} }),
    ];
    await new Promise((r) => setTimeout(r, 20));
    expect(bSynced).toBe(1);
    expect(a.stats.lists).toBe(DEFAULTS.concurrentLists);
    ac.abort();
    await Promise.all(loops);
  });
});

test("Gate hands its places on in arrival order and never holds more than its limit", async () => {
  const g = new Gate(2);
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      g.run(async () => {
        inside++;
        most = Math.max(most, inside);
        order.push(i);
        await new Promise((r) => setTimeout(r, 2));
        inside--;
      }),
    ),
  );
  expect(most).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
});
