import { describe, expect, test } from "bun:test";
import { compareGoStrings, compileFilter, compilePolicy, type PolicySpec } from "./policy.ts";

/** The latest tag, or the error text, for a spec over tags; throws when the spec does not compile. */
function latest(spec: PolicySpec, tags: string[]): string {
  const policy = compilePolicy(spec);
  if (!policy.ok) throw new Error(policy.message);
  const result = policy.latest(tags);
  return result.ok ? result.tag : `error: ${result.message}`;
}
const semver = (range: string): PolicySpec => ({ policy: { semver: { range } } });
const alphabetical = (order?: "asc" | "desc"): PolicySpec => ({ policy: { alphabetical: order ? { order } : {} } });
const numerical = (order?: "asc" | "desc"): PolicySpec => ({ policy: { numerical: order ? { order } : {} } });
/** A shuffled copy, so no result depends on the order tags are listed in. */
const shuffled = (tags: string[]): string[] => tags.map((t) => [Math.random(), t] as const).sort(([a], [b]) => a - b).map(([, t]) => t);

const ubuntu = ["16.04", "16.04.1", "16.10", "20.04", "20.10"];
const codenames = ["xenial", "yakkety", "zesty", "artful", "bionic"];
const stamps = ["1606234201", "1606364286", "1606334092", "1606334284", "1606334201"];
const rfc3339 = ["2021-01-08T21-18-21Z", "2020-05-08T21-18-21Z", "2021-01-08T19-20-00Z", "1990-01-08T00-20-00Z", "2023-05-08T00-20-00Z"];

describe("semver policy", () => {
  test.each([
    ["1.0.x", ["1.0.0", "1.0.0.1", "1.0.0p", "1.0.1", "1.2.0", "0.1.0"], "1.0.1"],
    ["1.0.x", ["v1.2.3", "v1.0.0", "v0.1.0"], "v1.0.0"],
    [">=1.0.0", ["1.0.0", "2.0.0-rc.1", "1.5.0"], "1.5.0"],
    [">=1.0.0-0", ["1.0.0", "2.0.0-rc.1", "1.5.0"], "2.0.0-rc.1"],
    ["^1.x", ["v1.2", "1.9.0", "1.10.0", "2.0.0"], "1.10.0"],
    ["*", ["1.0.0", "v1.0.0", "0.9.0"], "1.0.0"],
    ["1.0.x", ["b1.2.3", "b1.0.0", "b0.1.0"], "error: unable to determine latest version from provided list"],
    ["1.0.x", ["1.2.0"], "error: unable to determine latest version from provided list"],
    ["1.0.x", [], "error: version list argument cannot be empty"],
  ])("range %s over %j is %s", (range, tags, want) => {
    expect(latest(semver(range), tags)).toBe(want);
  });

  test.each(["1.0.x", "^1.0", "=1.0.0", "~1.0", ">=1.0", ">0,<2.0"])("accepts the range %s", (range) => {
    expect(compilePolicy(semver(range)).ok).toBe(true);
  });

  test.each([
    ["1.0.0p", 'invalid policy: improper constraint: "1.0.0p"'],
    ["1x", "invalid policy: constraint parser error"],
    ["x1", "invalid policy: constraint parser error"],
    ["-1", 'invalid policy: improper constraint: "-1"'],
    ["a", 'invalid policy: improper constraint: "a"'],
    ["", 'invalid policy: improper constraint: ""'],
  ])("refuses the range %p: %s", (range, message) => {
    expect(compilePolicy(semver(range))).toEqual({ ok: false, message });
  });
});

describe("alphabetical policy", () => {
  test.each([
    [ubuntu, undefined, "20.10"],
    [ubuntu, "desc", "16.04"],
    [codenames, "asc", "zesty"],
    [codenames, "desc", "artful"],
    [stamps, undefined, "1606364286"],
    [stamps, "desc", "1606234201"],
    [stamps.map((s) => `rel-${s}`), undefined, "rel-1606364286"],
    [rfc3339, undefined, "2023-05-08T00-20-00Z"],
    [rfc3339, "desc", "1990-01-08T00-20-00Z"],
    [["B", "a", "Z"], "asc", "a"],
    [[], undefined, "error: version list argument cannot be empty"],
  ] as const)("%j %s is %s", (tags, order, want) => {
    expect(latest(alphabetical(order), shuffled([...tags]))).toBe(want);
  });

  test("orders by UTF-8 bytes as Go does, not by UTF-16 units", () => {
    // U+FF5E is one UTF-16 unit above a surrogate pair's first unit, but U+1F600 has the larger code point.
    expect(latest(alphabetical("asc"), ["\uff5e", "\u{1f600}"])).toBe("\u{1f600}");
    expect(compareGoStrings("\u{1f600}", "\uff5e")).toBe(1);
    expect(["\u{1f600}", "\uff5e"].sort()).toEqual(["\u{1f600}", "\uff5e"]); // JavaScript's own order differs
  });

  test("refuses an order Flux does not know, naming it as Flux does", () => {
    expect(compilePolicy({ policy: { alphabetical: { order: "up" as "asc" } } })).toEqual({
      ok: false,
      message: "invalid policy: invalid order argument provided: 'UP', must be one of: ASC, DESC",
    });
  });
});

