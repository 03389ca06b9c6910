import { describe, expect, test } from "bun:test";
import type { Chart } from "../helm/chart.ts";
import { chartWithSourceRevision } from "./helm-release-chart-revision.ts";

const HEX = "4e5cbb7b97d00a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899a";
const chart = (version: string): Chart => ({ metadata: { apiVersion: "v2", name: "web", version }, templates: [], crds: [], values: {}, files: [], dependencies: [] });

describe("helm-controller's chart digest tracking", () => {
  test.each([
    ["an OCIRepository tag", "OCIRepository", "6.0.0", `6.0.0@sha256:${HEX}`, "6.0.0+4e5cbb7b97d0", `sha256:${HEX}`],
    ["an OCI tag with _ for +", "OCIRepository", "6.0.0+build.1", `6.0.0_build.1@sha256:${HEX}`, "6.0.0+4e5cbb7b97d0", `sha256:${HEX}`],
    ["a digest-only OCIRepository revision", "OCIRepository", "6.0.0", `sha256:${HEX}`, "6.0.0+4e5cbb7b97d0", `sha256:${HEX}`],
    ["a tag that is not a version", "OCIRepository", "6.0.0", `latest@sha256:${HEX}`, "6.0.0+4e5cbb7b97d0", `latest@sha256:${HEX}`],
    ["an ExternalArtifact revision with a digest", "ExternalArtifact", "1.2.0", `1.2.0@sha256:${HEX}`, "1.2.0+4e5cbb7b97d0", `sha256:${HEX}`],
    ["an ExternalArtifact version revision", "ExternalArtifact", "1.2.0", "1.2.0", "1.2.0", undefined],
    ["a HelmChart", "HelmChart", "1.2.0", "1.2.0+3", "1.2.0", undefined],
  ])("%s", (_name, kind, version, revision, wantVersion, wantDigest) => {
    const original = chart(version);
    const got = chartWithSourceRevision(original, kind, revision);
    expect([got.chart.metadata.version, got.ociDigest]).toEqual([wantVersion, wantDigest]);
    expect(original.metadata.version).toBe(version);
  });

  test.each([
    ["a tag of another version", "6.0.0", `6.1.0@sha256:${HEX}`, "artifact revision 6.1.0 does not match chart version 6.0.0"],
    ["a digest too short", "6.0.0", "6.0.0@sha256:abc", "invalid artifact revision sha256:abc"],
    ["a chart version that is not semver", "latest", `latest@sha256:${HEX}`, "invalid chart version latest"],
  ])("%s is refused with ChartMutateError", (_name, version, revision, message) => {
    expect(() => chartWithSourceRevision(chart(version), "OCIRepository", revision)).toThrow(message);
    try {
      chartWithSourceRevision(chart(version), "OCIRepository", revision);
    } catch (err) {
      expect(err).toMatchObject({ kind: "terminal", reason: "ChartMutateError" });
    }
  });
});
