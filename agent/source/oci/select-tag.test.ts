import { describe, expect, test } from "bun:test";
import { MEDIA } from "./media-types.ts";
import { pickSemverTag } from "./select-tag.ts";

// The tags of source-controller's getArtifactRef test: 6.2.1_ref.1234567 is 6.2.1+ref.1234567 as Helm tags it.
const podinfo = ["6.1.4", "6.1.5-rc.1", "6.1.5", "6.1.6-rc.1", "6.1.6", "6.2.1_ref.1234567", "6.2.1"];

describe("pickSemverTag (source-controller's getTagBySemver)", () => {
  test.each([
    ["~6.1.x", undefined, undefined, "6.1.6"],
    [">= 6.1.x-0", ".*-rc.*", undefined, "6.1.6-rc.1"],
    [">= 6.1.x-0", ".*-alpha.*", undefined, undefined],
    // Only a Helm chart layer reads `_` as `+`; of the two equal versions the one listed first wins.
    [">= 6.2.0", undefined, MEDIA.helmChart, "6.2.1_ref.1234567"],
    [">= 6.2.0", undefined, MEDIA.fluxContent, "6.2.1"],
    [">= 6.2.0", "_", undefined, undefined],
  ])("range %p, filter %p, layer %p picks %p", (range, filter, mediaType, want) => {
    expect(pickSemverTag(podinfo, range, filter, mediaType)).toBe(want);
  });

  test.each([
    // What a translation into npm's `semver` got wrong:
    ["*", ["v1.0.0", "v1.2", "v2"], "v1.0.0"],
    [">= 1.0, < 1.5", ["1.0.0", "1.4.9", "1.5.0"], "1.4.9"],
    [">=3.0.0-0", ["v3.0.0-rc.1", "v3.1.0-rc.1"], "v3.1.0-rc.1"],
    [">=1.0.0, !=1.5.0", ["v1.0.0", "1.4.9", "v1.5.0"], "1.4.9"],
    ["=>1.5", ["v1.4.0", "v1.5.0"], "v1.5.0"],
    ["!=1.x", ["v1.9.0", "v2.1.0", "v0.1.0"], "v2.1.0"],
    // Of equal versions the one listed first wins (Go's sort keeps them in order for up to 12).
    ["*", ["1.0.0", "v1.0.0"], "1.0.0"],
    ["*", ["v1.0.0", "1.0.0"], "v1.0.0"],
    ["*", ["latest", "main", "1.2.3.4"], undefined],
  ])("range %p over %j picks %p", (range, tags, want) => {
    expect(pickSemverTag(tags, range)).toBe(want);
  });

  test.each([
    ["not a range", undefined, `Cannot use the semver range "not a range": improper constraint: "not a range"`],
    ["<1.0.0 ||", undefined, `Cannot use the semver range "<1.0.0 ||": improper constraint: ""`],
    ["*", "(", `Cannot use the semverFilter "(": it is not a valid regular expression`],
  ])("range %p with filter %p fails: %s", (range, filter, message) => {
    expect(() => pickSemverTag(podinfo, range, filter)).toThrow(message);
  });
});
