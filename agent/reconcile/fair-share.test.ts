import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { FairShare } from "./fair-share.ts";

/** Lets every settled promise's continuations run (grants resolve waiters through microtasks). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A work that runs until finish() or fail() is called, recording when it started. */
function hand(log: string[], label: string) {
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((finish = res), (fail = rej)));
  return { work: () => (log.push(label), done), finish: () => finish(), fail: (e: Error) => fail(e) };
}

describe("FairShare", () => {
  test.each([
    [{ slots: 0 }, undefined, "Cannot create the fair share: slots must be a whole number of at least 1, not 0"],
    [{ slots: 1.5 }, undefined, "Cannot create the fair share: slots must be a whole number of at least 1, not 1.5"],
    [{ slots: 2 }, 0, 'Cannot add the tenant "a" to the fair share: limit must be a whole number of at least 1, not 0'],
    [{ slots: 2 }, -1, 'Cannot add the tenant "a" to the fair share: limit must be a whole number of at least 1, not -1'],
  ])("refuses bad sizes: %p limit %p", (o, limit, message) => {
    expect(() => new FairShare(o).tenant("a", { limit })).toThrow(message);
  });

  test("refuses a second open gate for one tenant, and allows a new one after close", () => {
    const fs = new FairShare({ slots: 2 });
    const a = fs.tenant("a");
    expect(() => fs.tenant("a")).toThrow('Cannot add the tenant "a" to the fair share: it already has an open gate');
    a.close();
    expect(() => fs.tenant("a")).not.toThrow();
  });

  test("a tenant alone uses every slot, then waits, first come first served", async () => {
    const fs = new FairShare({ slots: 2 });
    const a = fs.tenant("a");
    const log: string[] = [];
    const works = ["a1", "a2", "a3", "a4"].map((l) => hand(log, l));
    const runs = works.map((w) => a.run(w.work));
    await settle();
    expect(log).toEqual(["a1", "a2"]);
    works[1]!.finish();
    await settle();
    expect(log).toEqual(["a1", "a2", "a3"]);
    works[0]!.finish();
    works[2]!.finish();
    await settle();
    works[3]!.finish();
    await Promise.all(runs);
    expect(log).toEqual(["a1", "a2", "a3", "a4"]);
    expect(fs.running).toBe(0);
  });

  test("a tenant never runs more than its limit, even with slots free", async () => {
    const fs = new FairShare({ slots: 4 });
    const a = fs.tenant("a", { limit: 1 });
    const log: string[] = [];
    const w1 = hand(log, "a1");
    const w2 = hand(log, "a2");
    const r = [a.run(w1.work), a.run(w2.work)];
    await settle();
    expect(log).toEqual(["a1"]);
    expect(fs.shares()).toEqual([{ name: "a", running: 1, waiting: 1, limit: 1 }]);
    w1.finish();
    await settle();
    expect(log).toEqual(["a1", "a2"]);
    w2.finish();
    await Promise.all(r);
  });

  test("freed slots go round robin to the tenants with waiting work, least recently served first", async () => {
    const fs = new FairShare({ slots: 1 });
    const gates = { a: fs.tenant("a"), b: fs.tenant("b"), c: fs.tenant("c") };
    const log: string[] = [];
    const works = new Map<string, ReturnType<typeof hand>>();
    const runs: Promise<void>[] = [];
    // a floods first, then b and c each ask for two.
    for (const label of ["a1", "a2", "a3", "a4", "b1", "b2", "c1", "c2"]) {
      const w = hand(log, label);
      works.set(label, w);
      runs.push(gates[label[0] as "a" | "b" | "c"].run(w.work));
    }
    for (let i = 0; i < 8; i++) {
      await settle();
      works.get(log.at(-1)!)!.finish();
    }
    await Promise.all(runs);
    expect(log).toEqual(["a1", "b1", "c1", "a2", "b2", "c2", "a3", "a4"]);
  });

  test("a work that throws frees its slot and its error reaches the caller", async () => {
    const fs = new FairShare({ slots: 1 });
    const a = fs.tenant("a");
    const log: string[] = [];
    const w1 = hand(log, "a1");
    const w2 = hand(log, "a2");
    const r1 = a.run(w1.work);
    const r2 = a.run(w2.work);
    const r3 = a.run(() => {
      throw new Error("synchronous failure");
    });
    w1.fail(new Error("worker failed"));
    await expect(r1).rejects.toThrow("worker failed");
    await settle();
    expect(log).toEqual(["a1", "a2"]);
    w2.finish();
    await r2;
    await expect(r3).rejects.toThrow("synchronous failure");
    expect(fs.running).toBe(0);
  });

  test("close rejects the tenant's waiting works with a clear error and gives its slots to the others", async () => {
    const fs = new FairShare({ slots: 2 });
    const a = fs.tenant("a");
    const b = fs.tenant("b");
    const log: string[] = [];
    const [a1, a2, a3, b1, b2] = ["a1", "a2", "a3", "b1", "b2"].map((l) => hand(log, l));
    const ra = [a1!, a2!, a3!].map((w) => a.run(w.work));
    const rb = [b1!, b2!].map((w) => b.run(w.work));
    await settle();
    expect(log).toEqual(["a1", "a2"]);
    a.close();
    await expect(ra[2]!).rejects.toThrow('Cannot run work for the tenant "a": its gate is closed');
    await settle();
    // a's two running works no longer count: b runs both of its works although a1 and a2 have not ended.
    expect(log).toEqual(["a1", "a2", "b1", "b2"]);
    await expect(a.run(async () => 1)).rejects.toThrow('Cannot run work for the tenant "a": its gate is closed');
    // The closed tenant's works ending later do not free slots a second time.
    a1!.finish();
    a2!.finish();
    await Promise.all(ra.slice(0, 2));
    expect(fs.running).toBe(2);
    b1!.finish();
    b2!.finish();
    await Promise.all(rb);
    expect(fs.running).toBe(0);
  });

  test("returns the work's value", async () => {
    const fs = new FairShare({ slots: 1 });
    expect(await fs.tenant("a").run(async () => 42)).toBe(42);
  });
});

