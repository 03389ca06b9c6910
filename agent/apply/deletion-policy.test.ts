import { describe, expect, test } from "bun:test";
import { deletesOnFinalize, type DeletionPolicy } from "./deletion-policy.ts";

describe("deletion policy", () => {
  test.each<[DeletionPolicy | undefined, boolean, boolean | undefined, boolean]>([
    [undefined, true, false, true],
    [undefined, false, false, false],
    ["MirrorPrune", true, false, true],
    ["MirrorPrune", false, false, false],
    ["Delete", false, false, true],
    ["WaitForTermination", false, false, true],
    ["Orphan", true, false, false],
    ["Delete", true, true, false],
  ])("%s with prune=%s suspended=%s deletes: %s", (policy, prune, suspended, deletes) => {
    expect(deletesOnFinalize(policy, { prune, suspended })).toBe(deletes);
  });
});
