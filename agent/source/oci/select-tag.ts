/**
 * Chooses what an OCIRepository's `spec.ref` names, with Flux's precedence: digest > semver > tag, and
 * the tag `latest` when nothing is set. A semver range picks the highest tag that satisfies it, after the
 * optional `semverFilter` regexp drops tags that do not match; tags that are not versions are ignored.
 * Like Masterminds/semver (Flux's parser), a leading `v` and a missing minor or patch ("v1", "1.2") are
 * accepted, and the chosen tag is returned as it was written.
 */
import semver from "semver";

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

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The tag as a semver string ("v1.2" -> "1.2.0"), or undefined when it is not a version. */
export function tagVersion(tag: string): string | undefined {
  const m = VERSION.exec(tag);
  if (!m) return undefined;
  const v = `${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`;
  return semver.valid(v) ?? undefined;
}

/** The highest tag in the range, or undefined; throws when the range or the filter is invalid. */
export function pickSemverTag(tags: string[], range: string, filter?: string): string | undefined {
  const r = semver.validRange(range);
  if (r === null) throw new Error(`Cannot use the semver range "${range}": it is not a valid range`);
  let re: RegExp | undefined;
  if (filter) {
    try {
      re = new RegExp(filter);
    } catch (err) {
      throw new Error(`Cannot use the semverFilter "${filter}": it is not a valid regular expression`, { cause: err });
    }
  }
  let best: { tag: string; version: string } | undefined;
  for (const tag of tags) {
    if (re && !re.test(tag)) continue;
    const version = tagVersion(tag);
    if (!version || !semver.satisfies(version, r)) continue;
    if (!best || semver.gt(version, best.version) || (semver.eq(version, best.version) && tag > best.tag)) best = { tag, version };
  }
  return best?.tag;
}
