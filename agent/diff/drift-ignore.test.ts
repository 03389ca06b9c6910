import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../kube/types.ts";
import { ignoreTrie, parsePointer, removeIgnored, targets } from "./drift-ignore.ts";

const dep: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-1", namespace: "team", labels: { tier: "front" }, annotations: { owner: "a" } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] } } },
};

describe("drift ignore rules", () => {
  test.each([
    ["", []],
    ["/spec/replicas", ["spec", "replicas"]],
    ["/metadata/annotations/a~1b~0c", ["metadata", "annotations", "a/b~c"]],
  ])("pointer %p has segments %j", (p, want) => {
    expect(parsePointer(p)).toEqual(want);
  });

  test("a pointer without a leading slash is refused", () => {
    expect(() => parsePointer("spec/replicas")).toThrow('Cannot parse the JSON pointer "spec/replicas": it must start with "/"');
  });

  test.each([
    [undefined, true],
    [{ kind: "Deployment" }, true],
    [{ kind: "Deploy" }, false],
    [{ group: "apps", version: "v1" }, true],
    [{ group: "" }, true],
    [{ name: "web-.*" }, true],
    [{ name: "web" }, false],
    [{ namespace: "other" }, false],
    [{ labelSelector: "tier=front" }, true],
    [{ labelSelector: "tier in (back)" }, false],
    [{ annotationSelector: "owner" }, true],
    [{ annotationSelector: "!owner" }, false],
  ])("target %j picks the Deployment: %p", (target, want) => {
    expect(targets(target, dep)).toBe(want);
  });

  test("removes the ignored fields, in list items by index or for all items", () => {
    const trie = ignoreTrie(
      [
        { paths: ["/spec/replicas"], target: { kind: "Deployment" } },
        { paths: ["/spec/template/spec/containers/*/image"] },
        { paths: ["/metadata/labels"], target: { kind: "Service" } },
      ],
      dep,
    );
    expect(removeIgnored(dep, trie)).toEqual({
      ...dep,
      spec: { template: { spec: { containers: [{ name: "a" }, { name: "b" }] } } },
    });
    const one = ignoreTrie([{ paths: ["/spec/template/spec/containers/1"] }], dep);
    expect((removeIgnored(dep, one) as any).spec.template.spec.containers).toEqual([{ name: "a", image: "x" }]);
  });

  test("no rule for the object means no trie", () => {
    expect(ignoreTrie([{ paths: ["/spec"], target: { kind: "Service" } }], dep)).toBeUndefined();
  });
});
