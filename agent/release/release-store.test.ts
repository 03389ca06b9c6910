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
  secretReleaseStore,
} from "./release-store.ts";
import { fakeKube } from "./testdata/fake-kube.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const fixture = (name: string) => decodeRelease(readFileSync(join(fixtures, name), "utf8"));
const at = new Date("2026-12-06T05:00:00Z");

function rel(version: number, status: Release["info"]["status"], name = "web"): Release {
  return { name, namespace: "team", version, info: { status }, chart: { metadata: { name: "c" }, lock: null, templates: [], values: {}, schema: null, files: [] }, manifest: "" };
}

describe.skipIf(!haveFixtures)("release storage on Helm's stored releases", () => {
  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    test(`${name}: stored as a Secret and read back, the release is unchanged`, async () => {
      const r = fixture(name);
      const kube = fakeKube();
      const store = secretReleaseStore(kube, "team", { now: () => at });
      await store.create({ release: r, labels: {} });
      const back = await store.get(r.name, r.version);
      expect(back!.release).toEqual(r);
      expect(JSON.stringify(back!.release)).toBe(JSON.stringify(r));
      expect((await store.history(r.name)).map((h) => h.release.version)).toEqual([r.version]);
    });
  }

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

  test("create writes createdAt, update writes modifiedAt and the new status label", async () => {
    const kube = fakeKube();
    let now = at;
    const store = secretReleaseStore(kube, "team", { now: () => now });
    await store.create({ release: rel(1, "pending-install"), labels: {} });
    const created = kube.objects.get("Secret|team|sh.helm.release.v1.web.v1")!;
    expect(created.metadata.labels).toMatchObject({ createdAt: "1796533200", status: "pending-install" });
    now = new Date(at.getTime() + 5000);
    await store.update({ release: rel(1, "deployed"), labels: {} });
    const updated = kube.objects.get("Secret|team|sh.helm.release.v1.web.v1")!;
    expect(updated.metadata.labels).toMatchObject({ modifiedAt: "1796533205", status: "deployed" });
    expect(updated.metadata.labels!.createdAt).toBeUndefined();
  });

  test("history, last and deployed query by Helm's label selectors", async () => {
    const kube = fakeKube();
    const store = secretReleaseStore(kube, "team", { now: () => at });
    for (const r of [rel(1, "superseded"), rel(2, "deployed"), rel(3, "failed"), rel(1, "deployed", "other")]) await store.create({ release: r, labels: {} });
    kube.calls.length = 0;
    expect((await store.history("web")).map((h) => h.release.version)).toEqual([1, 2, 3]);
    expect((await store.last("web"))!.release.version).toBe(3);
    expect((await store.deployed("web"))!.release.version).toBe(2);
    expect(await store.deployed("none")).toBeUndefined();
    expect(kube.calls).toEqual(["list Secret name=web,owner=helm", "list Secret name=web,owner=helm", "list Secret name=web,owner=helm,status=deployed", "list Secret name=none,owner=helm,status=deployed"]);
  });

  test("a second create of the same revision fails as Helm's lock does", async () => {
    const store = secretReleaseStore(fakeKube(), "team");
    await store.create({ release: rel(1, "pending-install"), labels: {} });
    await expect(store.create({ release: rel(1, "pending-install"), labels: {} })).rejects.toThrow("Cannot store release web revision 1: release: already exists");
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
  ])("the release name %j is refused before it reaches a label selector", async (name, message) => {
    const kube = fakeKube();
    await expect(secretReleaseStore(kube, "team").history(name)).rejects.toThrow(message);
    expect(kube.calls).toEqual([]);
  });

  test("a Secret that does not decode is skipped when listing, as Helm skips it", async () => {
    const kube = fakeKube();
    const store = secretReleaseStore(kube, "team");
    await store.create({ release: rel(1, "deployed"), labels: {} });
    kube.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "sh.helm.release.v1.web.v2", namespace: "team", labels: { name: "web", owner: "helm" } }, data: { release: btoa("not a release") } });
    expect((await store.history("web")).map((h) => h.release.version)).toEqual([1]);
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

  test("create with maxHistory leaves room for the new revision and keeps the deployed one", async () => {
    const kube = fakeKube();
    const store = secretReleaseStore(kube, "team");
    for (const r of [rel(1, "superseded"), rel(2, "deployed"), rel(3, "failed"), rel(4, "failed")]) await store.create({ release: r, labels: {} });
    await store.create({ release: rel(5, "pending-upgrade"), labels: {} }, { maxHistory: 3 });
    expect((await store.history("web")).map((x) => x.release.version)).toEqual([2, 4, 5]);
  });
});
