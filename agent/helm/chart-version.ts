/**
 * The choice of one chart version from a repository index, the way source-controller's
 * ChartRepository.GetChartVersion makes it. Versions and constraints are Masterminds/semver v3's
 * (core/semver-constraint.ts); on top of them come Flux's own rules:
 *
 * 1. a version that equals one in the index, character for character, is that one;
 * 2. otherwise the version is a constraint (`*` when empty), and only entries whose version has three
 *    dot-separated parts count (fluxcd/pkg/version.ParseVersion: `1.2` is skipped, `v1.2.3` is not);
 * 3. the newest matching version wins; of equal versions (they differ in build metadata), the one created
 *    last, and of those created at the same time the one listed last (what Flux's sort.SliceStable with
 *    a negated "less" does to equal elements: its insertion sort moves each one before the previous
 *    ones, for up to 20 matching versions).
 */
import { compareVersions, parseConstraint, parseFluxVersion, type Version } from "../core/semver-constraint.ts";
import type { IndexChartVersion, RepositoryIndex } from "./repository-index.ts";
import { getOwn } from "./own.ts";

/**
 * The chart version `version` selects among `name`'s entries (see the module comment). Errors use
 * source-controller's and Masterminds' wording.
 */
export function resolveChartVersion(index: RepositoryIndex, name: string, version = ""): IndexChartVersion {
  const versions = getOwn(index.entries, name);
  if (versions === undefined) throw new Error("no chart name found");
  if (versions.length === 0) throw new Error("no chart version found");
  if (version !== "") {
    const exact = versions.find((cv) => cv.version === version);
    if (exact) return exact;
  }
  const matches = parseConstraint(version === "" ? "*" : version);
  let best: { cv: IndexChartVersion; v: Version; created: number } | undefined;
  for (const cv of versions) {
    const v = parseFluxVersion(cv.version);
    if (v === undefined || !matches(v)) continue;
    const t = Date.parse(cv.created);
    // An entry without a readable creation time is Go's zero time: older than any other.
    const created = Number.isNaN(t) ? -Infinity : t;
    const order = best === undefined ? 1 : compareVersions(v, best.v);
    if (order > 0 || (order === 0 && created >= best!.created)) best = { cv, v, created };
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
