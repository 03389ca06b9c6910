import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { encodeYamlV2, sortedYamlV2 } from "./go-yaml-v2.ts";
import { goFloat } from "./go-yaml-v2-scalar.ts";
import { firstMismatch, GO_ORACLES, goJsonKey, goJsonValue, goOracle } from "../../test/support/go-oracle.ts";

// Values (random ones from fast-check and hand-picked hard ones) in testdata/go-yaml-v2/values.json, and
// the text go-yaml v2.4 writes for them as Flux hashes values: the go-yaml-v2 oracle's output
// (wasm/helm-template/oracles/go-yaml-v2), run live, or its recording where the oracle is not built.
const oracle = goOracle("go-yaml-v2");
const values = JSON.parse(GO_ORACLES["go-yaml-v2"].inputs()) as Array<Record<string, unknown>>;
const expected = oracle.expected() as string[];

test("the go-yaml-v2 oracle is built wherever CI runs the tests", () => {
  if (process.env.CI) expect({ built: oracle.built, path: oracle.binary }).toEqual({ built: true, path: oracle.binary });
});

describe(`encodeYamlV2 writes what go-yaml v2 writes (${oracle.source})`, () => {
  test("the oracle answers every value", () => {
    expect(expected.length).toBe(values.length);
  });
  test("the values need quoting, folding, literal blocks, escapes and '?' keys", () => {
    const all = expected.join("");
    for (const marker of ["'", '"', "|-", "|2", "\\U000", "\n? ", "{}", "[]", "e+", "e-", "\n    "]) expect(all).toContain(marker);
  });
  test.each(values.map((v, i) => [i, v] as const))("value %i", (i, value) => {
    expect(encodeYamlV2(sortedYamlV2(value))).toBe(expected[i]!);
  });
});

describe.skipIf(!oracle.built)("encodeYamlV2 against the go-yaml-v2 oracle", () => {
  test("the recorded outputs are what the oracle writes (npm run record:oracles rewrites them)", () => {
    expect(oracle.recorded()).toEqual(expected);
  });
  test("generated values encode as go-yaml v2 encodes them (property)", () => {
    // Pieces that change how go-yaml writes a scalar: indicators, YAML 1.1 words, numbers, spaces and
    // line breaks (folding past column 80, literal blocks), escapes, code points past U+FFFF.
    const piece = fc.oneof(
      fc.constantFrom(" ", "  ", "\n", "\t", ": ", "#", "- ", "'", '"', "\\", "~", "null", "yes", "No", "on", "1.5", "0x1F", "1e3", ".inf", "2024-01-02", "<<", "&a", "*a", "!", "%", "@", "`", "|", ">", "{", "[", ",", "\u0085", "\u00a0", "\u2028", "\u0000", "\u001b", "\ufeff", "é", "𝕯", "\ud800"),
      fc.constantFrom("word", "lorem ipsum dolor sit amet", "x".repeat(40)),
      fc.integer({ min: 0x20, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    );
    const text = fc.array(piece, { maxLength: 10 }).map((p) => p.join(""));
    const value = goJsonValue(text);
    // Through JSON first, as Go reads them: -0 becomes 0. No empty map: the oracle writes "" for it, as
    // Flux hashes nothing for no values (configDigest's own case).
    const samples = fc.sample(fc.dictionary(goJsonKey(text), value, { minKeys: 1, maxKeys: 4 }), 300).map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>);
    expect(firstMismatch(samples, samples.map((v) => encodeYamlV2(sortedYamlV2(v))), oracle.run(samples))).toEqual([]);
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
