import { describe, expect, test } from "bun:test";
import { resolveChartUrl, resolveChartVersion } from "./chart-version.ts";
import { parseRepositoryIndex } from "./repository-index.ts";

// The versions source-controller's GetChartVersion test uses, with the same creation times for 0.1.5+*.
const entry = (version: string, created = "2026-01-01T12:00:00Z") =>
  `  - {name: chart, version: "${version}", urls: [chart-${version}.tgz], created: "${created}"}\n`;
const index = parseRepositoryIndex(
  "apiVersion: v1\nentries:\n  chart:\n" +
    ["0.0.1", "0.1.0", "0.1.1"].map((v) => entry(v)).join("") +
    entry("0.1.5+b.min.minute", "2026-01-01T11:59:00Z") +
    entry("0.1.5+a.min.hour", "2026-01-01T11:00:00Z") +
    entry("0.1.5+c.now", "2026-01-01T12:00:00Z") +
    ["0.2.0", "1.0.0", "1.1.0-rc.1", "1.2"].map((v) => entry(v)).join("") +
    "  empty: []\n",
);

describe("resolveChartVersion", () => {
  test.each([
    ["an exact version", "0.0.1", "0.0.1"],
    ["the newest stable version when none is asked for", "", "1.0.0"],
    ["the newest stable version for *", "*", "1.0.0"],
    ["the newest version in a range", "<1.0.0", "0.2.0"],
    ["the newest in a comma-separated range (AND)", ">=0.1.0, <0.2.0", "0.1.5+c.now"],
    ["the one created last of equal versions", "0.1.5", "0.1.5+c.now"],
    ["a pre-release when the range names one", ">=1.1.0-0", "1.1.0-rc.1"],
    ["a pre-release asked for exactly", "1.1.0-rc.1", "1.1.0-rc.1"],
    ["an exact two-part version as written in the index", "1.2", "1.2"],
    ["a tilde range", "~0.1.0", "0.1.5+c.now"],
    ["a caret range", "^0.1", "0.1.5+c.now"],
    ["an OR of ranges", "<0.1.0 || >0.2.0 <1.1.0", "1.0.0"],
    ["a pre-release only in the OR-group that names one", ">=1.1.0-0 <1.1.0 || <0.1.0", "1.1.0-rc.1"],
    // Masterminds' syntax that a translation into npm's `semver` read wrongly or refused:
    ["an AND with != (Masterminds only)", "<1.0.0, !=0.2.0", "0.1.5+c.now"],
    ["!= with a wildcard: another major", "!=0.x", "1.0.0"],
    ["Masterminds' =< operator", "=<0.1.1", "0.1.1"],
    ["Masterminds' => operator", "=>0.2.0 <1.0.0", "0.2.0"],
    ["a hyphen range whose end has no patch", "0.1.1 - 0.1", "0.1.5+c.now"],
  ])("picks %s", (_name, version, want) => {
    expect(resolveChartVersion(index, "chart", version).version).toBe(want);
  });
  test.each([
    ["a chart that is not in the index", "nginx", "", "no chart name found"],
    ["a chart without versions", "empty", "", "no chart version found"],
    ["a range nothing satisfies", "chart", ">2.0.0", "no 'chart' chart with version matching '>2.0.0' found"],
    ["a two-part version only as a range (Flux needs three parts)", "chart", ">=1.2.0", "no 'chart' chart with version matching '>=1.2.0' found"],
    ["an unparsable constraint", "chart", "one", `improper constraint: "one"`],
    ["an empty OR-group (npm's semver read it as *)", "chart", "<0.1.0 ||", `improper constraint: ""`],
  ])("refuses %s", (_name, chart, version, message) => {
    expect(() => resolveChartVersion(index, chart, version)).toThrow(message);
  });
  test("never picks a pre-release for a range without one, even when it is the newest", () => {
    expect(resolveChartVersion(index, "chart", ">=1.0.0").version).toBe("1.0.0");
  });
});

describe("resolveChartVersion among equal versions", () => {
  const equal = (versions: string) =>
    parseRepositoryIndex("apiVersion: v1\nentries:\n  chart:\n" + versions.split(" ").map((v) => entry(v)).join(""));
  test("of equal versions created at the same time, the one listed last wins (Flux's reversed stable sort)", () => {
    expect(resolveChartVersion(equal("2.0.0+a 2.0.0+b"), "chart").version).toBe("2.0.0+b");
    expect(resolveChartVersion(equal("2.0.0+b 2.0.0+a"), "chart").version).toBe("2.0.0+a");
  });
  test("a v prefix and leading zeros are read as Flux's ParseVersion reads them", () => {
    expect(resolveChartVersion(equal("v2025.02.03 2025.1.9"), "chart", ">=2025.2.0").version).toBe("v2025.02.03");
  });
});

describe("resolveChartUrl (Helm's ResolveReferenceURL cases)", () => {
  test.each([
    ["http://localhost:8123/", "/nginx-0.2.0.tgz", "http://localhost:8123/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts/", "nginx-0.2.0.tgz", "http://localhost:8123/charts/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts/", "/nginx-0.2.0.tgz", "http://localhost:8123/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts-with-no-trailing-slash", "nginx-0.2.0.tgz", "http://localhost:8123/charts-with-no-trailing-slash/nginx-0.2.0.tgz"],
    ["http://localhost:8123", "https://charts.helm.sh/stable/nginx-0.2.0.tgz", "https://charts.helm.sh/stable/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts%2fwith%2fescaped%2fslash", "nginx-0.2.0.tgz", "http://localhost:8123/charts%2fwith%2fescaped%2fslash/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts%2fwith%2fescaped%2fslash", "/nginx-0.2.0.tgz", "http://localhost:8123/nginx-0.2.0.tgz"],
    ["http://localhost:8123/charts?with=queryparameter", "nginx-0.2.0.tgz", "http://localhost:8123/charts/nginx-0.2.0.tgz?with=queryparameter"],
    ["http://localhost:8123/charts?with=queryparameter", "/nginx-0.2.0.tgz", "http://localhost:8123/nginx-0.2.0.tgz?with=queryparameter"],
  ])("%s + %s", (base, ref, want) => {
    expect(resolveChartUrl(base, ref)).toBe(want);
  });
});
