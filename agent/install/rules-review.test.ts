import { describe, expect, test } from "bun:test";
import { allows, rulePermissions, uncovered, type ResourceRule } from "./rules-review.ts";

const rules: ResourceRule[] = [
  { verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] },
  { verbs: ["*"], apiGroups: ["apps"], resources: ["deployments"] },
  { verbs: ["get"], apiGroups: [""], resources: ["pods/*"] },
  { verbs: ["delete"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["one"] },
];

describe("allows", () => {
  const cases: Array<[string, string, string, boolean]> = [
    ["get", "", "secrets", true],
    ["watch", "", "secrets", false],
    ["get", "apps", "secrets", false],
    ["patch", "apps", "deployments", true],
    ["get", "", "pods/log", true],
    ["get", "", "pods", false],
    ["delete", "", "configmaps", false],
  ];
  for (const [verb, group, resource, want] of cases) {
    test(`${verb} ${resource}.${group || "core"} is ${want ? "allowed" : "refused"}`, () => {
      expect(allows(rules, { verb, group, resource })).toBe(want);
    });
  }

  test("only a wildcard rule covers a wildcard permission", () => {
    expect(allows(rules, { verb: "*", group: "*", resource: "*" })).toBe(false);
    expect(allows([{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }], { verb: "*", group: "*", resource: "*" })).toBe(true);
  });
});

describe("uncovered", () => {
  test("lists each missing permission of a Role once", () => {
    const role: ResourceRule[] = [
      { verbs: ["get", "watch"], apiGroups: [""], resources: ["secrets"] },
      { verbs: ["watch"], apiGroups: [""], resources: ["secrets"] },
    ];
    expect(rulePermissions(role)).toHaveLength(3);
    expect(uncovered(rules, rulePermissions(role))).toEqual([{ verb: "watch", group: "", resource: "secrets" }]);
  });
});
