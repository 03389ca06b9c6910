/**
 * Chart versions as Helm and Flux read them (Masterminds/semver v3), and the choice of one chart version
 * from a repository index the way source-controller's ChartRepository.GetChartVersion makes it:
 *
 * 1. a version that equals one in the index, character for character, is that one;
 * 2. otherwise the version is a constraint (`*` when empty), and the newest matching version wins; of equal
 *    versions, the one created last;
 * 3. only versions with three dot-separated parts count (Flux's version.ParseVersion), a leading `v` is
 *    allowed;
 * 4. pre-releases match only when the constraint's AND-group names a pre-release itself (`>=1.0.0-0`),
 *    as Masterminds v3 has it: `*` never picks a pre-release.
 *
 * Constraints go to the `semver` package after translating Masterminds' syntax (commas mean AND); the
 * known differences are Masterminds' `~1`/`^0.0` edge cases and `!=` with wildcards, as in
 * source/git/ref.ts.
 */
import semver from "semver";
import type { IndexChartVersion, RepositoryIndex } from "./repository-index.ts";
import { getOwn } from "./own.ts";

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/**
 * A version as Masterminds' NewVersion reads it (`loose`: "1.2" is 1.2.0) or as Flux's ParseVersion does
 * (three parts required), in the `semver` package's form; undefined when it is not a version.
 */
export function parseChartVersion(text: string, options: { loose?: boolean } = {}): semver.SemVer | undefined {
  if (!options.loose && text.split(".", 3).length !== 3) return undefined;
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const core = `${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}`;
  try {
    return new semver.SemVer(`${core}${m[4] ? `-${m[4]}` : ""}${m[5] ? `+${m[5]}` : ""}`);
  } catch {
    return undefined;
  }
}

/** A Masterminds constraint as a predicate; throws with Masterminds' wording when it cannot be parsed. */
export function chartVersionConstraint(constraint: string): (v: semver.SemVer) => boolean {
  const groups = constraint.split("||").map((group) => {
    const text = group.replace(/\s*,\s*/g, " ").trim();
    let range: semver.Range;
    try {
      range = new semver.Range(text === "" ? "*" : text, { loose: true });
    } catch (err) {
      throw new Error(`improper constraint: ${constraint}`, { cause: err });
    }
    // Masterminds admits pre-releases in an AND-group only when one of its versions is a pre-release.
    const withPre = /(^|[\s=<>~^])v?\d+(\.(\d+|[xX*]))*-[0-9A-Za-z]/.test(text);
    return (v: semver.SemVer) =>
      v.prerelease.length === 0 ? range.test(v) : withPre && semver.satisfies(v, range, { includePrerelease: true });
  });
  if (groups.length === 0) throw new Error(`improper constraint: ${constraint}`);
  return (v) => groups.some((g) => g(v));
}

/**
 * The chart version `version` selects among `name`'s entries (see the module comment). Errors use
 * source-controller's and Helm's wording.
 */
export function resolveChartVersion(index: RepositoryIndex, name: string, version = ""): IndexChartVersion {
  const versions = getOwn(index.entries, name);
  if (versions === undefined) throw new Error("no chart name found");
  if (versions.length === 0) throw new Error("no chart version found");
  if (version !== "") {
    const exact = versions.find((cv) => cv.version === version);
    if (exact) return exact;
  }
  const matches = chartVersionConstraint(version === "" ? "*" : version);
  let best: { cv: IndexChartVersion; v: semver.SemVer } | undefined;
  for (const cv of versions) {
    const v = parseChartVersion(cv.version);
    if (v === undefined || !matches(v)) continue;
    const order = best === undefined ? 1 : v.compare(best.v);
    if (order > 0 || (order === 0 && Date.parse(cv.created) > Date.parse(best!.cv.created))) best = { cv, v };
  }
  if (best === undefined) throw new Error(`no '${name}' chart with version matching '${version}' found`);
  return best.cv;
}

/**
 * Where a chart URL from the index points, as Helm's ResolveReferenceURL resolves it: an absolute URL as
 * it is; a relative one against the repository URL taken as a directory, keeping the repository URL's query.
 */
export function resolveChartUrl(repositoryUrl: string, ref: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) return ref;
  const base = new URL(repositoryUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/`;
  const resolved = new URL(ref, base);
  resolved.search = base.search;
  return resolved.toString();
}
