import { describe, expect, test } from "bun:test";
import { summarize } from "./helm-release-summary.ts";
import type { Condition } from "../status/conditions.ts";

const c = (type: string, status: Condition["status"], reason: string, message: string, observedGeneration?: number): Condition => ({
  type, status, reason, message, lastTransitionTime: "2026-12-01T00:00:00Z", ...(observedGeneration === undefined ? {} : { observedGeneration }),
});
const byType = (list: Condition[]) => Object.fromEntries(list.map(({ lastTransitionTime: _t, ...rest }) => [rest.type, rest]));
const now = new Date("2026-12-06T00:00:00Z");
const ready = (status: Condition["status"], reason: string, message: string, observedGeneration = 1) => ({ type: "Ready", status, reason, message, observedGeneration });

// The cases of helm-controller's Test_summarize, with its expected conditions (compared by type).
describe("summarize, as helm-controller's summarize()", () => {
  const released = c("Released", "True", "InstallSucceeded", "Install complete", 1);
  const testFailed = c("TestSuccess", "False", "TestFailed", "test hook(s) failure", 1);
  test.each([
    ["summarize conditions", 1, undefined, [released, testFailed], [ready("True", "InstallSucceeded", "Install complete"), released]],
    ["with tests enabled", 1, { enable: true }, [released, c("TestSuccess", "True", "TestSucceeded", "test hook(s) succeeded", 1)],
      [ready("True", "TestSucceeded", "test hook(s) succeeded"), released, c("TestSuccess", "True", "TestSucceeded", "test hook(s) succeeded", 1)]],
    ["with tests enabled and failure tests", 1, { enable: true }, [released, testFailed], [ready("False", "TestFailed", "test hook(s) failure"), released, testFailed]],
    ["with test hooks enabled and pending tests", 0, { enable: true }, [released, c("TestSuccess", "Unknown", "AwaitingTests", "Release is awaiting tests", 1)],
      [ready("Unknown", "AwaitingTests", "Release is awaiting tests", 0), released, c("TestSuccess", "Unknown", "AwaitingTests", "Release is awaiting tests", 1)]],
    ["with remediation failure", 1, { enable: true }, [released, testFailed, c("Remediated", "False", "UninstallFailed", "Uninstall failure", 1)],
      [ready("False", "UninstallFailed", "Uninstall failure"), released, testFailed, c("Remediated", "False", "UninstallFailed", "Uninstall failure", 1)]],
    ["with remediation success", 1, undefined, [c("Released", "False", "UpgradeFailed", "Upgrade failure", 1), c("Remediated", "True", "RollbackSucceeded", "Uninstall complete", 1)],
      [ready("False", "RollbackSucceeded", "Uninstall complete"), c("Released", "False", "UpgradeFailed", "Upgrade failure", 1), c("Remediated", "True", "RollbackSucceeded", "Uninstall complete", 1)]],
    ["with stale ready", 1, undefined, [c("Ready", "False", "ChartNotFound", "chart not found"), c("Released", "True", "UpgradeSucceeded", "Upgrade finished", 1)],
      [ready("True", "UpgradeSucceeded", "Upgrade finished"), c("Released", "True", "UpgradeSucceeded", "Upgrade finished", 1)]],
    ["with stale observed generation", 5, { enable: true },
      [c("Released", "True", "UpgradeSucceeded", "Upgrade finished", 4), c("Remediated", "True", "RollbackSucceeded", "Rollback finished", 3), c("TestSuccess", "False", "TestFailed", "test hook(s) failure", 2)],
      [ready("True", "UpgradeSucceeded", "Upgrade finished", 5), c("Released", "True", "UpgradeSucceeded", "Upgrade finished", 4), c("Remediated", "True", "RollbackSucceeded", "Rollback finished", 3), c("TestSuccess", "False", "TestFailed", "test hook(s) failure", 2)]],
  ] as Array<[string, number, { enable: boolean } | undefined, Condition[], Array<Partial<Condition>>]>)("%s", (_name, generation, testSpec, input, expected) => {
    expect(byType(summarize(input, testSpec, generation, now))).toEqual(byType(expected.map((e) => ({ lastTransitionTime: "", ...e }) as Condition)));
  });
  test("drops Stalled once Ready is True, and leaves the input alone", () => {
    const input = [c("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 3 attempt(s)"), c("Released", "True", "UpgradeSucceeded", "Upgrade finished", 1)];
    const copy = structuredClone(input);
    expect(summarize(input, undefined, 1, now).map((x) => x.type).sort()).toEqual(["Ready", "Released"]);
    expect(input).toEqual(copy);
  });
  test("with no conditions there is nothing to summarise", () => {
    expect(summarize([], undefined, 1, now)).toEqual([]);
  });
});
