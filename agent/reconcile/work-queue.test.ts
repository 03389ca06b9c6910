import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { WorkQueue } from "./work-queue.ts";
import { manualTimers } from "./testdata/manual-timers.ts";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("WorkQueue", () => {
  test("state tells running, queued (also re-queued while running) and when a delayed add is due", async () => {
    const t = manualTimers();
    let release!: () => void;
    const q = new WorkQueue(async (k) => {
      if (k === "a") await new Promise<void>((r) => (release = r));
    }, { concurrency: 1, ...t.opts });
    expect(q.state("a")).toEqual({ running: false, queued: false });
    q.add("a");
    q.add("b");
    expect([q.state("a"), q.state("b")]).toEqual([{ running: true, queued: false }, { running: false, queued: true }]);
    q.add("a");
    expect(q.state("a")).toEqual({ running: true, queued: true });
    q.addAfter("c", 5_000);
    t.advance(1_000);
    expect(q.state("c")).toEqual({ running: false, queued: false, dueInMs: 4_000 });
    release();
    await tick();
    release();
    await q.idle();
    expect([q.state("a"), q.state("b")]).toEqual([{ running: false, queued: false }, { running: false, queued: false }]);
  });

  test("a key added many times while queued runs once", async () => {
    const runs: string[] = [];
    let release!: () => void;
    const q = new WorkQueue(async (k) => {
      runs.push(k);
      if (k === "blocker") await new Promise<void>((r) => (release = r));
    }, { concurrency: 1 });
    q.add("blocker");
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.depth).toBe(2);
    release();
    await q.idle();
    expect(runs).toEqual(["blocker", "a", "b"]);
  });

  test("a key added while it runs runs again afterwards, never concurrently", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let gate!: () => void;
    const q = new WorkQueue(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await new Promise<void>((r) => (gate = r));
      active--;
    }, { concurrency: 4 });
    q.add("a");
    await tick();
    q.add("a");
    q.add("a");
    gate();
    await q.idle();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  test("no more than `concurrency` keys run at once", async () => {
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    }, { concurrency: 3 });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await q.idle();
    expect(maxActive).toBe(3);
  });

  test("a delayed add keeps the earliest due time and add() cancels the delay", async () => {
    const t = manualTimers();
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => void runs.push(k), t.opts);
    q.addAfter("a", 1000);
    q.addAfter("a", 5000);
    expect(t.pending()).toEqual([1000]);
    q.addAfter("a", 200);
    expect(t.pending()).toEqual([200]);
    t.advance(200);
    await q.idle();
    expect(runs).toEqual(["a"]);
    q.addAfter("b", 1000);
    q.add("b");
    expect(t.pending()).toEqual([]);
    await q.idle();
    expect(runs).toEqual(["a", "b"]);
  });

  test("failures back off exponentially per key up to the cap, and forget resets", () => {
    const t = manualTimers();
    const q = new WorkQueue(async () => {}, { ...t.opts, baseBackoffMs: 100, maxBackoffMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6].map(() => {
      const d = q.addRateLimited("a");
      t.advance(d);
      return d;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    q.forget("a");
    expect(q.addRateLimited("a")).toBe(100);
    expect(q.addRateLimited("other")).toBe(100);
  });

  test("remove drops queued work and timers; stop waits for running work", async () => {
    const t = manualTimers();
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => void runs.push(k), t.opts);
    q.addAfter("x", 100);
    q.remove("x");
    t.advance(200);
    await q.idle();
    expect(runs).toEqual([]);
    q.add("y");
    await q.stop();
    q.add("z");
    await q.idle();
    expect(runs).toEqual(["y"]);
  });

  test("a throwing worker does not stop the queue", async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => {
      runs.push(k);
      if (k === "bad") throw new Error("boom");
    }, { concurrency: 1 });
    q.add("bad");
    q.add("good");
    await q.idle();
    expect(runs).toEqual(["bad", "good"]);
  });
});

test("thousands of keys run in the order they were queued, less the removed ones, as a plain FIFO would", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.nat(2999)), { minLength: 2000, maxLength: 4000 }), async (ops) => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const ran: string[] = [];
      const q = new WorkQueue(async (k) => {
        if (k === "hold") return held;
        ran.push(k);
      }, { concurrency: 1 });
      q.add("hold");
      const model: string[] = [];
      for (const [add, n] of ops) {
        const k = `k${n}`;
        if (add) {
          q.add(k);
          if (!model.includes(k)) model.push(k);
        } else {
          q.remove(k);
          const i = model.indexOf(k);
          if (i >= 0) model.splice(i, 1);
        }
      }
      expect(q.depth).toBe(model.length);
      release();
      await q.idle();
      expect(ran).toEqual(model);
      expect(q.depth).toBe(0);
    }),
    { numRuns: 20 },
  );
});
