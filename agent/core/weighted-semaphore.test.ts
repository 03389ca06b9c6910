import { describe, expect, test } from "bun:test";
import { WeightedSemaphore } from "./weighted-semaphore.ts";

/** A task that runs until released, recording when it started. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { done, open };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("WeightedSemaphore", () => {
  test("work that fits beside running work starts at once", async () => {
    const s = new WeightedSemaphore(100);
    const started: string[] = [];
    const a = gate();
    const b = gate();
    const ra = s.run(40, async () => (started.push("a"), a.done));
    const rb = s.run(60, async () => (started.push("b"), b.done));
    await tick();
    expect(started).toEqual(["a", "b"]);
    expect(s.used).toBe(100);
    a.open();
    b.open();
    await Promise.all([ra, rb]);
    expect(s.used).toBe(0);
  });

  test("a large build waits until the running ones leave room", async () => {
    const s = new WeightedSemaphore(100);
    const started: string[] = [];
    const small = [gate(), gate(), gate()];
    const runs = small.map((g, i) => s.run(30, async () => (started.push(`small${i}`), g.done)));
    const big = gate();
    const rbig = s.run(80, async () => (started.push("big"), big.done));
    await tick();
    expect(started).toEqual(["small0", "small1", "small2"]);
    small[0]!.open();
    small[1]!.open();
    await tick();
    expect(started).not.toContain("big");
    small[2]!.open();
    await Promise.all(runs);
    await tick();
    expect(started).toContain("big");
    big.open();
    await rbig;
  });

  test("arrivals after a waiting build queue behind it, even when they would fit", async () => {
    const s = new WeightedSemaphore(100);
    const order: string[] = [];
    const first = gate();
    const r1 = s.run(50, async () => (order.push("first"), first.done));
    const r2 = s.run(80, async () => void order.push("big"));
    const r3 = s.run(10, async () => void order.push("small"));
    await tick();
    expect(order).toEqual(["first"]);
    first.open();
    await Promise.all([r1, r2, r3]);
    expect(order).toEqual(["first", "big", "small"]);
  });

  test("a weight above the capacity runs alone instead of never", async () => {
    const s = new WeightedSemaphore(100);
    expect(await s.run(1_000, async () => "ran")).toBe("ran");
    expect(s.used).toBe(0);
  });

  test("a failing task releases its weight", async () => {
    const s = new WeightedSemaphore(10);
    await expect(s.run(10, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await s.run(10, async () => "next")).toBe("next");
  });

  test("refuses a capacity that admits nothing", () => {
    expect(() => new WeightedSemaphore(0)).toThrow("Cannot create a weighted semaphore: capacity must be above 0, not 0");
  });
});
