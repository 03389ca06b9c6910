import { describe, expect, test } from "bun:test";
import { parseGoFloat } from "./go-parse-float.ts";

// Expected values as go1.19's strconv.ParseFloat(s, 64) returns them (undefined: Go returns an error).
describe("parseGoFloat reads numbers as Go's strconv.ParseFloat", () => {
  test.each([
    ["1606364286", 1606364286],
    ["-27.8520927455902", -27.8520927455902],
    ["1_000", 1000],
    ["0x1_0p0", 16],
    ["0x1p4", 16],
    ["0X1.8P1", 3],
    ["1e-400", 0],
    [".5", 0.5],
    ["5.", 5],
    ["1.5E+2", 150],
    ["00012", 12],
    ["inf", Infinity],
    ["+Inf", Infinity],
    ["-infinity", -Infinity],
  ])("%s is %d", (s, want) => {
    expect(parseGoFloat(s)).toBe(want);
  });

  test("NaN is a number to Go", () => {
    expect(parseGoFloat("NaN")).toBeNaN();
  });

  test.each(["0x10", "1e400", "-1e400", "infin", "+nan", "1e", "+.e1", "0b101", "1__0", "_1", "1_", "١", " 1", "1a", "b", "", ".", "-", "0x.p1"])(
    "%p is not a number to Go",
    (s) => {
      expect(parseGoFloat(s)).toBeUndefined();
    },
  );
});
