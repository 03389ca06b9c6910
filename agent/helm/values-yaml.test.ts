// Expected values follow go-yaml v2's resolve table and sigs.k8s.io/yaml's JSON conversion (Debian's
// gopkg.in/yaml.v2 and sigs.k8s.io/yaml sources), which Helm uses for values and Chart.yaml.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chartYamlStrings, formatFloat32, parseHelmYaml, resolvePlain } from "./values-yaml.ts";

describe("parseHelmYaml reads YAML 1.1 as Helm does", () => {
  const cases: Array<[string, string, unknown]> = [
    ["yes/no/on/off are bools", "a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: n\n", { a: true, b: false, c: true, d: false, e: true, f: false }],
    ["quoted and tagged scalars stay strings", "a: \"yes\"\nb: 'on'\nc: !!str 1\nd: |\n  0755\n", { a: "yes", b: "on", c: "1", d: "0755\n" }],
    ["ints in every base", "a: 0755\nb: 0x1F\nc: 0b101\nd: 1_000\ne: -0\nf: +12\ng: 0o17\n", { a: 493, b: 31, c: 5, d: 1000, e: 0, f: 12, g: 15 }],
    ["floats, and strings that only look numeric (08 is not octal, so it reads as the float 8)", "a: 1.5\nb: .5\nc: 1e3\nd: 1.2.3\ne: 08\nf: 0x\n", { a: 1.5, b: 0.5, c: 1000, d: "1.2.3", e: 8, f: "0x" }],
    ["timestamps stay text", "a: 2001-12-14\nb: 2001-12-14T21:59:43Z\n", { a: "2001-12-14", b: "2001-12-14T21:59:43Z" }],
    ["nulls", "a:\nb: ~\nc: Null\n", { a: null, b: null, c: null }],
    ["keys become strings", "1: a\ntrue: b\n1.5: c\n", { "1": "a", true: "b", "1.5": "c" }],
    ["aliases and merge keys", "base: &b {p: 1, q: 1}\nuse:\n  <<: *b\n  q: 2\n", { base: { p: 1, q: 1 }, use: { p: 1, q: 2 } }],
    ["a plain y key is the bool true, so its key is \"true\"", "y: 1\nx: 2\n", { true: 1, x: 2 }],
    ["only the first document counts", "a: 1\n---\nb: 2\n", { a: 1 }],
  ];
  for (const [name, text, want] of cases) test(name, () => expect(parseHelmYaml(text, "values.yaml")).toEqual(want));

  test("plain scalars named like Object's members stay strings", () => {
    expect(parseHelmYaml("a: toString\nb: constructor\n", "values.yaml")).toEqual({ a: "toString", b: "constructor" });
  });

  test("an empty file is undefined", () => {
    expect(parseHelmYaml("# nothing\n", "values.yaml")).toBeUndefined();
  });

  test("Chart.yaml's string fields turn numbers into Go's text of them", () => {
    const md = parseHelmYaml("name: 1\nversion: 1.0\nappVersion: 1.16\nkeywords: [1, 2.50]\ndependencies:\n- name: db\n  version: 2\n  tags: [3]\n", "Chart.yaml", chartYamlStrings);
    expect(md).toEqual({ name: "1", version: "1", appVersion: "1.16", keywords: ["1", "2.5"], dependencies: [{ name: "db", version: "2", tags: ["3"] }] });
  });

  test.each([
    ["a: [1", "Cannot parse values.yaml: "],
    ["a: .nan\n", "Cannot parse values.yaml: json: unsupported value: NaN"],
  ])("%j fails", (text, message) => {
    expect(() => parseHelmYaml(text, "values.yaml")).toThrow(message);
  });
});

// What sigs.k8s.io/yaml (Debian's, over go-yaml v2) printed for each document. A differential run of
// 70,000 random documents of numeric-looking and bool-looking scalars against it found no difference.
describe("documents as sigs.k8s.io/yaml reads them", () => {
  const cases: Array<[string, unknown]> = [
    ["a: 1_000.5\n", {"a": 1000.5}],
    ["a: +.5\n", {"a": 0.5}],
    ["a: -0x1F\n", {"a": -31}],
    ["a: 0b_101\n", {"a": 5}],
    ["a: 0o17\n", {"a": 15}],
    ["a: 1e400\n", {"a": "1e400"}],
    ["a: 9223372036854775808\n", {"a": 9223372036854776000}],
    ["a: 18446744073709551615\n", {"a": 18446744073709552000}],
    ["a: 18446744073709551616\n", {"a": 18446744073709552000}],
    ["a: 2001-12-14 21:59:43.10 -5\n", {"a": "2001-12-14 21:59:43.10 -5"}],
    ["a: 1:20\n", {"a": "1:20"}],
    ["a: Yes\n", {"a": true}],
    ["a: yES\n", {"a": "yES"}],
    ["a: .E3\n", {"a": ".E3"}],
    ["a: 1.\n", {"a": 1}],
    ["a: -.inf_\n", {"a": "-.inf_"}],
    ["0755: v\n", {"493": "v"}],
    ["1.50: v\n", {"1.5": "v"}],
    ["2e3: v\n", {"2000": "v"}],
  ];
  for (const [text, want] of cases) test(JSON.stringify(text), () => expect(parseHelmYaml(text, "t.yaml")).toEqual(want));
});

describe("Go number formatting", () => {
  test.each([
    [1, "1"],
    [1.16, "1.16"],
    [0.1, "0.1"],
    [1e8, "1e+08"],
    [123456, "123456"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [0.123456789, "0.12345679"],
    [-2.5, "-2.5"],
  ])("FormatFloat(%p, 'g', -1, 32) is %s", (f, want) => {
    expect(formatFloat32(f)).toBe(want);
  });

  test("any int64-range decimal resolves to its number", () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => {
      expect(resolvePlain(String(n))).toEqual({ kind: "int", value: n === 0 ? 0 : n });
    }));
  });
});
