import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { replacedValue, resolvePlain } from "./replacement-value.ts";

const scalar = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.boolean(), fc.string({ maxLength: 8 }), fc.constantFrom("8080", "true", "1.5", "null", "x y"));
const typeOf = (v: unknown) => (v === null ? "null" : typeof v);

describe("replacement values", () => {
  test("an existing scalar keeps its type, or the replacement fails", () => {
    fc.assert(
      fc.property(scalar, scalar, (target, source) => {
        let out: unknown;
        try {
          out = replacedValue(target, true, source, {});
        } catch (err) {
          expect((err as Error).message).toMatch(/^cannot decode !!\w+ `.*` as a !!(int|float|bool|null)$/s);
          expect(typeof target).not.toBe("string");
          return;
        }
        expect(typeOf(out)).toBe(typeOf(target));
        expect(String(out)).toBe(typeof target === "string" ? String(source) : String(resolvePlain(String(source)).value));
      }),
    );
  });

  test("a created field reads back as plain YAML and replacing twice equals replacing once", () => {
    fc.assert(
      fc.property(scalar, (source) => {
        const created = replacedValue(undefined, false, source, {});
        expect(created).toEqual(resolvePlain(String(source)).value);
        expect(replacedValue(created, true, source, {})).toEqual(created);
      }),
    );
  });

  test.each([
    ["int target, string source", 1, "8080", {}, 8080],
    ["string target, int source", "x", 5, {}, "5"],
    ["bool target, string source", false, "true", {}, true],
    ["map target takes the source as is", { z: 1 }, "8080", {}, "8080"],
    ["delimiter replaces a part", "one-two-three", "b", { delimiter: "-", index: 0 }, "b-two-three"],
    ["delimiter with a negative index prefixes", "one-two", "b", { delimiter: "-", index: -1 }, "b-one-two"],
    ["delimiter past the end appends", "one-two", "b", { delimiter: "-", index: 9 }, "one-two-b"],
  ])("%s", (_name, target, source, options, want) => {
    expect(replacedValue(target, true, source, options)).toEqual(want);
  });

  test.each([
    ["string into an int", 1, "abc", "cannot decode !!str `abc` as a !!int"],
    ["int into a null", null, "8080", "cannot decode !!int `8080` as a !!null"],
    ["delimiter on a map", { a: 1 }, "x", "delimiter option can only be used with scalar nodes"],
  ])("refuses %s", (_name, target, source, message) => {
    const opts = typeof target === "object" && target !== null ? { delimiter: "-" } : {};
    expect(() => replacedValue(target, true, source, opts)).toThrow(message);
  });
});
