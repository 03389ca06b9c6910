import { expect, test } from "bun:test";
import { LiveCache } from "./live-cache.ts";
import type { KindRef, KubeObject } from "../kube/types.ts";
import type { KubeClient } from "../kube/client.ts";

const cm = (rv: string, value: string, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "a",
    uid: "u1",
    resourceVersion: rv,
    generation: 1,
    managedFields: [{ manager: "kustomize-controller", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }],
  },
  spec: { replicas: Number(value) },
  ...(status ? { status } : {}),
});

test("an apply answer older than the cached copy does not replace it, but still records our apply", async () => {
  const cache = new LiveCache();
  await cache.init();
  const desired = cm("", "0");
  // The controller's status update (rv 12) arrives first, then our own apply answer (rv 10).
  cache.record(cm("12", "0", { observedGeneration: 1, conditions: [{ type: "Available", status: "True" }] }), desired);
  cache.record(cm("10", "0"), desired);
  const live = cache.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" })!;
  expect(live.resourceVersion).toBe("12");
  expect(live.health?.status).toMatchObject({ observedGeneration: 1 });
  // The record describes our apply (its resourceVersion), so later decisions compare against it.
  expect(cache.entry(desired).record?.resourceVersion).toBe("10");
});

test("a newer apply answer replaces the cached copy", async () => {
  const cache = new LiveCache();
  await cache.init();
  cache.record(cm("5", "1"), cm("", "1"));
  cache.record(cm("9", "2"), cm("", "2"));
  expect(cache.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" })!.resourceVersion).toBe("9");
  expect(cache.entry(cm("", "2")).record?.resourceVersion).toBe("9");
});

/** A client answering list with whatever `server` holds now and a watch that stays quiet until aborted. */
function quietServer(server: { items: KubeObject[] }, lists: string[]): KubeClient {
  return {
    resource: async () => ({ namespaced: true }),
    list: async (ref: KindRef) => {
      lists.push(ref.kind);
      return { items: server.items, resourceVersion: server.items.at(-1)?.metadata.resourceVersion ?? "1" };
    },
    async *watch(_ref: KindRef, o: { signal?: AbortSignal }) {
      await new Promise<void>((r) => (o.signal?.aborted ? r() : o.signal?.addEventListener("abort", () => r(), { once: true })));
    },
  } as unknown as KubeClient;
}

test("started again for a new term, it lists every kind watched before: no copy from the stopped term's watches is kept", async () => {
  const server = { items: [cm("10", "0")] };
  const lists: string[] = [];
  const client = quietServer(server, lists);
  const cache = new LiveCache();
  const first = new AbortController();
  await cache.start(client, "a", [], first.signal);
  await cache.watchKinds([{ apiVersion: "apps/v1", kind: "Deployment" }]);
  const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" };
  expect(cache.get(ref)?.resourceVersion).toBe("10");
  // The term ends (its watches stop); meanwhile the controller marks the Deployment available.
  first.abort();
  server.items = [cm("12", "0", { observedGeneration: 1, conditions: [{ type: "Available", status: "True" }] })];
  const second = new AbortController();
  const restarted = cache.start(client, "a", [], second.signal);
  // Until the new list, the kind counts as unsynced: readers ask the server instead.
  expect(cache.synced("apps/v1", "Deployment")).toBe(false);
  await restarted;
  expect(lists).toEqual(["Deployment", "Deployment"]);
  expect(cache.synced("apps/v1", "Deployment")).toBe(true);
  expect(cache.get(ref)?.resourceVersion).toBe("12");
  expect(cache.get(ref)?.health?.status).toMatchObject({ observedGeneration: 1 });
  second.abort();
});
