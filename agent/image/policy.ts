/**
 * Which of an ImageRepository's tags an ImagePolicy names as the latest, with image-reflector-controller's
 * rules (internal/policy, read, not copied): `filterTags.pattern` keeps the tags a Go regexp matches and
 * `extract` turns each into the value compared (the last tag giving a value wins it); then exactly one
 * rule, in Flux's precedence semver > alphabetical > numerical:
 * - semver: tags read by Flux's ParseVersion, the highest in the Masterminds range wins, returned as
 *   listed (of equal versions the first listed);
 * - alphabetical: Go's byte order, asc takes the last, desc the first;
 * - numerical: Go's ParseFloat, asc takes the highest, desc the lowest; one tag that is not a number
 *   fails the whole list, as in Flux.
 * Error texts are Flux's. Pure: no I/O, linear in the number of tags.
 */
import { goExpand, goRegexp } from "../core/go-regexp.ts";
import { parseGoFloat } from "../core/go-parse-float.ts";
import { compareVersions, parseConstraint, parseFluxVersion, type Constraint, type Version } from "../core/semver-constraint.ts";
import type { ImagePolicySpec } from "../api/image-policy.ts";

/** The parts of a spec that choose a tag. */
export type PolicySpec = Pick<ImagePolicySpec, "policy" | "filterTags">;

/** A policy ready to run, or why it cannot be (Flux stalls with reason InvalidPolicy). */
export type CompiledPolicy =
  | { ok: true; latest: (tags: readonly string[]) => LatestTag }
  | { ok: false; message: string };

/** The chosen tag, or Flux's message for a list the rule cannot choose from (not ready, retried). */
export type LatestTag = { ok: true; tag: string } | { ok: false; message: string };

type Rule = (values: readonly string[]) => LatestTag;

const EMPTY: LatestTag = { ok: false, message: "version list argument cannot be empty" };

export function compilePolicy(spec: PolicySpec): CompiledPolicy {
  const rule = ruleOf(spec.policy);
  if (typeof rule === "string") return { ok: false, message: `invalid policy: ${rule}` };
  if (!spec.filterTags) return { ok: true, latest: (tags) => rule(tags) };
  const filter = compileFilter(spec.filterTags);
  if (!filter.ok) return filter;
  return {
    ok: true,
    latest: (tags) => {
      const original = filter.apply(tags);
      const latest = rule([...original.keys()]);
      return latest.ok ? { ok: true, tag: original.get(latest.tag)! } : latest;
    },
  };
}

/**
 * `filterTags` as Flux's RegexFilter: apply() maps each compared value to the tag it came from; a later
 * tag with the same value replaces the earlier one, as Flux's map does.
 */
export function compileFilter(
  filterTags: NonNullable<ImagePolicySpec["filterTags"]>,
): { ok: true; apply: (tags: readonly string[]) => Map<string, string> } | { ok: false; message: string } {
  const pattern = filterTags.pattern ?? "";
  const re = goRegexp(pattern);
  if (re instanceof Error) {
    return { ok: false, message: `failed to filter tags: invalid regular expression pattern '${pattern}': ${re.message}` };
  }
  const extract = filterTags.extract ?? "";
  return {
    ok: true,
    apply: (tags) => {
      const original = new Map<string, string>();
      for (const tag of tags) {
        const value = extract === "" ? (re.test(tag) ? tag : undefined) : goExpand(re, extract, tag);
        if (value !== undefined) original.set(value, tag);
      }
      return original;
    },
  };
}

/** The rule a policy names, or the error text of Flux's PolicerFromSpec. */
function ruleOf(policy: ImagePolicySpec["policy"]): Rule | string {
  if (policy.semver) {
    let range: Constraint;
    try {
      range = parseConstraint(policy.semver.range);
    } catch (err) {
      return (err as Error).message;
    }
    return (tags) => semverLatest(tags, range);
  }
  if (policy.alphabetical) {
    const order = orderOf(policy.alphabetical.order);
    return typeof order === "string" ? order : (tags) => alphabeticalLatest(tags, order);
  }
  if (policy.numerical) {
    const order = orderOf(policy.numerical.order);
    return typeof order === "string" ? order : (tags) => numericalLatest(tags, order);
  }
  return "given ImagePolicyChoice object is invalid";
}

type Order = { asc: boolean };

function orderOf(order: string | undefined): Order | string {
  const upper = (order ?? "").toUpperCase();
  if (upper === "" || upper === "ASC") return { asc: true };
  if (upper === "DESC") return { asc: false };
  return `invalid order argument provided: '${upper}', must be one of: ASC, DESC`;
}

function semverLatest(tags: readonly string[], range: Constraint): LatestTag {
  if (tags.length === 0) return EMPTY;
  let best: { tag: string; v: Version } | undefined;
  for (const tag of tags) {
    const v = parseFluxVersion(tag);
    if (v && range(v) && (!best || compareVersions(v, best.v) > 0)) best = { tag, v };
  }
  return best ? { ok: true, tag: best.tag } : { ok: false, message: "unable to determine latest version from provided list" };
}

function alphabeticalLatest(tags: readonly string[], { asc }: Order): LatestTag {
  if (tags.length === 0) return EMPTY;
  let best = tags[0]!;
  for (const tag of tags) {
    const c = compareGoStrings(tag, best);
    if (asc ? c > 0 : c < 0) best = tag;
  }
  return { ok: true, tag: best };
}

function numericalLatest(tags: readonly string[], { asc }: Order): LatestTag {
  if (tags.length === 0) return EMPTY;
  let latest = "";
  let previous = 0;
  for (const [i, tag] of tags.entries()) {
    const value = parseGoFloat(tag);
    if (value === undefined) return { ok: false, message: `failed to parse invalid numeric value '${tag}'` };
    // Flux's loop: a value replaces the latest unless it is strictly behind it, so NaN and ties move it.
    if (i > 0 && (asc ? value < previous : value > previous)) continue;
    latest = tag;
    previous = value;
  }
  return { ok: true, tag: latest };
}

/** Go compares strings by their UTF-8 bytes, which is code point order (JavaScript's is UTF-16 units). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
