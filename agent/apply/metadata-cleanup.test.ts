import { describe, expect, test } from "bun:test";
import { cleanupPatch, defaultCleanupRules, mergeFieldSets, takeOverManagedFields } from "./metadata-cleanup.ts";
import type { KubeObject } from "../kube/types.ts";

const rules = defaultCleanupRules("kustomize-controller");
const entry = (manager: string, operation: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  manager,
  operation,
  apiVersion: "v1",
  fieldsType: "FieldsV1",
  fieldsV1: fields,
  ...extra,
});

describe("takeOverManagedFields", () => {
  test.each([
    ["kubectl-client-side-apply", "Update", true],
    ["kubectl-edit", "Update", true],
    ["kubectl", "Apply", true],
    ["before-first-apply", "Update", true],
    ["kustomize-controller", "Update", true],
    ["kustomize-controller", "Apply", false],
    ["helm", "Update", false],
    ["flux-client-side-apply", "Update", false],
    ["kube-controller-manager", "Update", false],
  ])("%s (%s) is taken over: %s", (manager, operation, taken) => {
    const out = takeOverManagedFields([entry(manager, operation, { "f:data": {} })], "kustomize-controller", rules.managers);
    expect(out !== undefined).toBe(taken);
    if (out) expect(out[0]).toMatchObject({ manager: "kustomize-controller", operation: "Apply" });
  });

  test("status subresource entries are left alone", () => {
    expect(takeOverManagedFields([entry("kubectl-edit", "Update", {}, { subresource: "status" })], "kustomize-controller", rules.managers)).toBeUndefined();
  });

  test("a renamed entry merges with our existing Apply entry instead of duplicating it", () => {
    const out = takeOverManagedFields(
      [entry("kustomize-controller", "Apply", { "f:data": { "f:a": {} } }), entry("kubectl-edit", "Update", { "f:data": { "f:b": {} } }), entry("helm", "Update", { "f:x": {} })],
      "kustomize-controller",
      rules.managers,
    )!;
    expect(out.map((e) => `${e.manager}/${e.operation}`)).toEqual(["kustomize-controller/Apply", "helm/Update"]);
    expect(out[0]!.fieldsV1).toEqual({ "f:data": { "f:a": {}, "f:b": {} } });
  });

  test("mergeFieldSets is a union", () => {
    expect(mergeFieldSets({ "f:a": {}, "f:m": { "f:x": {} } }, { "f:b": {}, "f:m": { "f:y": {}, ".": {} } })).toEqual({ "f:a": {}, "f:b": {}, "f:m": { "f:x": {}, "f:y": {}, ".": {} } });
  });
});

describe("cleanupPatch", () => {
  const live = (metadata: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", ...metadata } });

  test("removes kubectl's last-applied annotation and old Flux marks, and takes over kubectl's fields", () => {
    const ops = cleanupPatch(
      live({
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", keep: "1" },
        labels: { "fluxcd.io/sync-gc-mark": "x", app: "a" },
        managedFields: [entry("kubectl-client-side-apply", "Update", { "f:data": {} })],
      }),
      "kustomize-controller",
      rules,
    );
    expect(ops).toEqual([
      { op: "remove", path: "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration" },
      { op: "remove", path: "/metadata/labels/fluxcd.io~1sync-gc-mark" },
      { op: "replace", path: "/metadata/managedFields", value: [entry("kustomize-controller", "Apply", { "f:data": {} })] },
    ]);
  });

  test("a clean object needs no patch", () => {
    expect(cleanupPatch(live({ annotations: { a: "1" }, managedFields: [entry("kustomize-controller", "Apply", {})] }), "kustomize-controller", rules)).toBeUndefined();
  });
});
