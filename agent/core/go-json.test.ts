import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { encodeGoJson, goJsonString, GoStruct, type GoJson } from "./go-json.ts";
import { firstMismatch, GO_ORACLES, goJsonValue, goOracle } from "../../test/support/go-oracle.ts";

// Values (random from fast-check, plus HTML, separators, controls, surrogates, extreme floats) in
// testdata/go-json/values.json, and what Go's encoding/json writes for them: the go-json oracle's output
// (wasm/helm-template/oracles/go-json), run live, or its recording where the oracle is not built.
const oracle = goOracle("go-json");
const values = JSON.parse(GO_ORACLES["go-json"].inputs()) as GoJson[];
const expected = oracle.expected() as string[];

test("the go-json oracle is built wherever CI runs the tests", () => {
  if (process.env.CI) expect({ built: oracle.built, path: oracle.binary }).toEqual({ built: true, path: oracle.binary });
});

describe(`encodeGoJson writes what Go's json.Marshal writes (${oracle.source})`, () => {
  test("the oracle answers every value", () => {
    expect(expected.length).toBe(values.length);
  });
  test.each(values.map((v, i) => [i, v] as const))("value %i", (i, value) => {
    expect(encodeGoJson(value)).toBe(expected[i]!);
  });
});

describe.skipIf(!oracle.built)("encodeGoJson against the go-json oracle", () => {
  test("the recorded outputs are what the oracle writes (npm run record:oracles rewrites them)", () => {
    expect(oracle.recorded()).toEqual(expected);
  });
  test("generated values encode as Go encodes them (property)", () => {
    // What Go escapes, any code point, lone surrogates; Go 1.19 writes \b and \f as \u0008 and \u000c,
    // Go 1.22 and rivulet as \b and \f, so neither.
    const unit = fc.oneof(
      fc.constantFrom("<", ">", "&", "\u2028", "\u2029", '"', "\\", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f", "é"),
      fc.integer({ min: 0x20, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    );
    const text = fc.string({ unit, maxLength: 12 });
    const value = goJsonValue(text, 4);
    // Through JSON first, as Go sees them: -0 becomes 0.
    const samples = fc.sample(value, 300).map((v) => JSON.parse(JSON.stringify(v)) as GoJson);
    expect(firstMismatch(samples, samples.map((v) => encodeGoJson(v)), oracle.run(samples))).toEqual([]);
  });
});

describe("encodeGoJson", () => {
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
