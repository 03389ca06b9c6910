import { expect, test } from "bun:test";
import { lazyReconciler } from "./lazy-reconciler.ts";
import type { FluxObject, ReconcileContext, Reconciler } from "./reconciler.ts";

const id = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "Bucket", controllerName: "source-controller" };
const obj = { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: "b", namespace: "t" }, spec: {} } as FluxObject;
const ctx = {} as ReconcileContext;

function fake(calls: string[], over: Partial<Reconciler> = {}): Reconciler {
  return {
    ...id,
    async start(o) {
      calls.push(`start ${o.namespace}`);
    },
    async reconcile() {
      calls.push("reconcile");
      return { reason: "Succeeded", message: "ok" };
    },
    onFailure: () => ({ conditions: [] }),
    ...over,
  };
}

test("lazyReconciler loads the kind's module at its first reconcile, once, and replays start before it", async () => {
  const calls: string[] = [];
  let loads = 0;
  const r = lazyReconciler(id, async () => {
    loads++;
    return fake(calls);
  });
  await r.start!({ namespace: "t" } as never);
  expect(loads).toBe(0);
  expect(r.onFailure!(obj, new Error("x"), ctx)).toBeUndefined();
  await r.reconcile(obj, ctx);
  await r.reconcile(obj, ctx);
  expect(loads).toBe(1);
  expect(calls).toEqual(["start t", "reconcile", "reconcile"]);
  expect(r.onFailure!(obj, new Error("x"), ctx)).toEqual({ conditions: [] });
});

test("lazyReconciler reports a failed load as a failed reconcile and loads again next time", async () => {
  let attempt = 0;
  const r = lazyReconciler(id, async () => {
    if (attempt++ === 0) throw new Error("module not found");
    return fake([]);
  });
  await expect(r.reconcile(obj, ctx)).rejects.toThrow("Cannot load the Bucket reconciler: module not found");
  expect((await r.reconcile(obj, ctx)).reason).toBe("Succeeded");
});

test("lazyReconciler refuses a module that reconciles another kind than it was declared for", async () => {
  const r = lazyReconciler(id, async () => fake([], { kind: "GitRepository" }));
  await expect(r.reconcile(obj, ctx)).rejects.toThrow(
    "Cannot load the Bucket reconciler: it reconciles source.toolkit.fluxcd.io/v1 GitRepository (source-controller), not source.toolkit.fluxcd.io/v1 Bucket (source-controller)",
  );
});

test("lazyReconciler passes a later start (a new leadership term) to the loaded reconciler at once", async () => {
  const calls: string[] = [];
  const r = lazyReconciler(id, async () => fake(calls));
  await r.start!({ namespace: "first-term" } as never);
  await r.reconcile(obj, ctx);
  await r.start!({ namespace: "second-term" } as never);
  expect(calls).toEqual(["start first-term", "reconcile", "start second-term"]);
});
