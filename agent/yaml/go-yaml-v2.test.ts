import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeYamlV2, goFloat, sortedYamlV2 } from "./go-yaml-v2.ts";

// Values (random ones from fast-check and hand-picked hard ones) with the text Go's own go-yaml v2.4
// wrote for them, through testdata/go-yaml-v2/oracle.go.
const cases = JSON.parse(readFileSync(join(import.meta.dirname, "testdata", "go-yaml-v2", "cases.json"), "utf8")) as Array<{ value: Record<string, unknown>; yaml: string }>;

describe("encodeYamlV2 writes what go-yaml v2 writes", () => {
  test("the oracle has cases that need quoting, folding, literal blocks, escapes and '?' keys", () => {
    const all = cases.map((c) => c.yaml).join("");
    for (const marker of ["'", '"', "|-", "|2", "\\U000", "\n? ", "{}", "[]", "e+", "e-", "\n    "]) expect(all).toContain(marker);
  });
  test.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, { value, yaml }) => {
    expect(encodeYamlV2(sortedYamlV2(value))).toBe(yaml);
  });
});

describe("goFloat", () => {
  test.each([
    [1.5, "1.5"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [123456.5, "123456.5"],
    [1234567.5, "1.2345675e+06"],
    [1e21, "1e+21"],
    [-2.5e-300, "-2.5e-300"],
    [Infinity, ".inf"],
    [-Infinity, "-.inf"],
    [NaN, ".nan"],
  ])("%p is %p as strconv.FormatFloat(f, 'g', -1, 64) writes it", (f, text) => {
    expect(goFloat(f)).toBe(text);
  });
});

describe("sortedYamlV2", () => {
  test("orders keys as Go compares strings (UTF-8 bytes), not as JavaScript does (UTF-16 units)", () => {
    const v = sortedYamlV2({ "\u{1F600}": 1, "\uFF61": 2, b: 3, B: 4 });
    expect(v).toEqual({ entries: [["B", 4], ["b", 3], ["\uFF61", 2], ["\u{1F600}", 1]] });
  });
});