describe("numerical policy", () => {
  test.each([
    [["-62", "-88", "73", "72", "15", "16", "15", "29", "-33", "-91"], undefined, "73"],
    [["5", "-8", "-78", "25", "70", "-4", "80", "92", "-20", "-24"], "desc", "-78"],
    [["47.40896403322944", "-27.8520927455902", "-27.930666514224427", "53.47333823144817", "3.2008658570411086"], "asc", "53.47333823144817"],
    [["-65.27202780220686", "57.82948329142309", "-90.29082099756083", "-12.041712603564264"], "desc", "-90.29082099756083"],
    [stamps, undefined, "1606364286"],
    [stamps, "desc", "1606234201"],
    [["1"], undefined, "1"],
    [["1"], "desc", "1"],
    [["9", "10", "1e2", "0x1p4"], "asc", "1e2"],
    [[], undefined, "error: version list argument cannot be empty"],
  ] as const)("%j %s is %s", (tags, order, want) => {
    expect(latest(numerical(order), shuffled([...tags]))).toBe(want);
  });

  test("one tag that is not a number fails the list, with Flux's message", () => {
    expect(latest(numerical(), ["0", "1a", "b"])).toBe("error: failed to parse invalid numeric value '1a'");
  });
});

describe("filterTags", () => {
  const tags = ["123-123.123.abcd123-debug", "123-123.123.abcd123", "123-123.123.abcd456-debug", "123-123.123.abcd456"];
  const [d1 = "", r1 = "", d2 = "", r2 = ""] = tags;
  test.each([
    ["no pattern keeps every tag", {}, ["a"], ["a"]],
    ["a pattern keeps what it matches anywhere", { pattern: "^ver" }, ["ver1", "ver2", "ver3", "rel1"], ["ver1", "ver2", "ver3"]],
    ["extract by number", { pattern: "ver(\\d+)", extract: "$1" }, ["ver1", "ver2", "ver3", "rel1"], ["1", "2", "3"]],
    ["a pattern with a group", { pattern: "^(123-[0-9]+\\.[0-9]+\\.[a-z0-9]+-debug)" }, tags, [d1, d2]],
    ["extract by name", { pattern: "^(?P<tag>123-[0-9]+\\.[0-9]+\\.[a-z0-9]+[^-debug])", extract: "$tag" }, tags, [r1, r2]],
    ["extract by name anchored", { pattern: "^(?P<tag>123-[0-9]+\\.[0-9]+\\.[a-z0-9]+$)", extract: "${tag}" }, tags, [r1, r2]],
  ])("%s", (_name, filterTags, input, kept) => {
    const filter = compileFilter(filterTags);
    if (!filter.ok) throw new Error(filter.message);
    expect([...filter.apply(input).keys()].sort()).toEqual(kept);
  });

  test("compares the extracted value and reports the original tag (Flux's documented timestamp example)", () => {
    const spec: PolicySpec = { filterTags: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract: "$ts" }, policy: { numerical: { order: "asc" } } };
    expect(latest(spec, ["main-abc123-1700000009", "main-ffee00-1700000100", "dev-aaa-1800000000", "main-0a0a0a-999"])).toBe("main-ffee00-1700000100");
  });

  test("semver over extracted versions", () => {
    const spec: PolicySpec = { filterTags: { pattern: "^app-(?P<v>.*)$", extract: "$v" }, policy: { semver: { range: ">=1.0.0" } } };
    expect(latest(spec, ["app-1.2.0", "app-1.10.0", "other-9.9.9"])).toBe("app-1.10.0");
  });

  test("of tags giving the same value, the one listed last is reported", () => {
    const spec: PolicySpec = { filterTags: { pattern: "-(?P<n>[0-9]+)$", extract: "$n" }, policy: { numerical: {} } };
    expect(latest(spec, ["a-5", "b-5", "c-3"])).toBe("b-5");
  });

  test("a filter that keeps nothing leaves the rule an empty list", () => {
    expect(latest({ filterTags: { pattern: "^nope" }, policy: { alphabetical: {} } }, ["a", "b"])).toBe("error: version list argument cannot be empty");
  });

  test.each([
    ["(", "failed to filter tags: invalid regular expression pattern '(': error parsing regexp: missing closing ): `(`"],
    ["a**", "failed to filter tags: invalid regular expression pattern 'a**': error parsing regexp: invalid nested repetition operator: `**`"],
    ["(?=x)y", "failed to filter tags: invalid regular expression pattern '(?=x)y': error parsing regexp: invalid or unsupported Perl syntax: `(?=`"],
  ])("refuses the pattern %s with Go's message", (pattern, message) => {
    expect(compilePolicy({ policy: { alphabetical: {} }, filterTags: { pattern } })).toEqual({ ok: false, message });
  });
});

describe("compilePolicy", () => {
  test("without a rule is Flux's invalid choice", () => {
    expect(compilePolicy({ policy: {} })).toEqual({ ok: false, message: "invalid policy: given ImagePolicyChoice object is invalid" });
  });
  test("semver wins over alphabetical and numerical, as in Flux's factory", () => {
    expect(latest({ policy: { semver: { range: "<2.0.0" }, alphabetical: {}, numerical: {} } }, ["1.0.0", "3.0.0"])).toBe("1.0.0");
    expect(latest({ policy: { alphabetical: { order: "desc" }, numerical: {} } }, ["1", "2"])).toBe("1");
  });
  test("evaluates 10,000 tags in well under a second", () => {
    const tags = shuffled(Array.from({ length: 10_000 }, (_, i) => `1.0.${i}`));
    const policy = compilePolicy(semver("<1.0.5000"));
    if (!policy.ok) throw new Error(policy.message);
    const t0 = performance.now();
    const result = policy.latest(tags);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(result).toEqual({ ok: true, tag: "1.0.4999" });
  });
});
