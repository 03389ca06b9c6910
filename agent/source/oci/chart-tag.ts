/**
 * Which tag of an OCI chart repository a reference and a version name, as Helm 4.2 decides it
 * (pkg/registry: ValidateReference, Tags, GetTagMatchingVersionOrConstraint; read, not copied):
 * - a version and a tag in the reference must agree; the reference's tag is the version when none is given;
 * - a digest in the reference wins (the version, if any, is checked against it by the caller);
 * - a version that reads as a version (`1.2.3`, `v1.2`) is the tag itself, with `+` written `_`;
 * - anything else (a range, or nothing: `*`) is matched against the repository's tags that are strict
 *   semver once `_` is read as `+`, newest first; an exact match wins over the range.
 * Error texts are Helm's, so a user sees what `helm template` would print.
 */
import { formatVersion, parseConstraint, parseStrictVersion, parseVersion, compareVersions } from "../../core/semver-constraint.ts";
import type { OciReference } from "./oci-reference.ts";

export type ChartTagChoice =
  /** Pull by digest; `checkTag`, when set, must resolve to the same digest if it exists. */
  | { kind: "digest"; digest: string; checkTag?: string }
  | { kind: "tag"; tag: string }
  /** List the tags and pick with `pickChartTag`. */
  | { kind: "range"; version: string };

/** The first half of Helm's ValidateReference: what to do before any request. */
export function chartTagChoice(ref: OciReference, version: string | undefined): ChartTagChoice {
  const wanted = version?.trim() ?? "";
  if (wanted !== "" && ref.tag && ref.tag !== wanted) throw new Error(`chart reference and version mismatch: ${wanted} is not ${ref.tag}`);
  const v = wanted || ref.tag || "";
  if (ref.digest) return v === "" ? { kind: "digest", digest: ref.digest } : { kind: "digest", digest: ref.digest, checkTag: ociTag(v) };
  if (parseVersion(v)) return { kind: "tag", tag: ociTag(v) };
  return { kind: "range", version: v };
}

/** OCI tags cannot hold `+`: Helm writes a version's build metadata after `_`. */
export function ociTag(version: string): string {
  return version.replaceAll("+", "_");
}

/** Helm's Tags(): the strict-semver tags with `_` read as `+`, newest first, as versions. */
export function chartVersions(tags: string[]): string[] {
  const versions = tags.flatMap((t) => {
    const v = parseStrictVersion(t.replaceAll("_", "+"));
    return v ? [v] : [];
  });
  return versions.sort((a, b) => compareVersions(b, a)).map(formatVersion);
}

/**
 * Helm's choice among a repository's tags: `ref` names the repository in the "no tags" error. Returns
 * the OCI tag to pull (with `_`).
 */
export function pickChartTag(tags: string[], version: string, ref: string): string {
  const versions = chartVersions(tags);
  if (versions.length === 0) throw new Error(`unable to locate any tags in provided repository: ${ref}`);
  if (version !== "" && versions.includes(version)) return ociTag(version);
  const satisfies = parseConstraint(version === "" ? "*" : version);
  const found = versions.find((v) => satisfies(parseVersion(v)!));
  if (found === undefined) throw new Error(`could not locate a version matching provided version string ${version}`);
  return ociTag(found);
}
