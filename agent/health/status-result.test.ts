import { describe, expect, test } from "bun:test";
import { intField, stringField } from "./status-result.ts";
import type { KubeObject } from "../kube/types.ts";

const obj: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: { replicas: 3, strategy: { type: "RollingUpdate" } },
  status: { readyReplicas: "2", conditions: null },
};

describe("typed fields at a dotted path", () => {
  test.each<[string, number]>([
    ["spec.replicas", 3],
    ["status.readyReplicas", -1],
    ["status.conditions.length", -1],
    ["spec.missing.deeper", -1],
    ["spec.strategy", -1],
  ])("intField %s is %p", (path, want) => {
    expect(intField(obj, path, -1)).toBe(want);
  });

  test.each<[string, string]>([
    ["spec.strategy.type", "RollingUpdate"],
    ["status.readyReplicas", "2"],
    ["spec.replicas", "fallback"],
    ["status.conditions.type", "fallback"],
    ["kind", "Deployment"],
  ])("stringField %s is %p", (path, want) => {
    expect(stringField(obj, path, "fallback")).toBe(want);
  });
});
