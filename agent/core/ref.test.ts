import { describe, expect, test } from "bun:test";
import { formatRef, splitApiVersion } from "./ref.ts";

describe("formatRef", () => {
  test.each([
    [{ kind: "Deployment", metadata: { name: "web", namespace: "apps" } }, "Deployment/apps/web"],
    [{ kind: "ClusterRole", metadata: { name: "admin" } }, "ClusterRole/admin"],
    [{ metadata: { name: "x", namespace: "n" } }, "Object/n/x"],
    [{ kind: "ConfigMap", metadata: {} }, "ConfigMap/<unnamed>"],
  ] as const)("names %p as %s", (obj, want) => {
    expect(formatRef(obj)).toBe(want);
  });
});

describe("splitApiVersion", () => {
  test("the core group is empty", () => {
    expect(splitApiVersion("v1")).toEqual({ group: "", version: "v1" });
  });
  test("a named group keeps its dots", () => {
    expect(splitApiVersion("source.toolkit.fluxcd.io/v1")).toEqual({
      group: "source.toolkit.fluxcd.io",
      version: "v1",
    });
  });
});
