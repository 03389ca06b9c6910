import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRelease, type Release } from "../helm/release-codec.ts";
import { goTime, observationDigest, observeRelease, snapshotOf, testHooksOf } from "./helm-release-observation.ts";
import { configDigest } from "./helm-release-digests.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const fixture = (name: string) => decodeRelease(readFileSync(join(fixtures, name), "utf8"));

const release = (over: Partial<Release> = {}): Release => ({
  name: "podinfo",
  namespace: "apps",
  version: 2,
  info: { status: "deployed", first_deployed: "2026-12-01T10:00:00.120Z", last_deployed: "2026-12-02T10:00:00Z", description: "Upgrade complete" },
  chart: { metadata: { name: "podinfo", version: "6.5.0", appVersion: "6.5.0" }, lock: null, templates: [], values: null, schema: null, files: [] },
  config: { replicaCount: 2 },
  manifest: "---\n# Source: podinfo/templates/svc.yaml\nkind: Service\n",
  ...over,
});

describe("observationDigest", () => {
  test("matches helm-controller's digest of an Observation named foo (internal/release/digest_test.go)", async () => {
    const obs = { name: "foo", version: 0, namespace: "", info: {} as never, chartMetadata: {}, config: null, manifest: "", hooks: null };
    expect(await observationDigest(obs)).toBe("sha256:f1498f27a16a09cd7e1ee610d924df065c03d30035638babc95dd9a8d412ce4d");
  });
});

// Expected digests: testdata/helm-release-observation/oracle.go, Go's encoding/json over Helm's types.
describe.skipIf(!haveFixtures)("observationDigest of Helm's stored releases", () => {
  test.each([
    ["istio-base-1", "sha256:e3eec77775b41d78dc37c8e46eead0c6f2da829226b687fb4251651c20068959"],
    ["podinfo-helm-1", "sha256:a768ef17bdb09aeae27a64c4a6ee34e3197bbd2f30e46879f5f586f883b22855"],
    ["prom-stack-1", "sha256:ecc7af58ed09a615a9da1a1f4619491daa829d8d161b6a25ec8fe29e04630880"],
  ])("of %s is the one Go computes", async (name, digest) => {
    expect(await observationDigest(observeRelease(fixture(name)))).toBe(digest);
  });
});

describe("observationDigest over what it covers", () => {
  test("ignores test hooks, so running helm test does not change it", async () => {
    const hook = (name: string, events: string[], phase: "Succeeded" | "Failed") =>
      ({ name, kind: "Pod", path: `podinfo/templates/${name}.yaml`, manifest: "kind: Pod", events, last_run: { phase } }) as never;
    const before = release({ hooks: [hook("pre", ["pre-install"], "Succeeded"), hook("t", ["test"], "Succeeded")] });
    const after = release({ hooks: [hook("pre", ["pre-install"], "Succeeded"), hook("t", ["test"], "Failed")] });
    expect(await observationDigest(observeRelease(after))).toBe(await observationDigest(observeRelease(before)));
    const changed = release({ hooks: [hook("pre", ["pre-install"], "Failed"), hook("t", ["test"], "Succeeded")] });
    expect(await observationDigest(observeRelease(changed))).not.toBe(await observationDigest(observeRelease(before)));
  });
  test("changes with the values, the manifest and the OCI digest", async () => {
    const base = await observationDigest(observeRelease(release()));
    expect(await observationDigest(observeRelease(release({ config: { replicaCount: 3 } })))).not.toBe(base);
    expect(await observationDigest(observeRelease(release({ manifest: "" })))).not.toBe(base);
    expect(await observationDigest(observeRelease(release(), "sha256:abc"))).not.toBe(base);
  });
});

describe("snapshotOf", () => {
  test("records the release as helm-controller's history does", async () => {
    const obs = observeRelease(release(), "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6");
    expect(await snapshotOf(obs, "upgrade")).toEqual({
      apiVersion: "v2",
      digest: await observationDigest(obs),
      name: "podinfo",
      namespace: "apps",
      version: 2,
      status: "deployed",
      action: "upgrade",
      chartName: "podinfo",
      chartVersion: "6.5.0",
      appVersion: "6.5.0",
      configDigest: await configDigest({ replicaCount: 2 }),
      firstDeployed: "2026-12-01T10:00:00Z",
      lastDeployed: "2026-12-02T10:00:00Z",
      ociDigest: "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6",
    });
  });
  test.skipIf(!haveFixtures)("of a Helm 3 release leaves out the zero deleted time", async () => {
    const snap = await snapshotOf(observeRelease(fixture("podinfo-helm-1")));
    expect(snap).not.toHaveProperty("deleted");
    expect(snap.chartName).toBe("podinfo");
  });
});

describe("goTime", () => {
  test.each([
    ["2022-05-17T09:59:11.489423+02:00", "2022-05-17T09:59:11.489423+02:00"],
    ["2022-05-17T09:59:11.480000Z", "2022-05-17T09:59:11.48Z"],
    ["2022-05-17T09:59:11.000Z", "2022-05-17T09:59:11Z"],
    ["2022-05-17T09:59:11+00:00", "2022-05-17T09:59:11Z"],
    ["0001-01-01T00:00:00Z", ""],
    ["", ""],
  ])("%p is written back by Go as %p", (t, expected) => {
    expect(goTime(t)).toBe(expected);
  });
});

describe("testHooksOf, as helm-controller's TestHooksFromRelease", () => {
  const run = (phase: "Succeeded" | "Failed") => ({ phase, started_at: "2026-12-01T10:00:00.5Z", completed_at: "2026-12-01T10:00:07Z" });
  const hooks = [
    { name: "never-run-test", kind: "Pod", path: "", manifest: "", events: ["test"], last_run: { phase: "" } },
    { name: "passing-test", kind: "Pod", path: "", manifest: "", events: ["test"], last_run: run("Succeeded") },
    { name: "failing-test", kind: "Pod", path: "", manifest: "", events: ["test"], last_run: run("Failed") },
    { name: "passing-pre-install", kind: "Pod", path: "", manifest: "", events: ["pre-install"], last_run: run("Succeeded") },
  ] as never;
  const all = {
    "never-run-test": {},
    "passing-test": { lastStarted: "2026-12-01T10:00:00Z", lastCompleted: "2026-12-01T10:00:07Z", phase: "Succeeded" },
    "failing-test": { lastStarted: "2026-12-01T10:00:00Z", lastCompleted: "2026-12-01T10:00:07Z", phase: "Failed" },
  };
  test.each([
    ["all test hooks", [], all],
    ["an include filter", [{ name: "passing-test" }], { "passing-test": all["passing-test"] }],
    ["an exclude filter", [{ name: "never-run-test", exclude: true }], { "passing-test": all["passing-test"], "failing-test": all["failing-test"] }],
    ["an exclude winning over an include", [{ name: "passing-test" }, { name: "passing-test", exclude: true }], {}],
    ["an include filter without a match", [{ name: "missing-test" }], {}],
  ])("%s", (_name, filters, expected) => {
    expect(testHooksOf(release({ hooks }), filters)).toEqual(expected);
  });
});
