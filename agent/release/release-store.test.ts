/**
 * Helm's storage format as pure functions: the Secret a revision becomes, its labels, the name rule,
 * the pending lock and which revisions maxHistory prunes. Storing and reading through the API server is
 * tested on the real control plane (test/integration/helm-release-storage.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRelease, type Release } from "../helm/release-codec.ts";
import {
  assertNotPending,
  PENDING_MESSAGE,
  readReleaseSecret,
  releaseSecret,
  revisionsToPrune,
  validateReleaseName,
} from "./release-store.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const fixture = (name: string) => decodeRelease(readFileSync(join(fixtures, name), "utf8"));
const at = new Date("2026-12-06T05:00:00Z");

function rel(version: number, status: Release["info"]["status"]): Release {
  return { name: "web", namespace: "team", version, info: { status }, chart: { metadata: { name: "c" }, lock: null, templates: [], values: {}, schema: null, files: [] }, manifest: "" };
}

describe.skipIf(!haveFixtures)("Helm's stored releases as Secrets", () => {
  test("the Secret has Helm's name, type and labels", () => {
    const r = fixture("istio-base-1");
    const s = releaseSecret({ release: r, labels: { team: "a" } }, "istio-system", { createdAt: at });
    expect(s.metadata.name).toBe("sh.helm.release.v1.istio-base.v1");
    expect(s.type).toBe("helm.sh/release.v1");
    expect(s.metadata.labels).toEqual({ team: "a", createdAt: "1796533200", name: "istio-base", owner: "helm", status: "deployed", version: "1" });
    // data.release is the API's base64 of Helm's base64(gzip(JSON)): the fixture's text after one decode.
    const inner = atob((s.data as { release: string }).release);
    expect(inner.startsWith("H4sI")).toBe(true);
    expect(decodeRelease(inner)).toEqual(r);
  });
});

describe("release storage", () => {
  test("user labels are read back without the system labels", () => {
    const s = releaseSecret({ release: rel(3, "deployed"), labels: { tier: "web" } }, "team", { modifiedAt: at });
    expect(Object.keys(s.metadata.labels!).sort()).toEqual(["modifiedAt", "name", "owner", "status", "tier", "version"]);
    expect(readReleaseSecret(s).labels).toEqual({ tier: "web" });
  });

  test("a user label with a system label's name is refused with Helm's text", () => {
    expect(() => releaseSecret({ release: rel(1, "deployed"), labels: { owner: "me" } }, "team", {})).toThrow(
      "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]",
    );
  });

  test("a pending latest revision refuses a new operation with Helm's text", () => {
    expect(PENDING_MESSAGE).toBe("another operation (install/upgrade/rollback) is in progress");
    for (const s of ["pending-install", "pending-upgrade", "pending-rollback"] as const) expect(() => assertNotPending(rel(4, s))).toThrow(PENDING_MESSAGE);
    for (const s of ["deployed", "failed", "superseded", "uninstalled"] as const) expect(() => assertNotPending(rel(4, s))).not.toThrow();
  });

  test.each([
    ["", "no name provided"],
    ["web,owner=helm", "invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"],
    ["a".repeat(54), "invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"],
  ])("the release name %j is refused with Helm's text", (name, message) => {
    expect(() => validateReleaseName(name)).toThrow(message);
  });

});

describe("maxHistory pruning (Helm's removeLeastRecent)", () => {
  const h = (...s: Array<[number, Release["info"]["status"]]>) => s.map(([v, st]) => rel(v, st));
  test.each([
    ["under the limit: nothing", h([1, "superseded"], [2, "deployed"]), 2, 3, []],
    ["oldest first down to the limit", h([1, "superseded"], [2, "superseded"], [3, "superseded"], [4, "deployed"]), 4, 2, [1, 2]],
    ["the deployed revision is kept even when oldest", h([1, "deployed"], [2, "failed"], [3, "failed"], [4, "failed"]), 1, 2, [2, 3]],
    ["no deployed revision: strictly oldest", h([3, "failed"], [1, "failed"], [2, "failed"]), undefined, 1, [1, 2]],
    ["a negative maximum prunes nothing", h([1, "failed"], [2, "failed"]), undefined, -1, []],
  ] as const)("%s", (_name, history, deployed, maximum, expected) => {
    expect(revisionsToPrune(history, deployed, maximum)).toEqual([...expected]);
  });

});
