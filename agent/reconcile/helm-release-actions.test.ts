import { describe, expect, test } from "bun:test";
import type { HelmReleaseSpec } from "../api/helm-release.ts";
import { renderInput, type ReleaseRun } from "./helm-release-actions.ts";

const validateValues = () => {};
const runWith = (spec: Partial<HelmReleaseSpec>) =>
  ({ hr: { metadata: { name: "web", namespace: "team" }, spec }, chart: { chart: {} }, values: {}, validateValues }) as unknown as ReleaseRun;

describe("values.schema.json validation follows the action being run", () => {
  test.each([
    ["neither disables it: install validates", {}, "install", true],
    ["neither disables it: upgrade validates", {}, "upgrade", true],
    ["install.disableSchemaValidation: install skips", { install: { disableSchemaValidation: true } }, "install", false],
    ["install.disableSchemaValidation: upgrade still validates", { install: { disableSchemaValidation: true } }, "upgrade", true],
    ["upgrade.disableSchemaValidation: upgrade skips", { upgrade: { disableSchemaValidation: true } }, "upgrade", false],
    ["upgrade.disableSchemaValidation: install still validates", { upgrade: { disableSchemaValidation: true } }, "install", true],
  ] as const)("%s", (_name, spec, action, validates) => {
    expect(renderInput(runWith(spec as Partial<HelmReleaseSpec>), action).validateValues !== undefined).toBe(validates);
  });
});
