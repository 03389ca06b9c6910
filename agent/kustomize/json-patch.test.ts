import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyJsonPatch, type JsonPatchOp } from "./json-patch.ts";

describe("applyJsonPatch (kustomize's JSON patch library)", () => {
  const doc = { a: { b: [1, 2, 3], "x/y": 1, "m~n": 2 } };
  test.each<[string, JsonPatchOp[], unknown]>([
    ["add appends with -", [{ op: "add", path: "/a/b/-", value: 4 }], { a: { b: [1, 2, 3, 4], "x/y": 1, "m~n": 2 } }],
    ["add inserts at an index", [{ op: "add", path: "/a/b/0", value: 0 }], { a: { b: [0, 1, 2, 3], "x/y": 1, "m~n": 2 } }],
    ["remove with escaped keys", [{ op: "remove", path: "/a/x~1y" }, { op: "remove", path: "/a/m~0n" }], { a: { b: [1, 2, 3] } }],
    ["replace", [{ op: "replace", path: "/a/b/1", value: 9 }], { a: { b: [1, 9, 3], "x/y": 1, "m~n": 2 } }],
    ["move", [{ op: "move", from: "/a/b", path: "/c" }], { a: { "x/y": 1, "m~n": 2 }, c: [1, 2, 3] }],
    ["copy", [{ op: "copy", from: "/a/b/0", path: "/d" }], { a: { b: [1, 2, 3], "x/y": 1, "m~n": 2 }, d: 1 }],
    ["test that passes", [{ op: "test", path: "/a/b/2", value: 3 }], doc],
    ["replace of a missing member adds it", [{ op: "replace", path: "/a/new", value: 1 }], { a: { b: [1, 2, 3], "x/y": 1, "m~n": 2, new: 1 } }],
    ["negative indexes count from the end", [{ op: "replace", path: "/a/b/-1", value: 9 }, { op: "remove", path: "/a/b/-3" }], { a: { b: [2, 9], "x/y": 1, "m~n": 2 } }],
    ["add at -1 appends", [{ op: "add", path: "/a/b/-1", value: 4 }], { a: { b: [1, 2, 3, 4], "x/y": 1, "m~n": 2 } }],
    ["an index with a leading zero is read as a number", [{ op: "add", path: "/a/b/01", value: 0 }], { a: { b: [1, 0, 2, 3], "x/y": 1, "m~n": 2 } }],
    ["test of a missing member for null passes", [{ op: "test", path: "/a/none", value: null }], doc],
    ["add without a value adds null", [{ op: "add", path: "/n" } as JsonPatchOp], { ...doc, n: null }],
  ])("%s", (_n, ops, want) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  test.each<[string, JsonPatchOp[], string]>([
    ["remove of a missing path", [{ op: "remove", path: "/nope" }], 'Cannot apply JSON patch operation 0 (remove /nope): path "/nope" does not exist'],
    ["a failing test", [{ op: "test", path: "/a/b/0", value: 5 }], 'Cannot apply JSON patch operation 0 (test /a/b/0): test failed at "/a/b/0"'],
    ["an index out of range", [{ op: "replace", path: "/a/b/7", value: 1 }], "Cannot apply JSON patch operation 0 (replace /a/b/7): array index 7 out of range"],
    ["a replace under a missing parent", [{ op: "replace", path: "/nope/x", value: 1 }], 'Cannot apply JSON patch operation 0 (replace /nope/x): path "/nope/x" does not exist'],
    ["a negative index past the start", [{ op: "remove", path: "/a/b/-4" }], "Cannot apply JSON patch operation 0 (remove /a/b/-4): array index -4 out of range"],
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

  const key = fc.string({ minLength: 1, maxLength: 6 }).map((k) => k.replaceAll("~", "~0").replaceAll("/", "~1"));

  test("replace of a missing member equals add", () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), key, fc.jsonValue(), (d, k, v) => {
      fc.pre(!Object.hasOwn(d, k.replaceAll("~1", "/").replaceAll("~0", "~")));
      const replaced = applyJsonPatch({ d }, [{ op: "replace", path: `/d/${k}`, value: v }]);
      expect(replaced).toEqual(applyJsonPatch({ d }, [{ op: "add", path: `/d/${k}`, value: v }]));
    }));
  });

  test("a negative index names the same element as its positive twin", () => {
    fc.assert(fc.property(fc.array(fc.jsonValue(), { minLength: 1 }), fc.nat(), fc.constantFrom<"replace" | "remove" | "test">("replace", "remove", "test"), (arr, n, op) => {
      const i = n % arr.length;
      const run = (tok: number) => applyJsonPatch({ arr }, [{ op, path: `/arr/${tok}`, value: op === "test" ? arr[i] : "v" }]);
      expect(run(i - arr.length)).toEqual(run(i));
    }));
  });

  test("add then remove of the same member or index restores the document", () => {
    fc.assert(fc.property(fc.array(fc.jsonValue()), fc.nat(), fc.jsonValue(), (arr, n, v) => {
      const i = n % (arr.length + 1);
      const out = applyJsonPatch({ arr }, [{ op: "add", path: `/arr/${i}`, value: v }, { op: "remove", path: `/arr/${i}` }]);
      expect(out).toEqual({ arr });
    }));
  });
});
