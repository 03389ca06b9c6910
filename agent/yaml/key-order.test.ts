import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { keyLess, sortKeys } from "./key-order.ts";

describe("keys sort as kubectl kustomize (go-yaml v3) prints them", () => {
  test("a mixed key set comes out in the order kubectl kustomize v5.5.0 printed", () => {
    const printed = ["~x", "9", "10", "Z", "a", "a_b", "aB", "file-2", "file-10", "item9", "item10", "v1.9", "v1.10", "x7", "x07", "x007", "z", "é"];
    const shuffled = [...printed].reverse();
    expect(sortKeys(shuffled)).toEqual(printed);
  });
  test.each([
    ["item9", "item10"],
    ["a_b", "aB"],
    ["a.b", "aB"],
    ["Z", "a"],
    ["a", "ab"],
    ["", "a"],
    ["x7", "x07"],
    ["x07", "x007"],
    ["a1b", "a1-"],
    ["KEY_2", "KEY_10"],
    ["app.kubernetes.io/name", "app.kubernetes.io/version"],
    ["z", "é"],
    ["\uffee", "😀"],
    // A lone surrogate is emitted as U+FFFD and sorts as it (found by the emitter's fixed-point property).
    ["\ufeff", "\ud800"],
    ["\udfff", "😀"],
  ])("%j sorts before %j", (a, b) => {
    expect(keyLess(a, b)).toBe(true);
    expect(keyLess(b, a)).toBe(false);
  });
});

describe("property: key order", () => {
  const letters = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), maxLength: 8 });
  test("keys made of letters only sort by code unit, as Array.prototype.sort does", () => {
    fc.assert(
      fc.property(fc.uniqueArray(letters, { maxLength: 12 }), (keys) => {
        expect(sortKeys([...keys])).toEqual([...keys].sort());
      }),
    );
  });
  test("the result is a permutation in which no key sorts before its predecessor", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 12 }), (keys) => {
        const sorted = sortKeys([...keys]);
        expect([...sorted].sort()).toEqual([...keys].sort());
        for (let i = 1; i < sorted.length; i++) expect(keyLess(sorted[i]!, sorted[i - 1]!)).toBe(false);
      }),
    );
  });
});
