import { describe, expect, test } from "bun:test";
import { goExpand, goRegexp } from "./go-regexp.ts";

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

describe("goExpand (Go's Regexp.ExpandString over the leftmost match)", () => {
  const re = goRegexp("(?P<ts>[0-9]+)-(?P<x>[a-z]*)") as Exclude<ReturnType<typeof goRegexp>, Error>;
  // Expected values as go1.19's regexp returns them for the input "v123-ab".
  test.each([
    ["$ts", "123"],
    ["${ts}", "123"],
    ["$1x", ""],
    ["${1}x", "123x"],
    ["$$", "$"],
    ["$", "$"],
    ["${ts", "${ts"],
    ["$-", "$-"],
    ["$01", ""],
    ["$9", ""],
    ["$x.$ts", "ab.123"],
    ["a$", "a$"],
    ["${}", "${}"],
    ["$é", ""],
    ["$0", "123-ab"],
  ])("%s expands to %p", (template, want) => {
    expect(goExpand(re, template, "v123-ab")).toBe(want);
  });

  test("a group that did not take part expands to nothing", () => {
    const alt = goRegexp("(a)|(b)") as Exclude<ReturnType<typeof goRegexp>, Error>;
    expect(goExpand(alt, "[$1][$2]", "b")).toBe("[][b]");
  });

  test("is undefined when the pattern does not match", () => {
    expect(goExpand(re, "$ts", "no digits")).toBeUndefined();
  });
});
