import { describe, expect, test } from "bun:test";
import { FairShare, type Gate } from "./fair-share.ts";
import { Manager } from "./manager.ts";
import { WorkQueue } from "./work-queue.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { createLogger } from "../core/logger.ts";
import type { Reconciler } from "./reconciler.ts";

describe("WorkQueue with a gate", () => {
  test("every worker call runs through the gate, which can hold it below the queue's concurrency", async () => {
    const fs = new FairShare({ slots: 4 });
    const gate = fs.tenant("a", { limit: 1 });
    let active = 0;
    let most = 0;
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => {
      active++;
      most = Math.max(most, active);
      runs.push(k);
      await new Promise((r) => setTimeout(r, 2));
      active--;
    }, { concurrency: 4, gate });
    for (const k of ["a", "b", "c", "d"]) q.add(k);
    // Waiting at the gate counts as running for the queue: a key added again is not run twice at once.
    expect(q.running).toBe(4);
    q.add("a");
    await q.idle();
    expect(most).toBe(1);
    expect(runs).toEqual(["a", "b", "c", "d", "a"]);
  });

  test("a closed gate rejects the waiting keys and the queue goes on (idle, not stuck)", async () => {
    const fs = new FairShare({ slots: 1 });
    const gate = fs.tenant("a");
    let release!: () => void;
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => {
      runs.push(k);
      await new Promise<void>((r) => (release = r));
    }, { concurrency: 4, gate });
    q.add("a");
    q.add("b");
    await Promise.resolve();
    gate.close();
    release();
    await q.idle();
    expect(runs).toEqual(["a"]);
  });
});

/** Just enough of the API server for a Manager: lists from memory, watches that wait for the stop. */
function memoryClient(items: KubeObject[]): KubeClient {
  const find = (kind: string, name?: string) => items.find((i) => i.kind === kind && i.metadata.name === name)!;
  return {
    get: async () => undefined,
    list: async (ref) => ({ items: items.filter((o) => o.kind === ref.kind), resourceVersion: "1" }),
    watch: (_ref, o) => ({
      async *[Symbol.asyncIterator]() {
        await new Promise((r) => o?.signal?.addEventListener("abort", r, { once: true }));
      },
    }),
    // Status writes and finalizer patches answer with the stored object changed, as the server would.
    apply: async (o) => ({ ...find(o.kind, o.metadata.name), status: o.status }),
    patch: async (key, p) => {
      const o = find(key.kind, key.name);
      return { ...o, metadata: { ...o.metadata, ...(p as { metadata: object }).metadata } };
    },
    delete: async () => true,
    resource: async () => {
      throw new Error("Cannot discover: not served by the memory client");
    },
    impersonate: () => memoryClient(items),
    raw: async () => ({}),
  };
}

test("a Manager runs every reconcile of every controller through its gate", async () => {
  const kinds = ["Alpha", "Beta"];
  const objects = kinds.flatMap((kind) => ["one", "two"].map((name) => ({ apiVersion: "test.rivulet.dev/v1", kind, metadata: { name, namespace: "ns", generation: 1 }, spec: {} })));
  const reconciled: string[] = [];
  let gated = 0;
  const inner = new FairShare({ slots: 1 }).tenant("ns");
  const gate: Gate = { run: (work) => (gated++, inner.run(work)) };
  const done = Promise.withResolvers<void>();
  const reconcilers: Reconciler[] = kinds.map((kind) => ({
    apiVersion: "test.rivulet.dev/v1",
    kind,
    controllerName: "test",
    async reconcile(obj) {
      reconciled.push(`${kind}/${obj.metadata.name}`);
      if (reconciled.length === objects.length) done.resolve();
      return { reason: "Succeeded", message: "ok" };
    },
  }));
  const ac = new AbortController();
  const m = new Manager(reconcilers, { client: memoryClient(objects), namespace: "ns", log: createLogger(() => {}), events: { record: async () => {} }, gate });
  const running = m.run(ac.signal);
  await done.promise;
  ac.abort();
  await running;
  expect(reconciled.sort()).toEqual(["Alpha/one", "Alpha/two", "Beta/one", "Beta/two"]);
  expect(gated).toBe(4);
});
