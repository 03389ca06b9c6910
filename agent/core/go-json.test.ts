import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeGoJson, goJsonString, GoStruct, type GoJson } from "./go-json.ts";

// Values (random from fast-check, plus HTML, separators, controls, surrogates, extreme floats) with the
// text Go's encoding/json wrote for them, through testdata/go-json/oracle.go.
const cases = JSON.parse(readFileSync(join(import.meta.dirname, "testdata", "go-json", "cases.json"), "utf8")) as Array<{ value: GoJson; json: string }>;

describe("encodeGoJson writes what Go's json.Marshal writes", () => {
  test.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, { value, json }) => {
    expect(encodeGoJson(value)).toBe(json);
  });
  test("escapes \\b and \\f as Go 1.22 and later do", () => {
    expect(goJsonString("\b\f")).toBe('"\\b\\f"');
  });
  test("writes struct fields in the order given and map keys sorted", () => {
    const v = new GoStruct([["z", 1], ["a", { b: 2, a: 1 }]]);
    expect(encodeGoJson(v)).toBe('{"z":1,"a":{"a":1,"b":2}}');
  });
  test("refuses what Go refuses", () => {
    expect(() => encodeGoJson(Infinity)).toThrow("Cannot encode Infinity as JSON: Go's encoder refuses non-finite numbers");
  });
});
