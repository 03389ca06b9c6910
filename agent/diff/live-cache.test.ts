import { expect, test } from "bun:test";
import { LiveCache } from "./live-cache.ts";
import type { KubeObject } from "../kube/types.ts";

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
