/**
 * helm-controller's chart digest tracking (on unless its DisableChartDigestTracking gate is set): a chart
 * from an OCIRepository, or from an ExternalArtifact whose revision holds a digest, gets the first 12 hex
 * of that digest as the build metadata of its version (`6.0.0` becomes `6.0.0+a1b2c3d4e5f6`), so a tag
 * pushed again with the same version still upgrades the release; the digest itself goes into
 * `history[].ociDigest`. A `<version>@<digest>` revision whose version is not the chart's is refused, as
 * helm-controller refuses it (ChartMutateError).
 */
import { TerminalError } from "../core/errors.ts";
import { compareVersions, formatVersion, parseVersion } from "../core/semver-constraint.ts";
import type { Chart } from "../helm/chart.ts";

/** The chart as released and the digest to record; the chart is a copy when its version changed. */
export function chartWithSourceRevision(chart: Chart, kind: string, revision: string): { chart: Chart; ociDigest?: string } {
  const tracked = kind === "OCIRepository" || (kind === "ExternalArtifact" && revision.includes(":"));
  if (!tracked) return { chart };
  const version = parseVersion(chart.metadata.version);
  const mutateError = (message: string) => new TerminalError("ChartMutateError", message);
  if (!version) throw mutateError(`invalid chart version ${chart.metadata.version}`);
  const at = revision.indexOf("@");
  // An OCI tag writes a version's `+` as `_`.
  const tagVersion = at >= 0 ? parseVersion(revision.slice(0, at).replaceAll("_", "+")) : parseVersion(revision);
  let digest: string;
  if (tagVersion) {
    const pair = revision.split("@");
    if (pair.length !== 2 || compareVersions(tagVersion, version) !== 0) {
      throw mutateError(`artifact revision ${pair[0]} does not match chart version ${chart.metadata.version}`);
    }
    digest = pair[1]!;
  } else {
    digest = revision;
  }
  const parts = digest.split(":");
  const hex = parts.length === 2 ? parts[1]! : "";
  if (hex.length < 12) throw mutateError(`invalid artifact revision ${digest}`);
  const tracedVersion = formatVersion({ ...version, build: hex.slice(0, 12) });
  return { chart: { ...chart, metadata: { ...chart.metadata, version: tracedVersion } }, ociDigest: digest };
}
