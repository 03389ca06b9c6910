// parseGoFloat and goExpand against Go itself: the go-strconv-regexp oracle (wasm/helm-template/oracles/)
// runs strconv.ParseFloat and Regexp.ExpandString on the same inputs; where it is not built, its recorded
// outputs stand in, and the test names say which.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { firstMismatch, GO_ORACLES, goOracle } from "../../test/support/go-oracle.ts";
import { parseGoFloat } from "./go-parse-float.ts";
import { goExpand, goRegexp } from "./go-regexp.ts";

type Input = { float: string } | { pattern: string; template: string; src: string };
type Output = { ok: boolean; value?: string } | { matched: boolean; out: string } | { error: string };

const oracle = goOracle("go-strconv-regexp");
const inputs = JSON.parse(GO_ORACLES["go-strconv-regexp"].inputs()) as Input[];

/** What rivulet gives for one input, in the oracle's output shape. */
function ours(input: Input): Output {
  if ("float" in input) {
    const f = parseGoFloat(input.float);
    return f === undefined ? { ok: false } : { ok: true, value: goFormat(f) };
  }
  const re = goRegexp(input.pattern);
  if (re instanceof Error) return { error: re.message };
  const out = goExpand(re, input.template, input.src);
  return { matched: out !== undefined, out: out ?? "" };
}

/** strconv.FormatFloat(f, 'g', -1, 64): the shortest digits, exponent form below 1e-4 and from 1e6. */
function goFormat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (Object.is(f, -0)) return "-0";
  const [mantissa, e] = f.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(f);
}

describe(`parseGoFloat and goExpand give what Go gives (${oracle.source})`, () => {
  test("the oracle is built where CI runs", () => {
    if (process.env.CI) expect({ built: oracle.built, path: oracle.binary }).toEqual({ built: true, path: oracle.binary });
  });
  test("every recorded input", () => {
    const expected = oracle.expected() as Output[];
    expect(expected.length).toBe(inputs.length);
    expect(firstMismatch(inputs, inputs.map(ours), expected)).toEqual([]);
  });
});

describe.skipIf(!oracle.built)("parseGoFloat against the live oracle", () => {
  test("random number-like texts", () => {
    const samples = fc.sample(fc.string({ unit: fc.constantFrom(..."0123456789._eE+-xXpPinfINFaAN"), maxLength: 10 }), 2000).map((float) => ({ float }));
    expect(firstMismatch(samples, samples.map(ours), oracle.run(samples))).toEqual([]);
  });
});
