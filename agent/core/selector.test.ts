import { describe, expect, test } from "bun:test";
import { parseLabelSelector, selectorMatches, type ResourceSelector, type SelectableObject } from "./selector.ts";

const web: SelectableObject = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  name: "web-frontend",
  namespace: "shop",
  labels: { app: "web", tier: "front" },
  annotations: { "example.com/owner": "team-a" },
};

describe("selectorMatches", () => {
  test.each<[string, ResourceSelector, boolean]>([
    ["an empty selector picks every object", {}, true],
    ["empty strings pick every object", { kind: "", name: "" }, true],
    ["kind is an anchored regular expression", { kind: "Deploy" }, false],
    ["a pattern may match the whole field", { kind: "Deploy.*" }, true],
    ["alternatives are anchored as a group", { name: "web|web-frontend" }, true],
    ["group, version and namespace are compared too", { group: "apps", version: "v1", namespace: "shop" }, true],
    ["the core group is the empty string", { group: "" }, true],
    ["a wrong namespace excludes", { namespace: "other" }, false],
    ["a label selector must hold", { labelSelector: "app=web,tier in (front,back)" }, true],
    ["a failing label requirement excludes", { labelSelector: "app!=web" }, false],
    ["an annotation selector reads annotations", { annotationSelector: "example.com/owner=team-a" }, true],
    ["labels are not annotations", { annotationSelector: "app" }, false],
  ])("%s", (_, sel, want) => {
    expect(selectorMatches(sel, web)).toBe(want);
  });
});

describe("parseLabelSelector", () => {
  const labels = { app: "web", tier: "front", canary: "" };
  test.each<[string, boolean]>([
    ["app=web", true],
    ["app==web", true],
    ["app = web", true],
    ["app!=web", false],
    ["missing!=x", true],
    ["tier in (back, front)", true],
    ["tier notin (front)", false],
    ["missing notin (front)", true],
    ["canary", true],
    ["!canary", false],
    ["!missing", true],
    ["app=web,tier=back", false],
    ["", true],
  ])("%p holds: %p", (sel, want) => {
    expect(parseLabelSelector(sel)(labels)).toBe(want);
  });

  test("a requirement it cannot read is an error that names the selector", () => {
    expect(() => parseLabelSelector("a b c")).toThrow('Cannot parse selector "a b c": bad requirement "a b c"');
  });
});
