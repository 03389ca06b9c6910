import { describe, expect, test } from "bun:test";
import { DRIFT_MODE_ANNOTATION, driftAction, driftModeOf, type DriftAction, type DriftMode } from "./drift-mode.ts";
import type { Decision } from "./needs-apply.ts";

describe("drift modes", () => {
  test.each([
    [undefined, "enabled"],
    ["", "enabled"],
    ["enabled", "enabled"],
    ["warn", "warn"],
    ["disabled", "disabled"],
  ])("annotation %p means %p", (v, want) => {
    expect(driftModeOf({ metadata: { annotations: v === undefined ? {} : { [DRIFT_MODE_ANNOTATION]: v } } })).toBe(want as DriftMode);
  });

  test("an unknown mode is an error naming the allowed values", () => {
    expect(() => driftModeOf({ metadata: { annotations: { [DRIFT_MODE_ANNOTATION]: "off" } } })).toThrow(
      'Cannot read the drift mode: annotation rivulet.dev/drift-detection is "off", expected enabled, warn or disabled',
    );
  });

  test.each<[Decision, DriftMode, boolean, DriftAction]>([
    ["no", "enabled", true, "skip"],
    ["no", "warn", false, "skip"],
    ["desired-changed", "enabled", true, "apply"],
    ["desired-changed", "warn", true, "apply"],
    ["desired-changed", "disabled", true, "apply"],
    ["live-drifted", "enabled", true, "apply"],
    ["live-drifted", "warn", true, "report"],
    ["live-drifted", "disabled", true, "skip"],
    ["unknown", "enabled", true, "apply"],
    ["unknown", "warn", false, "apply"],
    ["unknown", "warn", true, "report"],
    ["unknown", "disabled", false, "apply"],
    ["unknown", "disabled", true, "skip"],
  ])("%s in mode %s (revision applied: %p) -> %s", (d, mode, revisionApplied, want) => {
    expect(driftAction(d, mode, { revisionApplied })).toBe(want);
  });
});
