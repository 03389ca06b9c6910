import { describe, expect, test } from "bun:test";
import { startMemoryTrim } from "./memory-trim.ts";

/** A hand-driven interval: tick() runs one period; stopped tells whether the trimmer let go of it. */
function manualInterval() {
  const state = { tick: undefined as (() => void) | undefined, ms: 0, stopped: false };
  return {
    state,
    every: (tick: () => void, ms: number) => {
      state.tick = tick;
      state.ms = ms;
      return () => (state.stopped = true);
    },
    tick: (n = 1) => {
      for (let i = 0; i < n; i++) state.tick!();
    },
  };
}

describe("memory trim", () => {
  test("collects only after the activity counter moved, once per period with work", () => {
    let activity = 0;
    let collections = 0;
    const clock = manualInterval();
    const stop = startMemoryTrim({ activity: () => activity, intervalMs: 20, gc: () => collections++, every: clock.every });
    expect(clock.state.ms).toBe(20);
    clock.tick(4);
    expect(collections).toBe(0); // idle: no work, no collection
    activity += 5;
    clock.tick();
    expect(collections).toBe(1); // one collection per period with work, not one per request
    clock.tick(3);
    expect(collections).toBe(2); // the trailing one after the burst, then none while idle
    activity += 1;
    clock.tick();
    expect(collections).toBe(3);
    stop();
    expect(clock.state.stopped).toBe(true);
  });

  test("the first quiet period after work settles once (collect and shrink), not every quiet period", () => {
    let activity = 0;
    const calls: string[] = [];
    const clock = manualInterval();
    startMemoryTrim({ activity: () => activity, intervalMs: 20, gc: () => calls.push("gc"), settle: () => calls.push("settle"), every: clock.every });
    activity++;
    clock.tick();
    activity++;
    clock.tick();
    clock.tick(5);
    expect(calls).toEqual(["gc", "gc", "settle"]);
  });

  test("an interval of 0 disables it: no timer at all", () => {
    const clock = manualInterval();
    const off = startMemoryTrim({ activity: () => 1, intervalMs: 0, gc: () => {}, every: clock.every });
    off();
    expect(clock.state.tick).toBeUndefined();
  });

  test("by default a real, unref'd interval runs and stops", async () => {
    let activity = 0;
    let collections = 0;
    const stop = startMemoryTrim({ activity: () => ++activity, intervalMs: 5, gc: () => collections++ });
    const deadline = Date.now() + 5_000;
    while (collections < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop();
    expect(collections).toBeGreaterThanOrEqual(2);
  });
});
