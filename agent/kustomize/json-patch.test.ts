import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyJsonPatch, type JsonPatchOp } from "./json-patch.ts";

describe("applyJsonPatch (RFC 6902)", () => {
  const doc = { a: { b: [1, 2, 3], "x/y": 1, "m~n": 2 } };
  test.each<[string, JsonPatchOp[], unknown]>([
    ["add appends with -", [{ op: "add", path: "/a/b/-", value: 4 }], { a: { b: [1, 2, 3, 4], "x/y": 1, "m~n": 2 } }],
    ["add inserts at an index", [{ op: "add", path: "/a/b/0", value: 0 }], { a: { b: [0, 1, 2, 3], "x/y": 1, "m~n": 2 } }],
    ["remove with escaped keys", [{ op: "remove", path: "/a/x~1y" }, { op: "remove", path: "/a/m~0n" }], { a: { b: [1, 2, 3] } }],
    ["replace", [{ op: "replace", path: "/a/b/1", value: 9 }], { a: { b: [1, 9, 3], "x/y": 1, "m~n": 2 } }],
    ["move", [{ op: "move", from: "/a/b", path: "/c" }], { a: { "x/y": 1, "m~n": 2 }, c: [1, 2, 3] }],
    ["copy", [{ op: "copy", from: "/a/b/0", path: "/d" }], { a: { b: [1, 2, 3], "x/y": 1, "m~n": 2 }, d: 1 }],
    ["test that passes", [{ op: "test", path: "/a/b/2", value: 3 }], doc],
  ])("%s", (_n, ops, want) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  test.each<[string, JsonPatchOp[], string]>([
    ["remove of a missing path", [{ op: "remove", path: "/nope" }], 'Cannot apply JSON patch operation 0 (remove /nope): path "/nope" does not exist'],
    ["a failing test", [{ op: "test", path: "/a/b/0", value: 5 }], 'Cannot apply JSON patch operation 0 (test /a/b/0): test failed at "/a/b/0"'],
    ["an index out of range", [{ op: "replace", path: "/a/b/7", value: 1 }], "Cannot apply JSON patch operation 0 (replace /a/b/7): array index 7 out of range"],
    ["an unknown op", [{ op: "frob" as "add", path: "/a" }], 'Cannot apply JSON patch operation 0 (frob /a): unknown op "frob"'],
  ])("fails on %s", (_n, ops, msg) => {
    expect(() => applyJsonPatch(doc, ops)).toThrow(msg);
  });

  test("never changes its input", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.string(), (v, key) => {
      const input = { k: v };
      const before = JSON.stringify(input);
      try {
        applyJsonPatch(input, [{ op: "add", path: `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, value: 1 }]);
      } catch {
        // Only immutability is under test here.
      }
      return JSON.stringify(input) === before;
    }));
  });
});
