import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import type { KubeObject } from "../kube/types.ts";
import { webDeployment } from "./testdata/deployment-web.ts";
import { formatFieldsV1, managerFields, mergeFieldNodes, ownedFields, parseFieldsV1, projectFields } from "./fields-v1.ts";

// Recorded from a Kubernetes 1.20 API server after `kubectl apply --server-side --field-manager=rivulet`.
const live = JSON.parse(readFileSync(new URL("./testdata/deployment-live.json", import.meta.url), "utf8")) as KubeObject;

describe("parseFieldsV1", () => {
  const key = fc.oneof(
    fc.string({ minLength: 1, maxLength: 6 }).map((s) => `f:${s}`),
    fc.dictionary(fc.constantFrom("name", "port", "protocol"), fc.oneof(fc.string({ maxLength: 4 }), fc.nat())).map((o) => `k:${JSON.stringify(o)}`),
    fc.oneof(fc.string({ maxLength: 4 }), fc.nat()).map((v) => `v:${JSON.stringify(v)}`),
    fc.nat({ max: 9 }).map((i) => `i:${i}`),
  );
  const node = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
    depth === 0
      ? fc.constant({})
      : fc.tuple(fc.boolean(), fc.dictionary(key, node(depth - 1), { maxKeys: 3 })).map(([self, kids]) => (self ? { ".": {}, ...kids } : kids));
  const fieldsV1 = node(4);

  test("format(parse(x)) gives x back", () => {
    fc.assert(fc.property(fieldsV1, (x) => expect(formatFieldsV1(parseFieldsV1(x))).toEqual(x)));
  });

  test("merging a tree with itself changes nothing", () => {
    fc.assert(fc.property(fieldsV1, (x) => expect(formatFieldsV1(mergeFieldNodes(parseFieldsV1(x), parseFieldsV1(x)))).toEqual(x)));
  });

  test.each([
    [{ "x:a": {} }, 'unknown path element "x:a"'],
    [{ "k:{bad": {} }, 'path element "k:{bad" at the root holds invalid JSON'],
    [{ "f:a": { "i:x": {} } }, 'path element "i:x" at .f:a is not an index'],
    [{ "f:a": [] }, ".f:a is not an object"],
  ])("rejects %j", (raw, msg) => {
    expect(() => parseFieldsV1(raw)).toThrow(msg);
  });
});

describe("ownedFields", () => {
  test("projects a live Deployment down to what the manager applied", () => {
    const fields = managerFields(live, "rivulet")!;
    const slim = ownedFields(live, fields);
    // The server's spelling of the container: default protocol filled in, quantities canonical.
    expect(slim).toEqual(
      webDeployment({ name: "c", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], resources: { limits: { cpu: "1", memory: "1Gi" } } }),
    );
  });

  test("leaves out other managers' fields, status and defaults", () => {
    const slim = ownedFields(live, managerFields(live, "rivulet")!) as Record<string, unknown>;
    expect(slim.status).toBeUndefined();
    expect(JSON.stringify(slim)).not.toContain("imagePullPolicy");
    expect(JSON.stringify(slim)).not.toContain("deployment.kubernetes.io/revision");
  });

  test("a manager that never applied owns nothing", () => {
    expect(managerFields(live, "someone-else")).toBeUndefined();
    // kube-controller-manager only updates, it never applies.
    expect(managerFields(live, "kube-controller-manager")).toBeUndefined();
  });

  test.each([
    ["a list item picked by key", [{ name: "a", v: 1 }, { name: "b", v: 2 }], { 'k:{"name":"b"}': { ".": {}, "f:v": {} } }, [{ v: 2 }]],
    ["a set item picked by value", ["x", "y", "z"], { 'v:"z"': {}, 'v:"x"': {} }, ["x", "z"]],
    ["a list item picked by index", ["x", "y"], { "i:1": {} }, ["y"]],
    ["an owned field that is absent", { a: 1 }, { "f:b": {} }, {}],
    ["an atomic leaf owned whole", { s: { a: { deep: 1 } } }, { "f:s": {} }, { s: { a: { deep: 1 } } }],
  ])("projects %s", (_what, value, raw, want) => {
    expect(projectFields(value, parseFieldsV1(raw))).toEqual(want);
  });

  test("an owned list item the object no longer has disappears from the projection", () => {
    const fields = parseFieldsV1({ 'k:{"name":"a"}': { ".": {}, "f:v": {} }, 'k:{"name":"b"}': { ".": {}, "f:v": {} } });
    expect(projectFields([{ name: "a", v: 1 }], fields)).toEqual([{ v: 1 }]);
  });

  test("ignored pointers drop fields, also through list items", () => {
    const fields = managerFields(live, "rivulet")!;
    const ignore = {
      end: false,
      children: new Map([["spec", { end: false, children: new Map([["replicas", { end: true, children: new Map() }]]) }]]),
    };
    const slim = ownedFields(live, fields, ignore) as unknown as { spec: Record<string, unknown> };
    expect(slim.spec.replicas).toBeUndefined();
    expect(slim.spec.selector).toBeDefined();
  });
});
