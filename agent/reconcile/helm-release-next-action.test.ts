import { describe, expect, test } from "bun:test";
import type { HelmRelease, HelmReleaseSnapshot } from "../api/helm-release.ts";
import type { Release, ReleaseStatus as HelmStatus } from "../helm/release-codec.ts";
import { actionTimeoutMs, mustContinue, mustStop, nextAction, releaseState, type NextAction, type ReleaseState, type ReleaseStorage } from "./helm-release-next-action.ts";
import { observeRelease, snapshotOf } from "./helm-release-observation.ts";
import { desiredDigests, postRenderersDigest } from "./helm-release-digests.ts";

const NAME = "podinfo";
const NS = "apps";

const helmRelease = (version: number, status: HelmStatus, over: Partial<Release> = {}): Release => ({
  name: NAME,
  namespace: NS,
  version,
  info: { status, first_deployed: "2026-12-01T10:00:00Z", last_deployed: `2026-12-0${version}T10:00:00Z` },
  chart: { metadata: { name: "podinfo", version: "6.5.0" }, lock: null, templates: [], values: null, schema: null, files: [] },
  config: { replicaCount: 2 },
  manifest: `---\nkind: ConfigMap\nmetadata:\n  name: v${version}\n`,
  ...over,
});
const snap = (r: Release, testHooks?: HelmReleaseSnapshot["testHooks"]) =>
  snapshotOf(observeRelease(r)).then((s) => (testHooks ? { ...s, testHooks } : s));
const stored = (release: Release | undefined) => (release ? { release, labels: {} } : undefined);
const storageOf = (releases: Release[]): ReleaseStorage => ({
  last: async (name) => stored(releases.filter((r) => r.name === name).sort((a, b) => b.version - a.version)[0]),
  get: async (name, version) => stored(releases.find((r) => r.name === name && r.version === version)),
});
const hr = (spec: Partial<HelmRelease["spec"]> = {}, status: HelmRelease["status"] = {}, annotations?: Record<string, string>) => ({
  metadata: { name: NAME, namespace: NS, generation: 1, ...(annotations ? { annotations } : {}) },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository" as const, name: "podinfo" }, ...spec },
  status: { observedGeneration: 1, ...status },
});
const FORCE = { "reconcile.fluxcd.io/requestedAt": "force", "reconcile.fluxcd.io/forceAt": "force" };
const action = (a: NextAction) => (a.kind === "action" ? a.action : a.kind === "stalled" ? `stalled:${a.reason}` : "none");

