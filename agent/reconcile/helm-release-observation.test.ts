import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRelease, encodeRelease, type HookEvent, type Release, type ReleaseStatus } from "../helm/release-codec.ts";
import { goTime, observationDigest, observeRelease, snapshotOf, testHooksOf } from "./helm-release-observation.ts";
import { configDigest } from "./helm-release-digests.ts";
import { firstMismatch, goJsonKey, goJsonValue, goOracle, helmReleaseFixtures, observedReleases } from "../../test/support/go-oracle.ts";

const haveFixtures = existsSync(helmReleaseFixtures);
const fixture = (name: string) => decodeRelease(readFileSync(join(helmReleaseFixtures, name), "utf8"));

// The digests helm-controller computes: the helm-release-observation oracle (Go's encoding/json over
// copies of Helm's types, wasm/helm-template/oracles/helm-release-observation), run live, or its
// recording where the oracle is not built.
const oracle = goOracle("helm-release-observation");

test("the helm-release-observation oracle is built wherever CI runs the tests", () => {
  if (process.env.CI) expect({ built: oracle.built, path: oracle.binary }).toEqual({ built: true, path: oracle.binary });
});

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

describe.skipIf(!haveFixtures)(`observationDigest of Helm's stored releases (${oracle.source})`, () => {
  const expected = haveFixtures ? (oracle.expected() as string[]) : [];
  test.each(observedReleases.map((name, i) => [name, i] as const))("of %s is the one Go computes", async (name, i) => {
    expect(await observationDigest(observeRelease(fixture(name)))).toBe(expected[i]!);
  });
  test.skipIf(!oracle.built)("the recorded digests are what the oracle computes (npm run record:oracles rewrites them)", () => {
    expect(oracle.recorded()).toEqual(expected);
  });
});

describe.skipIf(!oracle.built)("observationDigest against the helm-release-observation oracle", () => {
  test("of generated releases is the one Go computes (property)", async () => {
    const samples = fc.sample(generatedRelease, 100).map(([r, ociDigest]) => [JSON.parse(JSON.stringify(r)) as Release, ociDigest] as const);
    const ours = await Promise.all(samples.map(([r, ociDigest]) => observationDigest(observeRelease(r, ociDigest))));
    const go = oracle.run(samples.map(([r, ociDigest]) => ({ release: encodeRelease(r), ociDigest })));
    expect(firstMismatch(samples, ours, go)).toEqual([]);
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

// Releases as Helm stores them, with what changes Go's bytes: HTML-escaped and non-ASCII text, times with
// fractions and offsets or stored as "", empty fields omitempty drops, test hooks, values of any JSON.
const text = fc.string({ unit: fc.oneof(fc.constantFrom("<", ">", "&", "\u2028", "é", "\n", '"', "😀"), fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))), maxLength: 8 });
const time = fc.oneof(
  fc.constant(""),
  fc
    .tuple(fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }), fc.constantFrom("Z", "+02:00", "-05:30", "+00:00"), fc.constantFrom("", "000", "123"))
    .map(([d, zone, micro]) => d.toISOString().replace("Z", micro ? `${micro}${zone}` : zone)),
);
const statuses: ReleaseStatus[] = ["unknown", "deployed", "uninstalled", "superseded", "failed", "pending-install"];
const events: HookEvent[] = ["pre-install", "post-install", "pre-upgrade", "test"];
const hook = fc.record(
  {
    name: text,
    kind: fc.constantFrom("Pod", "Job", ""),
    path: text,
    manifest: text,
    events: fc.subarray(events),
    last_run: fc.record({ started_at: time, completed_at: time, phase: fc.constantFrom("Succeeded", "Failed", "Running", "Unknown", "") }, { requiredKeys: ["phase"] }),
    weight: fc.integer({ min: -5, max: 5 }),
    delete_policies: fc.subarray(["before-hook-creation", "hook-succeeded", "hook-failed"] as const),
    output_log_policies: fc.subarray(["hook-succeeded", "hook-failed"]),
  },
  { requiredKeys: ["name", "kind", "path", "manifest", "events", "last_run"] },
);
const metadata = fc.record(
  {
    name: text, home: text, sources: fc.array(text, { maxLength: 2 }), version: text, description: text, keywords: fc.array(text, { maxLength: 2 }),
    maintainers: fc.array(fc.record({ name: text, email: text, url: text }, { requiredKeys: [] }), { maxLength: 2 }),
    icon: text, apiVersion: fc.constantFrom("v1", "v2"), condition: text, tags: text, appVersion: text, deprecated: fc.boolean(),
    annotations: fc.dictionary(text, text, { maxKeys: 3 }), kubeVersion: text, type: fc.constantFrom("application", "library", ""),
    dependencies: fc.array(
      fc.record(
        { name: text, version: text, repository: text, condition: text, tags: fc.array(text, { maxLength: 2 }), enabled: fc.boolean(), "import-values": fc.array(fc.oneof(text, fc.record({ child: text, parent: text })), { maxLength: 2 }), alias: text },
        { requiredKeys: ["name", "repository"] },
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const generatedRelease = fc.tuple(
  fc.record(
    {
      name: text,
      namespace: text,
      version: fc.nat(20),
      info: fc.record(
        { first_deployed: time, last_deployed: time, deleted: time, description: text, status: fc.constantFrom(...statuses), notes: text, rollback_revision: fc.nat(3) },
        { requiredKeys: ["status"] },
      ),
      chart: metadata.map((m) => ({ metadata: m, lock: null, templates: [], values: null, schema: null, files: [] })),
      config: fc.option(fc.dictionary(goJsonKey(text), goJsonValue(text), { maxKeys: 3 })),
      manifest: text,
      hooks: fc.array(hook, { maxLength: 3 }),
    },
    { requiredKeys: ["name", "namespace", "version", "info", "chart", "manifest"] },
  ),
  fc.constantFrom(undefined, "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6"),
);
