import { describe, expect, test } from "bun:test";
import { startMemoryTrim } from "./memory-trim.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("memory trim", () => {
  test("collects only after the activity counter moved", async () => {
    let activity = 0;
    let collections = 0;
    const stop = startMemoryTrim({ activity: () => activity, intervalMs: 20, gc: () => collections++ });
    try {
      await wait(90);
      expect(collections).toBe(0); // idle: no work, no collection
      activity += 5;
      await wait(60);
      expect(collections).toBe(1); // one collection per interval with work, not one per request
      await wait(60);
      expect(collections).toBe(1);
    } finally {
      stop();
    }
  });

  test("stops collecting once stopped, and an interval of 0 disables it", async () => {
    let activity = 0;
    let collections = 0;
    const stop = startMemoryTrim({ activity: () => activity++, intervalMs: 10, gc: () => collections++ });
    await wait(50);
    stop();
    const before = collections;
    expect(before).toBeGreaterThan(0);
    await wait(50);
    expect(collections).toBe(before);

    const off = startMemoryTrim({ activity: () => activity++, intervalMs: 0, gc: () => collections++ });
    await wait(30);
    off();
    expect(collections).toBe(before);
  });
});