// The cases of helm-controller's TestAtomicRelease_actionForState, in its order, with its expectations.
describe("nextAction decides as helm-controller's actionForState", () => {
  const none: Release[] = [];
  test.each([
    ["an in-sync release does nothing", { status: "InSync" }, hr({}, { history: [{ version: 1 } as HelmReleaseSnapshot] }), "none"],
    ["an in-sync release with a force request is upgraded", { status: "InSync" }, hr({}, { history: [{ version: 1 } as HelmReleaseSnapshot] }, FORCE), "upgrade"],
    ["a locked release is unlocked", { status: "Locked" }, hr(), "unlock"],
    ["an absent release is installed", { status: "Absent" }, hr(), "install"],
    ["an absent release without retries left is installed when forced", { status: "Absent" }, hr({}, { installFailures: 1 }, FORCE), "install"],
    ["an absent release without retries left stalls", { status: "Absent" }, hr({}, { installFailures: 1 }), "stalled:RetriesExceeded"],
    ["an unmanaged release is upgraded", { status: "Unmanaged" }, hr(), "upgrade"],
    ["a drifted release is corrected when drift detection is enabled", { status: "Drifted" }, hr({ driftDetection: { mode: "enabled" } }), "correct cluster drift"],
    ["a drifted release is only reported in warn mode", { status: "Drifted" }, hr({ driftDetection: { mode: "warn" } }), "none"],
    ["an out-of-sync release is upgraded", { status: "OutOfSync" }, hr(), "upgrade"],
    ["an out-of-sync release without retries left is upgraded when forced", { status: "OutOfSync" }, hr({}, { upgradeFailures: 1 }, FORCE), "upgrade"],
    ["an out-of-sync release without retries left stalls", { status: "OutOfSync" }, hr({}, { upgradeFailures: 1 }), "stalled:RetriesExceeded"],
    ["an untested release is tested", { status: "Untested" }, hr(), "test"],
    ["a failed release without an active remediation is upgraded", { status: "Failed" }, hr({}, { installFailures: 1 }), "upgrade"],
    ["a failed release without failures counted is upgraded", { status: "Failed" }, hr({}, { lastAttemptedReleaseAction: "upgrade", upgradeFailures: 0 }), "upgrade"],
    ["a failed release out of retries is upgraded when forced", { status: "Failed" }, hr({}, { lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }, FORCE), "upgrade"],
    ["a failed release out of retries stalls", { status: "Failed" }, hr({}, { lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), "stalled:RetriesExceeded"],
    ["a failed install with retries left is uninstalled", { status: "Failed" },
      hr({ install: { remediation: { retries: 3 } } }, { lastAttemptedReleaseAction: "install", installFailures: 2 }), "uninstall"],
    ["a failed install with RetryOnFailure is upgraded", { status: "Failed" },
      hr({ install: { strategy: { name: "RetryOnFailure" } } }, { lastAttemptedReleaseAction: "install", installFailures: 2 }), "upgrade"],
  ] as Array<[string, ReleaseState, ReturnType<typeof hr>, string]>)("%s", async (_name, state, obj, expected) => {
    expect(action(await nextAction(state, obj, { storage: storageOf(none) }))).toBe(expected);
  });

  test("a failed upgrade with retries left is rolled back to the previous release", async () => {
    const releases = [helmRelease(1, "superseded"), helmRelease(2, "failed")];
    const history = [await snap(releases[1]!), await snap(releases[0]!)];
    const next = await nextAction({ status: "Failed" }, hr({ upgrade: { remediation: { retries: 2 } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), { storage: storageOf(releases) });
    expect(next).toEqual({ kind: "action", action: "rollback", type: "remediate", history });
  });
  test("a failed upgrade with RetryOnFailure is upgraded again", async () => {
    const releases = [helmRelease(1, "superseded"), helmRelease(2, "failed")];
    const history = [await snap(releases[1]!), await snap(releases[0]!)];
    const next = await nextAction({ status: "Failed" }, hr({ upgrade: { strategy: { name: "RetryOnFailure" } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), { storage: storageOf(releases) });
    expect(action(next)).toBe("upgrade");
  });
  test("a failed upgrade with nothing to roll back to stalls", async () => {
    const releases = [helmRelease(2, "failed")];
    const next = await nextAction({ status: "Failed" }, hr({ upgrade: { remediation: { retries: 2 } } }, { history: [await snap(releases[0]!)], lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), { storage: storageOf(releases) });
    expect(next).toEqual({
      kind: "stalled",
      reason: "MissingRollbackTarget",
      message: "Failed to perform remediation: missing target release for rollback: cannot remediate failed release",
      error: "missing target release for rollback: cannot remediate failed release",
    });
  });
  test("a failed upgrade whose previous release vanished from storage is upgraded instead", async () => {
    const releases = [helmRelease(2, "failed")];
    const history = [await snap(releases[0]!), await snap(helmRelease(1, "superseded"))];
    const next = await nextAction({ status: "Failed" }, hr({ upgrade: { remediation: { retries: 2 } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), { storage: storageOf(releases) });
    expect(action(next)).toBe("upgrade");
  });
  test("a failed upgrade whose previous release was changed outside Flux is upgraded instead", async () => {
    const releases = [helmRelease(1, "superseded", { manifest: "changed" }), helmRelease(2, "failed")];
    const history = [await snap(releases[1]!), await snap(helmRelease(1, "superseded"))];
    const next = await nextAction({ status: "Failed" }, hr({ upgrade: { remediation: { retries: 2 } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 }), { storage: storageOf(releases) });
    expect(action(next)).toBe("upgrade");
  });
  test("the last failure of an upgrade out of retries is still remediated, as retries > 0 makes remediateLastFailure default to true", async () => {
    const releases = [helmRelease(1, "superseded"), helmRelease(2, "failed")];
    const history = [await snap(releases[1]!), await snap(releases[0]!)];
    const obj = hr({ upgrade: { remediation: { retries: 1 } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 2 });
    expect(action(await nextAction({ status: "Failed" }, obj, { storage: storageOf(releases) }))).toBe("rollback");
    const noLast = hr({ upgrade: { remediation: { retries: 1, remediateLastFailure: false } } }, { history, lastAttemptedReleaseAction: "upgrade", upgradeFailures: 2 });
    expect(await nextAction({ status: "Failed" }, noLast, { storage: storageOf(releases) })).toEqual({
      kind: "stalled", reason: "RetriesExceeded", message: "Failed to upgrade after 2 attempt(s)", error: "exceeded maximum retries: cannot remediate failed release",
    });
  });
  test("negative retries never run out", async () => {
    const obj = hr({ install: { remediation: { retries: -1 } } }, { lastAttemptedReleaseAction: "install", installFailures: 1000 });
    expect(action(await nextAction({ status: "Absent" }, obj, { storage: storageOf([]) }))).toBe("install");
    expect(action(await nextAction({ status: "Failed" }, obj, { storage: storageOf([]) }))).toBe("uninstall");
  });
  test("an upgrade remediated by uninstall uninstalls", async () => {
    const obj = hr({ upgrade: { remediation: { retries: 3, strategy: "uninstall" } } }, { lastAttemptedReleaseAction: "upgrade", upgradeFailures: 1 });
    expect(action(await nextAction({ status: "Failed" }, obj, { storage: storageOf([]) }))).toBe("uninstall");
  });
  test("a force request is handled once: not when it was handled before, nor without an equal requestedAt", async () => {
    const history = [{ version: 1 } as HelmReleaseSnapshot];
    expect(action(await nextAction({ status: "InSync" }, hr({}, { history, lastHandledForceAt: "force" }, FORCE), { storage: storageOf([]) }))).toBe("none");
    expect(action(await nextAction({ status: "InSync" }, hr({}, { history }, { "reconcile.fluxcd.io/forceAt": "force" }), { storage: storageOf([]) }))).toBe("none");
  });
  test("an unmanaged release starts a new history", async () => {
    expect(await nextAction({ status: "Unmanaged" }, hr({}, { history: [{ version: 1 } as HelmReleaseSnapshot] }), { storage: storageOf([]) })).toEqual({
      kind: "action", action: "upgrade", type: "release", history: [],
    });
  });
  test("an in-sync release keeps history back to the previous successful release", async () => {
    const s = (version: number, status: string) => ({ version, status }) as HelmReleaseSnapshot;
    const next = await nextAction({ status: "InSync" }, hr({}, { history: [s(4, "deployed"), s(3, "failed"), s(2, "superseded"), s(1, "superseded")] }), { storage: storageOf([]) });
    expect(next.kind === "none" && next.history?.map((h) => h.version)).toEqual([4, 3, 2]);
  });
});

describe("releaseState determines the state as helm-controller's DetermineReleaseState", () => {
  const chart = { name: "podinfo", version: "6.5.0" };
  const values = { replicaCount: 2 };
  const state = async (releases: Release[], obj: ReturnType<typeof hr>, over: { chart?: typeof chart; values?: Record<string, unknown>; drifted?: boolean } = {}) =>
    releaseState({
      hr: obj,
      releaseName: NAME,
      chart: over.chart ?? chart,
      values: over.values ?? values,
      digests: await desiredDigests(obj.spec, over.values ?? values),
      storage: storageOf(releases),
      detectDrift: async () => ({ drifted: over.drifted ?? false, summary: "Deployment/apps/podinfo changed" }),
    });
  const deployed = helmRelease(1, "deployed");

  test("no release in storage is absent", async () => {
    expect(await state([], hr())).toEqual({ status: "Absent", reason: "no release in storage for object" });
  });
  test.each(["pending-install", "pending-upgrade", "pending-rollback"] as const)("a %s release is locked", async (status) => {
    expect(await state([helmRelease(1, status)], hr())).toEqual({ status: "Locked", reason: `release with status '${status}'` });
  });
  test("a release without history is unmanaged, unless it was uninstalled", async () => {
    expect(await state([deployed], hr())).toEqual({ status: "Unmanaged", reason: "found existing release in storage" });
    expect(await state([helmRelease(1, "uninstalled")], hr())).toEqual({ status: "Absent", reason: "found uninstalled release in storage" });
  });
  test("a release that is not the one the history recorded is unmanaged", async () => {
    const obj = hr({}, { history: [await snap(deployed)] });
    expect(await state([helmRelease(1, "deployed", { manifest: "edited by hand" })], obj)).toEqual({ status: "Unmanaged", reason: "release not observed to be made for object" });
    const bad = hr({}, { history: [{ ...(await snap(deployed)), digest: "sha256:nothex" }] });
    expect(await state([deployed], bad)).toEqual({ status: "Unmanaged", reason: "release digest verification error" });
  });
  test("a deployed release with the same chart, values and spec is in sync", async () => {
    expect(await state([deployed], hr({}, { history: [await snap(deployed)] }))).toEqual({ status: "InSync" });
  });
  test("a new chart version or new values put it out of sync", async () => {
    const obj = hr({}, { history: [await snap(deployed)] });
    expect(await state([deployed], obj, { chart: { name: "podinfo", version: "6.5.1" } })).toEqual({ status: "OutOfSync", reason: "release chart changed" });
    expect(await state([deployed], obj, { values: { replicaCount: 3 } })).toEqual({ status: "OutOfSync", reason: "release config values changed" });
  });
  test("post-renderers changed in a new generation put it out of sync", async () => {
    const postRenderers = [{ kustomize: { images: [{ name: "nginx", newTag: "2" }] } }];
    const history = [await snap(deployed)];
    expect(await state([deployed], { ...hr({ postRenderers }, { history }), metadata: { name: NAME, namespace: NS, generation: 2 } })).toEqual({
      status: "OutOfSync", reason: "postrenderers digest has changed",
    });
    const observed = { history, observedPostRenderersDigest: await postRenderersDigest(postRenderers) };
    expect(await state([deployed], { ...hr({ postRenderers }, observed), metadata: { name: NAME, namespace: NS, generation: 2 } })).toEqual({ status: "InSync" });
  });
  test("with tests enabled, an untested release is untested and a failed test is a failure to remediate", async () => {
    expect(await state([deployed], hr({ test: { enable: true } }, { history: [await snap(deployed)] }))).toEqual({ status: "Untested" });
    const failed = hr({ test: { enable: true } }, { history: [await snap(deployed, { t: { phase: "Failed" } })], lastAttemptedReleaseAction: "upgrade" });
    expect(await state([deployed], failed)).toEqual({ status: "Failed", reason: "release has test in failed phase" });
    const ignored = hr({ test: { enable: true, ignoreFailures: true } }, { history: [await snap(deployed, { t: { phase: "Failed" } })], lastAttemptedReleaseAction: "upgrade" });
    expect(await state([deployed], ignored)).toEqual({ status: "InSync" });
  });
  test("drift is looked for only when drift detection is on", async () => {
    const history = [await snap(deployed)];
    expect((await state([deployed], hr({ driftDetection: { mode: "warn" } }, { history }), { drifted: true })).status).toBe("Drifted");
    expect((await state([deployed], hr({}, { history }), { drifted: true })).status).toBe("InSync");
  });
  test("a failed release is failed; an odd status cannot be decided", async () => {
    const failed = helmRelease(1, "failed");
    expect(await state([failed], hr({}, { history: [await snap(failed)] }))).toEqual({ status: "Failed" });
    const superseded = helmRelease(1, "superseded");
    await expect(state([superseded], hr({}, { history: [await snap(superseded)] }))).rejects.toThrow("unable to determine state for release with status 'superseded'");
  });
});

describe("the clean release strategy", () => {
  // helm-controller's TestReleaseStrategy_CleanRelease_MustContinue and _MustStop.
  test("runs each kind of action at most once per reconcile", () => {
    expect(mustContinue("release", [])).toBe(true);
    expect(mustContinue("release", ["remediate"])).toBe(true);
    expect(mustContinue("release", ["release", "remediate"])).toBe(false);
    expect(mustContinue("test", ["release"])).toBe(true);
  });
  test("stops after a remediation only", () => {
    expect(mustStop("remediate")).toBe(true);
    expect(["release", "test", "unlock", "drift-correction"].map((t) => mustStop(t as never))).toEqual([false, false, false, false]);
  });
});

describe("actionTimeoutMs, as helm-controller's timeoutForAction", () => {
  test.each([
    ["install", {}, 300_000],
    ["install", { timeout: "10m" }, 600_000],
    ["install", { timeout: "10m", install: { timeout: "1m" } }, 60_000],
    ["upgrade", { upgrade: { timeout: "2m" } }, 120_000],
    ["test", { test: { timeout: "30s" } }, 30_000],
    ["rollback", { timeout: "3m", rollback: {} }, 180_000],
    ["uninstall", { uninstall: { timeout: "90s" } }, 90_000],
    ["unlock", { timeout: "4m" }, 240_000],
  ] as const)("%s with %j waits %d ms", (name, spec, ms) => {
    expect(actionTimeoutMs(name, hr(spec as never))).toBe(ms);
  });
});
