import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatRevision, latestSemverTag, parseRevision, planRef, refPrefixes, sameRevision, selectRef } from "./ref.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const T = "c".repeat(40);

describe("planRef", () => {
  test.each([
    ["nothing set: branch master", undefined, { kind: "branch", branch: "master", refName: "refs/heads/master" }],
    ["an empty ref: branch master", {}, { kind: "branch", branch: "master", refName: "refs/heads/master" }],
    ["branch", { branch: "main" }, { kind: "branch", branch: "main", refName: "refs/heads/main" }],
    ["tag over branch", { tag: "v1", branch: "main" }, { kind: "tag", tag: "v1", refName: "refs/tags/v1" }],
    ["semver over tag", { semver: "^1", tag: "v1" }, { kind: "semver", range: "^1" }],
    ["name over semver", { name: "refs/pull/1/head", semver: "^1" }, { kind: "name", refName: "refs/pull/1/head" }],
    ["commit over name, upper case normalized", { commit: A.toUpperCase(), name: "refs/x" }, { kind: "commit", commit: A }],
    ["commit with branch", { commit: A, branch: "dev" }, { kind: "commit", commit: A, branch: "dev" }],
  ])("%s", (_, ref, plan) => {
    expect(planRef(ref)).toEqual(plan as never);
  });

  test("lists only the refs the plan needs", () => {
    expect(refPrefixes(planRef({ semver: "*" }))).toEqual(["refs/tags/"]);
    expect(refPrefixes(planRef({ commit: A }))).toEqual([]);
    expect(refPrefixes(planRef({ commit: A, branch: "x" }))).toEqual(["refs/heads/x"]);
  });
});

describe("selectRef", () => {
  const refs = [
    { name: "refs/heads/main", id: A },
    { name: "refs/heads/feature/x", id: B },
    { name: "refs/tags/v1.0.0", id: T, peeled: A },
    { name: "refs/tags/v1.1.0", id: B },
    { name: "refs/pull/9/head", id: B },
  ];
  test.each([
    [{ branch: "main" }, { want: A, commit: A, revision: `main@sha1:${A}` }],
    [{ branch: "feature/x" }, { want: B, commit: B, revision: `feature/x@sha1:${B}` }],
    [{ tag: "v1.0.0" }, { want: T, commit: A, revision: `v1.0.0@sha1:${A}` }],
    [{ semver: "1.x" }, { want: B, commit: B, revision: `v1.1.0@sha1:${B}` }],
    [{ semver: "<1.1.0" }, { want: T, commit: A, revision: `v1.0.0@sha1:${A}` }],
    [{ name: "refs/pull/9/head" }, { want: B, commit: B, revision: `refs/pull/9/head@sha1:${B}` }],
    [{ commit: B }, { want: B, commit: B, revision: `sha1:${B}` }],
    [{ commit: B, branch: "main" }, { want: B, commit: B, revision: `main@sha1:${B}` }],
  ])("%o gives Flux's revision", (ref, expected) => {
    expect(selectRef(planRef(ref), refs)).toMatchObject(expected);
  });

  test("a missing ref names the full ref", () => {
    expect(() => selectRef(planRef({ branch: "nope" }), refs)).toThrow('reference "refs/heads/nope" not found');
    expect(() => selectRef(planRef({ semver: ">=3" }), refs)).toThrow("no match found for semver: >=3");
  });
});

describe("semver over tags (Masterminds constraints, Flux's ParseVersion)", () => {
  test.each([
    [">=1.0.0 <2.0.0", ["v1.0.0", "v1.9.0", "v1.10.0", "v2.0.0"], "v1.10.0"],
    [">= 1.0, < 1.5", ["1.0.0", "1.4.9", "1.5.0"], "1.4.9"],
    ["^1.2", ["v1.1.0", "v1.2.5", "v1.3.0", "v2.0.0"], "v1.3.0"],
    ["~1.2", ["v1.2.0", "v1.2.9", "v1.3.0"], "v1.2.9"],
    ["*", ["v1.0.0", "v3.0.0-rc.1", "latest"], "v1.0.0"],
    [">=3.0.0-0", ["v3.0.0-rc.1", "v3.0.0-rc.2"], "v3.0.0-rc.2"],
    ["1.x", ["v2.0.0"], undefined],
    ["*", ["v01.02.03", "1.2.2"], "v01.02.03"],
    ["*", ["1.0.0-rc.1+build.5", "release-1.2.3", "1.2.3.4"], undefined],
    // What a translation into npm's `semver` got wrong:
    ["*", ["v1.0.0", "v1.2", "v2"], "v1.0.0"],
    [">=3.0.0-0", ["v3.0.0-rc.1", "v3.1.0-rc.1"], "v3.1.0-rc.1"],
    [">=1.0.0, !=1.5.0", ["v1.0.0", "1.4.9", "v1.5.0"], "1.4.9"],
    ["=>1.5", ["v1.4.0", "v1.5.0"], "v1.5.0"],
    ["<=1.4", ["v1.4.9", "v1.5.0"], "v1.4.9"],
    ["!=1.x", ["v1.9.0", "v2.1.0", "v0.1.0"], "v2.1.0"],
  ])("range %s over %j picks %s", (range, tags, best) => {
    expect(latestSemverTag(range, tags as string[])).toBe(best as string | undefined);
  });

  test("of equal versions the tag that sorts last by name wins, whatever the listing order", () => {
    expect(latestSemverTag("*", ["v1.0.0", "1.0.0+b", "1.0.0"])).toBe("v1.0.0");
    expect(latestSemverTag("*", ["1.0.0+b", "1.0.0"])).toBe("1.0.0+b");
  });

  test.each([
    ["!!", `semver parse error: improper constraint: "!!"`],
    ["<1.0.0 ||", `semver parse error: improper constraint: ""`],
  ])("the invalid range %p is an error with Masterminds' reason", (range, message) => {
    expect(() => latestSemverTag(range, ["v1.0.0"])).toThrow(message);
  });
});

describe("revisions", () => {
  const hex = fc.stringMatching(/^[0-9a-f]{40}$/);
  const name = fc.stringMatching(/^[a-zA-Z0-9._/-]{1,30}$/).filter((s) => !s.endsWith("/") && !s.startsWith("/"));
  test("parseRevision inverts formatRevision for any ref name and commit", () => {
    fc.assert(
      fc.property(fc.option(name, { nil: undefined }), hex, (n, c) => {
        const parsed = parseRevision(formatRevision(n, c));
        expect(parsed).toEqual(n === undefined ? { commit: c } : { name: n, commit: c });
      }),
    );
  });

  test("the legacy <name>/<sha> form equals the current form", () => {
    expect(sameRevision(`main/${A}`, `main@sha1:${A}`)).toBe(true);
    expect(sameRevision(`feature/x/${A}`, `feature/x@sha1:${A}`)).toBe(true);
    expect(sameRevision(`main@sha1:${A}`, `main@sha1:${B}`)).toBe(false);
    expect(sameRevision(`main@sha1:${A}`, `v1@sha1:${A}`)).toBe(false);
    expect(sameRevision(undefined, `main@sha1:${A}`)).toBe(false);
    expect(sameRevision(`sha1:${A}`, `sha1:${A}`)).toBe(true);
  });
});
