import { describe, expect, test } from "bun:test";
import { anyInMetadata, anySelector, EXCLUDE_SELECTORS, IF_NOT_PRESENT } from "./annotations.ts";

const o = (labels?: Record<string, string>, annotations?: Record<string, string>) => ({ metadata: { labels, annotations } });

describe("Flux selectors", () => {
  test.each<[string, ReturnType<typeof o>, boolean]>([
    ["annotation reconcile: disabled", o(undefined, { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" }), true],
    ["label reconcile: disabled", o({ "kustomize.toolkit.fluxcd.io/reconcile": "disabled" }), true],
    ["case-folded ssa: ignore", o(undefined, { "kustomize.toolkit.fluxcd.io/ssa": "ignore" }), true],
    ["ssa: IfNotPresent is not an exclusion", o(undefined, { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" }), false],
    ["reconcile: enabled", o(undefined, { "kustomize.toolkit.fluxcd.io/reconcile": "enabled" }), false],
    ["no metadata", o(), false],
  ])("%s excludes: %s", (_n, obj, excluded) => {
    expect(anySelector(obj, EXCLUDE_SELECTORS)).toBe(excluded);
  });

  test("IfNotPresent matches case-insensitively and undefined objects match nothing", () => {
    expect(anyInMetadata(o(undefined, { "kustomize.toolkit.fluxcd.io/ssa": "ifnotpresent" }), IF_NOT_PRESENT)).toBe(true);
    expect(anyInMetadata(undefined, IF_NOT_PRESENT)).toBe(false);
  });
});
