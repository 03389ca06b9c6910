import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deepEqual, hasDrifted, mapEqual } from "./drift.ts";
import type { KubeObject } from "../kube/types.ts";

const live: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "n", resourceVersion: "5", generation: 1, managedFields: [{ manager: "x" }], labels: { app: "a" } },
  data: { k: "v" },
};

describe("hasDrifted", () => {
  test.each<[string, KubeObject, boolean]>([
    ["identical apart from metadata bookkeeping", { ...live, metadata: { ...live.metadata, resourceVersion: "6", managedFields: [], generation: 2, uid: "u" } }, false],
    ["a data change", { ...live, data: { k: "w" } }, true],
    ["a new label", { ...live, metadata: { ...live.metadata, labels: { app: "a", team: "t" } } }, true],
    ["an annotation added", { ...live, metadata: { ...live.metadata, annotations: { a: "1" } } }, true],
    ["empty annotations where none were", { ...live, metadata: { ...live.metadata, annotations: {} } }, false],
    ["a status change only", { ...live, status: { phase: "x" } }, false],
    ["no resourceVersion (not created yet)", { ...live, metadata: { ...live.metadata, resourceVersion: undefined } }, true],
  ])("%s: %s", (_name, dry, drifted) => {
    expect(hasDrifted(live, dry)).toBe(drifted);
  });

  test("a missing live object has drifted", () => {
    expect(hasDrifted(undefined, live)).toBe(true);
  });
});

describe("deepEqual", () => {
  test("is reflexive on JSON values and tells different values apart", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(deepEqual(a, structuredClone(a))).toBe(true);
        expect(deepEqual(a, b)).toBe(JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)));
      }),
    );
  });

  test("absent and empty maps are equal only for labels and annotations", () => {
    expect(mapEqual(undefined, {})).toBe(true);
    expect(deepEqual({ a: {} }, {})).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  // -0 and 0 are equal for ===, and JSON writes both as 0.
  return v;
}
