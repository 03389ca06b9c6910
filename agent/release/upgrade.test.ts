import { describe, expect, test } from "bun:test";
import type { Release } from "../helm/release-codec.ts";
import { currentRelease } from "./upgrade.ts";

const h = (...s: Array<Release["info"]["status"]>) => s.map((status, i) => ({ release: { version: i + 1, info: { status } } as Release, labels: {} }));

describe("the release an upgrade starts from (Helm's current release)", () => {
  test.each([
    ["the latest when it is deployed", h("superseded", "deployed"), 2],
    ["the deployed one under a failed latest", h("deployed", "failed", "failed"), 1],
    ["the newest deployed when two are (after a crash)", h("deployed", "deployed", "failed"), 2],
    ["a failed latest when none is deployed", h("superseded", "failed"), 2],
    ["a superseded latest when none is deployed", h("failed", "superseded"), 2],
    ["none after an uninstall", h("superseded", "uninstalled"), undefined],
    ["none for a pending install", h("pending-install"), undefined],
    ["none without history", h(), undefined],
  ] as const)("%s", (_name, history, version) => {
    expect(currentRelease(history)?.release.version).toBe(version as number | undefined);
  });
});
