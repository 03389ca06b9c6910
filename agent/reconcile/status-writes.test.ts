import { describe, expect, test } from "bun:test";
import { statusWrites } from "./status-writes.ts";
import { manualTimers } from "./testdata/manual-timers.ts";

/** Lets promise callbacks queued so far run (a send that awaits nothing settles within a few turns). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function harness(intervalMs: number) {
  const clock = manualTimers();
  const sent: string[] = [];
  let current = "start";
  /** A send held open until release() is called: to see what waits for a write in flight. */
  let hold: Promise<void> | undefined;
  let release = () => {};
  const errors: unknown[] = [];
  const w = statusWrites({
    send: async () => {
      const snapshot = current;
      if (hold) await hold;
      sent.push(snapshot);
    },
    ...clock.opts,
    intervalMs,
    onDelayedError: (e) => errors.push(e),
  });
  return {
    w,
    sent,
    errors,
    clock,
    set: (s: string) => (current = s),
    holdSends: () => (hold = new Promise<void>((r) => (release = () => ((hold = undefined), r())))),
    release: () => release(),
  };
}

describe("status writes", () => {
  test("progress right after the start is delayed, then written once if the reconcile still runs", async () => {
    const h = harness(50);
    h.set("building");
    await h.w.progress(false);
    h.clock.advance(20);
    h.set("applying");
    await h.w.progress(false);
    expect(h.clock.pending()).toEqual([30]); // one timer, due at the interval after the start
    h.clock.advance(29);
    await settle();
    expect(h.sent).toEqual([]);
    h.clock.advance(1);
    await settle();
    expect(h.sent).toEqual(["applying"]); // one write, with the newest status
  });

  test("a reconcile that finishes within the interval writes only its final status", async () => {
    const h = harness(50);
    await h.w.progress(false);
    h.set("done");
    h.w.finish();
    expect(h.clock.pending()).toEqual([]); // the delayed write is cancelled
    await h.w.write();
    h.clock.advance(1_000);
    await settle();
    expect(h.sent).toEqual(["done"]);
  });

  test("progress after the interval has passed is written at once", async () => {
    const h = harness(50);
    h.clock.advance(50);
    h.set("late");
    await h.w.progress(false);
    expect(h.sent).toEqual(["late"]);
    expect(h.clock.pending()).toEqual([]);
  });

  test("persist writes at once", async () => {
    const h = harness(1_000);
    h.set("inventory");
    await h.w.progress(true);
    expect(h.sent).toEqual(["inventory"]);
  });

  test("writes land in order: the final write waits for a delayed progress write already in flight", async () => {
    const h = harness(20);
    h.set("progress");
    await h.w.progress(false);
    h.holdSends();
    h.clock.advance(20); // the delayed write starts and is held in flight
    await settle();
    h.set("final");
    h.w.finish();
    const final = h.w.write();
    await settle();
    expect(h.sent).toEqual([]);
    h.release();
    await final;
    expect(h.sent).toEqual(["progress", "final"]);
  });

  test("a failed delayed write is reported, and later writes still go out", async () => {
    const clock = manualTimers();
    let fail = true;
    const errors: unknown[] = [];
    const sent: number[] = [];
    const w = statusWrites({
      send: async () => {
        if (fail) throw new Error("conflict");
        sent.push(1);
      },
      ...clock.opts,
      intervalMs: 10,
      onDelayedError: (e) => errors.push(e),
    });
    await w.progress(false);
    clock.advance(10);
    await settle();
    expect(errors.map(String)).toEqual(["Error: conflict"]);
    fail = false;
    await w.write();
    expect(sent).toEqual([1]);
  });
});
