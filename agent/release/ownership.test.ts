import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../kube/types.ts";
import { isKept, ownershipProblem, resourceString, withOwnership } from "./ownership.ts";

const obj = (labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "web", namespace: "team", ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
});
const helm = { "app.kubernetes.io/managed-by": "Helm" };
const mine = { "meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "team" };

describe("Helm's ownership metadata", () => {
  test.each([
    ["an object of this release", obj(helm, mine), undefined],
    [
      "an object nobody owns",
      obj(),
      'invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "web"; annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "team"',
    ],
    [
      "an object of another release in another namespace",
      obj(helm, { "meta.helm.sh/release-name": "shop", "meta.helm.sh/release-namespace": "other" }),
      'invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "web": current value is "shop"; annotation validation error: key "meta.helm.sh/release-namespace" must equal "team": current value is "other"',
    ],
    ["an object another tool manages", obj({ "app.kubernetes.io/managed-by": "kustomize" }, mine), 'invalid ownership metadata; label validation error: key "app.kubernetes.io/managed-by" must equal "Helm": current value is "kustomize"'],
  ])("%s", (_name, live, problem) => {
    expect(ownershipProblem(live, { name: "web", namespace: "team" })).toBe(problem);
  });

  test("withOwnership adds Helm's label and annotations over what the chart set", () => {
    const o = withOwnership(obj({ app: "web", "app.kubernetes.io/managed-by": "me" }, { note: "x" }), { name: "web", namespace: "team" });
    expect(o.metadata.labels).toEqual({ app: "web", ...helm });
    expect(o.metadata.annotations).toEqual({ note: "x", ...mine });
    expect(ownershipProblem(o, { name: "web", namespace: "team" })).toBeUndefined();
  });

  test("names objects as Helm's errors do", () => {
    expect(resourceString(obj())).toBe('ConfigMap "web" in namespace "team"');
  });

  test("the keep policy is read trimmed and lower-cased, as Helm reads it", () => {
    expect(isKept(obj(undefined, { "helm.sh/resource-policy": " Keep " }))).toBe(true);
    expect(isKept(obj(undefined, { "helm.sh/resource-policy": "delete" }))).toBe(false);
    expect(isKept(undefined)).toBe(false);
  });
});
