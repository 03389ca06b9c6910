import { describe, expect, test } from "bun:test";
import { statusWrites } from "./status-writes.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(intervalMs: number, sendMs = 0) {
  const sent: string[] = [];
  let current = "start";
  const errors: unknown[] = [];
  const w = statusWrites({
    send: async () => {
      const snapshot = current;
      if (sendMs) await wait(sendMs);
      sent.push(snapshot);
    },
    now: () => Date.now(),
    intervalMs,
    onDelayedError: (e) => errors.push(e),
  });
  return { w, sent, errors, set: (s: string) => (current = s) };
}

describe("status writes", () => {
  test("progress right after the start is delayed, then written once if the reconcile still runs", async () => {
    const h = harness(50);
    h.set("building");
    await h.w.progress(false);
    h.set("applying");
    await h.w.progress(false);
    expect(h.sent).toEqual([]);
    await wait(90);
    expect(h.sent).toEqual(["applying"]); // one write, with the newest status
  });

  test("a reconcile that finishes within the interval writes only its final status", async () => {
    const h = harness(50);
    await h.w.progress(false);
    h.set("done");
    h.w.finish();
    await h.w.write();
    await wait(90);
    expect(h.sent).toEqual(["done"]);
  });

  test("persist writes at once", async () => {
    const h = harness(1_000);
    h.set("inventory");
    await h.w.progress(true);
    expect(h.sent).toEqual(["inventory"]);
  });

  test("writes land in order: the final write waits for a delayed progress write already in flight", async () => {
    const h = harness(20, 40);
    h.set("progress");
    await h.w.progress(false);
    await wait(30); // the delayed write has started and takes 40 ms
    h.set("final");
    h.w.finish();
    await h.w.write();
    expect(h.sent).toEqual(["progress", "final"]);
  });

  test("a failed delayed write is reported, and later writes still go out", async () => {
    let fail = true;
    const errors: unknown[] = [];
    const sent: number[] = [];
    const w = statusWrites({
      send: async () => {
        if (fail) throw new Error("conflict");
        sent.push(1);
      },
      now: () => Date.now(),
      intervalMs: 10,
      onDelayedError: (e) => errors.push(e),
    });
    await w.progress(false);
    await wait(40);
    expect(errors.map(String)).toEqual(["Error: conflict"]);
    fail = false;
    await w.write();
    expect(sent).toEqual([1]);
  });
});
