import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareVersions, formatVersion, parseConstraint, parseFluxVersion, parseStrictVersion, parseVersion } from "./semver-constraint.ts";

const satisfies = (constraint: string, version: string) => parseConstraint(constraint)(parseVersion(version)!);

describe("parseVersion", () => {
  test.each([
    ["1.2.3", "1.2.3"],
    ["v1.2.3", "1.2.3"],
    ["1.2", "1.2.0"],
    ["v1", "1.0.0"],
    ["1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5"],
  ])("reads %p loosely as %p", (input, printed) => {
    expect(formatVersion(parseVersion(input)!)).toBe(printed);
  });

  test.each(["", "1.2.3.4", "a.b.c", "1.2.3-rc.01", "1.2.3_build"])("refuses %p", (input) => {
    expect(parseVersion(input)).toBeUndefined();
  });

  test.each([["1.2.3", true], ["v1.2.3", false], ["1.2", false], ["01.2.3", false], ["1.2.3+b", true]] as const)("strictly, %p is a version: %p", (input, ok) => {
    expect(parseStrictVersion(input) !== undefined).toBe(ok);
  });
});

describe("parseFluxVersion (fluxcd/pkg/version.ParseVersion)", () => {
  test.each([
    ["v1.2.3", "1.2.3"],
    ["v2025.02.03-rc.1", "2025.2.3-rc.1"],
    ["1.0.0-rc.1+build.5", "1.0.0-rc.1+build.5"],
    // SplitN counts the dots of the prerelease too: three parts, then NewVersion reads it loosely.
    ["1-rc.1.2", "1.0.0-rc.1.2"],
    ["1.2", undefined],
    ["v2", undefined],
    ["1.2.3.4", undefined],
    ["release-1.2.3", undefined],
  ])("reads %p as %p", (input, printed) => {
    const v = parseFluxVersion(input);
    expect(v && formatVersion(v)).toBe(printed);
  });
});

describe("compareVersions follows semver precedence", () => {
  test.each([
    ["1.0.0-alpha", "1.0.0-alpha.1"],
    ["1.0.0-alpha.1", "1.0.0-alpha.beta"],
    ["1.0.0-alpha.beta", "1.0.0-beta"],
    ["1.0.0-beta.2", "1.0.0-beta.11"],
    ["1.0.0-rc.1", "1.0.0"],
    ["1.9.0", "1.10.0"],
  ])("%p < %p", (a, b) => {
    expect(compareVersions(parseVersion(a)!, parseVersion(b)!)).toBe(-1);
    expect(compareVersions(parseVersion(b)!, parseVersion(a)!)).toBe(1);
  });

  test("build metadata does not count", () => {
    expect(compareVersions(parseVersion("1.0.0+a")!, parseVersion("1.0.0+b")!)).toBe(0);
  });

  test("is a total order that agrees with printing and reading back", () => {
    const version = fc.record({
      major: fc.nat(30), minor: fc.nat(30), patch: fc.nat(30),
      pre: fc.constantFrom("", "rc.1", "rc.2", "alpha", "alpha.1", "beta.11"), build: fc.constant(""),
    });
    fc.assert(fc.property(version, version, (a, b) => {
      const ab = compareVersions(a, b);
      expect(compareVersions(b, a)).toBe(-ab || 0);
      expect(compareVersions(parseVersion(formatVersion(a))!, a)).toBe(0);
    }));
  });
});

describe("parseConstraint as Masterminds/semver v3", () => {
  // The cases of Masterminds' README and constraints_test.go, checked one by one against its rules.
  test.each([
    ["1.2.3", "1.2.3", true],
    ["1.2.3", "1.2.4", false],
    ["=1.2", "1.2.9", true],
    ["=1.2", "1.3.0", false],
    ["!=4.1", "4.2.0", true],
    ["!=4.1", "4.1.5", false],
    ["!=4.x", "5.0.0", true],
    ["!=4.x", "4.9.0", false],
    [">1.2", "1.2.5", false],
    [">1.2", "1.3.0", true],
    [">1", "1.9.0", false],
    [">1", "2.0.0", true],
    ["<=1.2", "1.2.9", true],
    ["<=1.2", "1.3.0", false],
    ["<1.2", "1.1.9", true],
    ["<1.2", "1.2.0", false],
    [">= 1.2, < 3.0.0", "2.9.9", true],
    [">= 1.2, < 3.0.0", "3.0.0", false],
    [">=1.2 <3", "2.0.0", true],
    ["1.2 - 1.4.5", "1.4.5", true],
    ["1.2 - 1.4.5", "1.4.6", false],
    ["2.3.4 - 4.5", "4.5.9", true],
    ["1.2.x", "1.2.7", true],
    ["1.2.x", "1.3.0", false],
    ["*", "9.9.9", true],
    ["*", "1.0.0-rc.1", false],
    ["~1.2.3", "1.2.9", true],
    ["~1.2.3", "1.3.0", false],
    ["~1", "1.9.0", true],
    ["~1", "2.0.0", false],
    ["~>1.2", "1.2.4", true],
    ["^1.2.3", "1.9.0", true],
    ["^1.2.3", "2.0.0", false],
    ["^1.2.3", "1.2.2", false],
    ["^0.2.3", "0.2.9", true],
    ["^0.2.3", "0.3.0", false],
    ["^0.0.3", "0.0.3", true],
    ["^0.0.3", "0.0.4", false],
    ["^0", "0.9.0", true],
    ["^0", "1.0.0", false],
    ["^0.0", "0.0.9", true],
    ["^0.0", "0.1.0", false],
    ["^1.x", "1.9.0", true],
    [">=1.0.0", "1.1.0-rc.1", false],
    [">=1.0.0-0", "1.1.0-rc.1", true],
    [">=1.1.0-rc.1", "1.1.0-rc.2", true],
    ["^1.0.0-rc.1 || >=3", "1.0.0-rc.2", true],
    ["^1.0.0 || >=3.0.0-0", "1.0.1-rc.2", false],
    ["<1 || >2", "3.0.0", true],
    ["<1 || >2", "1.5.0", false],
    ["v1.2.3", "1.2.3", true],
  ] as const)("%p with %p: %p", (constraint, version, ok) => {
    expect(satisfies(constraint, version)).toBe(ok);
  });

  test.each([
    ["", `improper constraint: ""`],
    ["foo", `improper constraint: "foo"`],
    [">= 1.2 ||", `improper constraint: ""`],
    ["1.2.3.4", `improper constraint: "1.2.3.4"`],
    ["1x.2", "constraint parser error"],
  ])("refuses %p with %p", (constraint, message) => {
    expect(() => parseConstraint(constraint)).toThrow(message);
  });
});
