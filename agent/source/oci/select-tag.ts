/**
 * Chooses what an OCIRepository's `spec.ref` names, with Flux's precedence: digest > semver > tag, and
 * the tag `latest` when nothing is set. A semver range is a Masterminds/semver v3 constraint
 * (core/semver-constraint.ts); on top of it come source-controller's getTagBySemver rules: the optional
 * `semverFilter` regexp first drops the tags it does not match, tags are read by Flux's ParseVersion
 * (three dot-separated parts, optional `v`; others are ignored), a Helm chart layer's tags have `_` read
 * as `+`, the highest version wins and the chosen tag is returned as it was listed. Of equal versions
 * (`1.0.0`, `v1.0.0`, `1.0.0_b`) the one listed first wins, as Go's sort leaves them for up to 12
 * matching tags (beyond that Go's order among equals is unspecified).
 */
import { compareVersions, parseConstraint, parseFluxVersion, type Constraint, type Version } from "../../core/semver-constraint.ts";
import { MEDIA } from "./media-types.ts";

export interface OciRef {
  tag?: string;
  semver?: string;
  semverFilter?: string;
  digest?: string;
}

export type RefChoice =
  | { kind: "digest"; digest: string }
  | { kind: "tag"; tag: string }
  | { kind: "semver"; range: string; filter?: string };

export function refChoice(ref: OciRef | undefined): RefChoice {
  if (ref?.digest) return { kind: "digest", digest: ref.digest };
  if (ref?.semver) return { kind: "semver", range: ref.semver, filter: ref.semverFilter };
  return { kind: "tag", tag: ref?.tag || "latest" };
}

/**
 * The highest tag in the range, or undefined; throws when the range or the filter is invalid.
 * `layerMediaType` is the layer selector's media type: Helm chart tags write a version's `+` as `_`.
 */
export function pickSemverTag(tags: string[], range: string, filter?: string, layerMediaType?: string): string | undefined {
  let matches: Constraint;
  try {
    matches = parseConstraint(range);
  } catch (err) {
    throw new Error(`Cannot use the semver range "${range}": ${(err as Error).message}`, { cause: err });
  }
  let re: RegExp | undefined;
  if (filter) {
    try {
      re = new RegExp(filter);
    } catch (err) {
      throw new Error(`Cannot use the semverFilter "${filter}": it is not a valid regular expression`, { cause: err });
    }
  }
  const helmChart = layerMediaType === MEDIA.helmChart;
  let best: { tag: string; v: Version } | undefined;
  for (const tag of tags) {
    if (re && !re.test(tag)) continue;
    const v = parseFluxVersion(helmChart ? tag.replaceAll("_", "+") : tag);
    if (!v || !matches(v)) continue;
    if (!best || compareVersions(v, best.v) > 0) best = { tag, v };
  }
  return best?.tag;
}
