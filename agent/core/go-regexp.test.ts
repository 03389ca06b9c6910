import { describe, expect, test } from "bun:test";
import { goRegexp } from "./go-regexp.ts";

describe("goRegexp (Go's RE2, not JavaScript's RegExp)", () => {
  test.each([
    ["^(data|stringData)$", "stringData", true],
    ["(?i)^DATA$", "data", true],
    ["(?P<key>pass)word", "a password", true],
    ["\\pL+\\z", "abc", true],
    ["\\z", "end", true],
    ["^\\d+$", "12a", false],
  ])("%s on %s is %s (an unanchored find, as MatchString)", (expr, input, want) => {
    const re = goRegexp(expr);
    if (re instanceof Error) throw re;
    expect(re.test(input)).toBe(want);
  });

  test.each(["(?=a)b", "(a)\\1", "(?<!x)y"])("%s is refused as Go refuses it (JavaScript would accept it)", (expr) => {
    expect(() => new RegExp(expr)).not.toThrow();
    expect(goRegexp(expr)).toBeInstanceOf(Error);
  });
});
