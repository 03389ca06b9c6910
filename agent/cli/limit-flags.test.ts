import { describe, expect, test } from "bun:test";
import { DEFAULTS, limitsOf } from "./limit-flags.ts";
import { DEFAULTS as LIMITS } from "../core/limits.ts";

describe("rivulet run's limit flags", () => {
  test("no flags give the defaults", () => {
    expect(limitsOf({})).toEqual({ limits: { ...LIMITS }, buildMemory: DEFAULTS.buildMemory });
  });

  test("each flag sets its limit", () => {
    const { limits, buildMemory } = limitsOf({ "max-artifact-entries": "50000", "max-artifact-size": "1GiB", "max-file-size": "64MiB", "max-document-size": "1MiB", "build-memory": "128MiB" });
    expect(limits).toEqual({ maxEntries: 50_000, maxArtifactSize: 1024 ** 3, maxFileSize: 64 * 1024 ** 2, maxDocumentSize: 1024 ** 2 });
    expect(buildMemory).toBe(128 * 1024 ** 2);
  });

  test("a value that is not one is a usage error saying what is", () => {
    const cases: Array<[Parameters<typeof limitsOf>[0], string]> = [
      [{ "max-artifact-entries": "many" }, '--max-artifact-entries must be a whole number of at least 1, not "many"'],
      [{ "max-artifact-entries": "0" }, '--max-artifact-entries must be a whole number of at least 1, not "0"'],
      [{ "max-file-size": "big" }, '--max-file-size must be a size such as 3MiB, 512KiB or 1048576, not "big"'],
      [{ "max-document-size": "0" }, '--max-document-size must be a size such as 3MiB, 512KiB or 1048576, not "0"'],
      [{ "build-memory": "lots" }, '--build-memory must be a size such as 3MiB, 512KiB or 1048576, not "lots"'],
    ];
    for (const [values, message] of cases) expect(() => limitsOf(values)).toThrow(message);
  });
});