/**
 * A random schedule of submissions, completions (successes and failures) and closes against hand-driven
 * works; after every step the observed starts are checked against the invariants.
 */
describe("FairShare invariants (property)", () => {
  type Step = { op: "submit"; tenant: number } | { op: "end"; pick: number; fails: boolean } | { op: "close"; tenant: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant("submit" as const), tenant: fc.nat(4) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant("end" as const), pick: fc.nat(), fails: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("close" as const), tenant: fc.nat(4) }) },
  );

  test("never more than slots or a limit running, FIFO per tenant, every waiter runs, a waiting tenant is served within n grants", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(step, { maxLength: 80 }),
        async (slots, limits, steps) => {
          const n = limits.length;
          const fs = new FairShare({ slots });
          const gates = limits.map((limit, i) => fs.tenant(`t${i}`, { limit }));
          const closed = limits.map(() => false);
          const submitted: number[][] = limits.map(() => []);
          const started: number[][] = limits.map(() => []);
          const rejected = limits.map(() => 0);
          const running = limits.map(() => new Map<number, ReturnType<typeof hand>>());
          /** Grants to other tenants since this tenant was last served, while it could have been. */
          const passed = limits.map(() => 0);
          let seq = 0;
          const pending = (i: number) => submitted[i]!.length - started[i]!.length - rejected[i]!;
          const eligible = (i: number) => !closed[i] && pending(i) > 0 && running[i]!.size < limits[i]!;
          const openRunning = () => running.reduce((s, m, i) => s + (closed[i] ? 0 : m.size), 0);

          const submit = (i: number) => {
            const id = seq++;
            submitted[i]!.push(id);
            const log: string[] = [];
            const w = hand(log, String(id));
            const work = () => {
              // A grant: every other tenant that could have taken this slot is passed over once.
              for (let j = 0; j < n; j++) if (j !== i && eligible(j)) passed[j]!++;
              passed[i] = 0;
              started[i]!.push(id);
              running[i]!.set(id, w);
              expect(openRunning()).toBeLessThanOrEqual(slots);
              expect(running[i]!.size).toBeLessThanOrEqual(limits[i]!);
              return w.work();
            };
            // A started work leaves `running` when it is ended (below), before its slot is released.
            gates[i]!.run(work).catch((e: Error) => {
              if (e.message === `Cannot run work for the tenant "t${i}": its gate is closed`) rejected[i]!++;
            });
          };

          const check = () => {
            for (let i = 0; i < n; i++) {
              expect(started[i]).toEqual(submitted[i]!.slice(0, started[i]!.length));
              expect(passed[i]!).toBeLessThanOrEqual(n - 1);
            }
            // Work-conserving: a free slot is never left idle while an open tenant could take it.
            if (openRunning() < slots) for (let i = 0; i < n; i++) expect(eligible(i)).toBe(false);
          };

          for (const s of steps) {
            if (s.op === "submit") {
              if (!closed[s.tenant % n]) submit(s.tenant % n);
            } else if (s.op === "close") {
              const i = s.tenant % n;
              if (!closed[i]) {
                gates[i]!.close();
                closed[i] = true;
              }
            } else {
              const all = running.flatMap((m, i) => [...m.keys()].map((id) => [i, id] as const));
              const picked = all[s.pick % Math.max(1, all.length)];
              if (picked) {
                const [i, id] = picked;
                const w = running[i]!.get(id)!;
                running[i]!.delete(id);
                if (s.fails) w.fail(new Error("work failed"));
                else w.finish();
              }
            }
            await settle();
            check();
          }
          // Drain: every open tenant's waiter eventually runs.
          for (let guard = 0; guard < 1000; guard++) {
            const i = running.findIndex((m, j) => !closed[j] && m.size > 0);
            if (i < 0) break;
            const [id, w] = [...running[i]!][0]!;
            running[i]!.delete(id);
            w.finish();
            await settle();
            check();
          }
          for (let i = 0; i < n; i++) if (!closed[i]) expect(started[i]).toEqual(submitted[i]);
          expect(fs.running).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
