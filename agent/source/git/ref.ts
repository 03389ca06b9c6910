/**
 * Flux's GitRepository `spec.ref` semantics (reference/flux.md §1.1, §2.1): which field wins (commit >
 * name > semver > tag > branch; nothing set means branch `master`), which refs to list, which remote ref
 * is meant, and the revision string: `<branch>@sha1:<hex>`, `<tag>@sha1:<hex>` (also for semver, with the
 * tag's own name), `<full ref name>@sha1:<hex>` for `name`, `sha1:<hex>` for a commit alone and
 * `<branch>@sha1:<hex>` for a commit with a branch.
 *
 * Semver: as Flux (fluxcd/pkg git cloneSemVer), the range is a Masterminds/semver v3 constraint and
 * tags are read by Flux's ParseVersion (three dot-separated parts, optional `v`), both from
 * core/semver-constraint.ts. Of tags with equal versions (`v1.0.0`, `1.0.0`, `1.0.0+b`) Flux takes the
 * one whose commit is newest; the ref listing carries no commit times, so here the tag that sorts last by
 * name wins.
 */
import { compareVersions, parseConstraint, parseFluxVersion, type Constraint, type Version } from "../../core/semver-constraint.ts";

export interface GitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

export const DEFAULTS = {
  branch: "master",
} as const;

/** What to ask the server for: `kind` is the winning field. */
export type RefPlan =
  | { kind: "branch"; branch: string; refName: string }
  | { kind: "tag"; tag: string; refName: string }
  | { kind: "semver"; range: string }
  | { kind: "name"; refName: string }
  | { kind: "commit"; commit: string; branch?: string };

/** The remote object to fetch and what to call it. */
export interface SelectedRef {
  /** The object to `want`: a commit, or an annotated tag's tag object. */
  want: string;
  /** The commit the ref points at (peeled). */
  commit: string;
  /** The full ref name, e.g. refs/heads/main; absent for a commit alone. */
  refName?: string;
  revision: string;
}

function fail(msg: string): never {
  throw new Error(msg);
}

export function planRef(ref: GitRef | undefined): RefPlan {
  const r = ref ?? {};
  if (r.commit) {
    const commit = r.commit.toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(commit)) fail(`Cannot use the commit "${r.commit}": expected a full 40-character SHA-1`);
    return r.branch ? { kind: "commit", commit, branch: r.branch } : { kind: "commit", commit };
  }
  if (r.name) return { kind: "name", refName: r.name };
  if (r.semver) return { kind: "semver", range: r.semver };
  if (r.tag) return { kind: "tag", tag: r.tag, refName: `refs/tags/${r.tag}` };
  const branch = r.branch || DEFAULTS.branch;
  return { kind: "branch", branch, refName: `refs/heads/${branch}` };
}

/** The ls-refs prefixes this plan needs; an empty list means no ref listing is needed at all. */
export function refPrefixes(plan: RefPlan): string[] {
  switch (plan.kind) {
    case "branch":
    case "tag":
    case "name":
      return [plan.refName];
    case "semver":
      return ["refs/tags/"];
    case "commit":
      return plan.branch ? [`refs/heads/${plan.branch}`] : [];
  }
}

export interface ListedRef {
  name: string;
  id: string;
  peeled?: string;
}

/** Picks the remote ref for the plan; throws `reference "…" not found` (the caller adds the URL). */
export function selectRef(plan: RefPlan, refs: ListedRef[]): SelectedRef {
  const exact = (name: string): ListedRef => refs.find((r) => r.name === name) ?? fail(`reference "${name}" not found`);
  switch (plan.kind) {
    case "branch": {
      const r = exact(plan.refName);
      return { want: r.id, commit: r.peeled ?? r.id, refName: r.name, revision: formatRevision(plan.branch, r.peeled ?? r.id) };
    }
    case "tag": {
      const r = exact(plan.refName);
      return { want: r.id, commit: r.peeled ?? r.id, refName: r.name, revision: formatRevision(plan.tag, r.peeled ?? r.id) };
    }
    case "name": {
      const r = exact(plan.refName);
      return { want: r.id, commit: r.peeled ?? r.id, refName: r.name, revision: formatRevision(r.name, r.peeled ?? r.id) };
    }
    case "semver": {
      const best = latestSemverTag(plan.range, refs.filter((r) => r.name.startsWith("refs/tags/")).map((r) => r.name.slice(10)));
      if (best === undefined) fail(`no match found for semver: ${plan.range}`);
      const r = exact(`refs/tags/${best}`);
      return { want: r.id, commit: r.peeled ?? r.id, refName: r.name, revision: formatRevision(best, r.peeled ?? r.id) };
    }
    case "commit": {
      if (!plan.branch) return { want: plan.commit, commit: plan.commit, revision: formatRevision(undefined, plan.commit) };
      const r = exact(`refs/heads/${plan.branch}`);
      return { want: plan.commit, commit: plan.commit, refName: r.name, revision: formatRevision(plan.branch, plan.commit) };
    }
  }
}

/** `<name>@sha1:<hex>`, or `sha1:<hex>` without a name. */
export function formatRevision(name: string | undefined, commit: string): string {
  return name ? `${name}@sha1:${commit}` : `sha1:${commit}`;
}

/** Splits a revision in the current form or Flux's legacy `<name>/<hex>` form; undefined if neither. */
export function parseRevision(revision: string): { name?: string; commit: string } | undefined {
  let m = /^(?:(.+)@)?sha1:([0-9a-f]{40})$/.exec(revision);
  if (m) return m[1] ? { name: m[1], commit: m[2]! } : { commit: m[2]! };
  m = /^(.+)\/([0-9a-f]{40})$/.exec(revision);
  if (m) return { name: m[1]!, commit: m[2]! };
  if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision };
  return undefined;
}

/** Whether two revisions name the same ref and commit (legacy forms accepted on either side). */
export function sameRevision(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = parseRevision(a);
  const y = parseRevision(b);
  return Boolean(x && y && x.commit === y.commit && (x.name ?? "") === (y.name ?? ""));
}

/** The tag with the highest version satisfying `range`, or undefined. Throws on an invalid range. */
export function latestSemverTag(range: string, tags: string[]): string | undefined {
  let matches: Constraint;
  try {
    matches = parseConstraint(range);
  } catch (err) {
    throw new Error(`semver parse error: ${(err as Error).message}`, { cause: err });
  }
  let best: { tag: string; v: Version } | undefined;
  for (const tag of [...tags].sort()) {
    const v = parseFluxVersion(tag);
    if (!v || !matches(v)) continue;
    if (!best || compareVersions(v, best.v) >= 0) best = { tag, v };
  }
  return best?.tag;
}
