import { describe, expect, test } from "bun:test";
import type { HelmRelease } from "../api/helm-release.ts";
import { activeRemediation, activeRetry, annotationRequest, failureResetReason, FORCE_AT, RESET_AT } from "./helm-release-remediation.ts";
import { configDigest } from "./helm-release-digests.ts";

const hr = (spec: Partial<HelmRelease["spec"]> = {}, status: HelmRelease["status"] = {}, annotations?: Record<string, string>) => ({
  metadata: { name: "podinfo", namespace: "apps", generation: 3, ...(annotations ? { annotations } : {}) },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository" as const, name: "podinfo" }, ...spec },
  status,
});

describe("activeRemediation has helm-controller's defaults", () => {
  test("none before any install or upgrade was attempted", () => {
    expect(activeRemediation(hr())).toBeUndefined();
  });
  test("an install: no retries, uninstall, no last-failure remediation, tests as spec.test says", () => {
    expect(activeRemediation(hr({ test: { ignoreFailures: true } }, { lastAttemptedReleaseAction: "install", installFailures: 1 }))).toEqual({
      action: "install", retries: 0, ignoreTestFailures: true, remediateLastFailure: false, strategy: "uninstall",
      failureCount: 1, retriesExhausted: true, uninstallAfterUpgrade: false,
    });
  });
  test("an upgrade: rollback, and the last failure remediated once retries are set", () => {
    expect(activeRemediation(hr({ upgrade: { remediation: { retries: 2 } } }, { lastAttemptedReleaseAction: "upgrade", upgradeFailures: 2 }))).toEqual({
      action: "upgrade", retries: 2, ignoreTestFailures: false, remediateLastFailure: true, strategy: "rollback",
      failureCount: 2, retriesExhausted: false, uninstallAfterUpgrade: false,
    });
  });
});

describe("activeRetry", () => {
  test.each([
    ["RetryOnFailure without an interval waits 5m", { install: { strategy: { name: "RetryOnFailure" as const } } }, "install", false, { intervalMs: 300_000 }],
    ["RetryOnFailure with one waits that long", { upgrade: { strategy: { name: "RetryOnFailure" as const, retryInterval: "30s" } } }, "upgrade", false, { intervalMs: 30_000 }],
    ["RemediateOnFailure does not retry", { upgrade: { strategy: { name: "RemediateOnFailure" as const } } }, "upgrade", true, undefined],
    ["no strategy does not retry", {}, "upgrade", false, undefined],
    ["no strategy retries with the DefaultToRetryOnFailure gate", {}, "upgrade", true, { intervalMs: 300_000 }],
  ] as const)("%s", (_name, spec, action, gate, expected) => {
    expect(activeRetry(hr(spec, { lastAttemptedReleaseAction: action }), gate)).toEqual(expected);
  });
});

describe("annotationRequest (fluxcd/pkg meta.HandleAnnotationRequest)", () => {
  test.each([
    ["handled with an equal requestedAt", { [FORCE_AT]: "t1", "reconcile.fluxcd.io/requestedAt": "t1" }, {}, { handle: true, lastHandled: "t1" }],
    ["recorded but not handled without requestedAt", { [FORCE_AT]: "t1" }, {}, { handle: false, lastHandled: "t1" }],
    ["not handled twice", { [FORCE_AT]: "t1", "reconcile.fluxcd.io/requestedAt": "t1" }, { lastHandledForceAt: "t1" }, { handle: false, lastHandled: "t1" }],
    ["not handled when that reconcile request was", { [FORCE_AT]: "t1", "reconcile.fluxcd.io/requestedAt": "t1" }, { lastHandledReconcileAt: "t1" }, { handle: false, lastHandled: "t1" }],
    ["absent", {}, {}, { handle: false }],
  ])("a force request is %s", (_name, annotations, status, expected) => {
    expect(annotationRequest(hr({}, status, annotations), FORCE_AT)).toEqual(expected);
  });
});

describe("failureResetReason (helm-controller's MustResetFailures)", () => {
  const values = { replicaCount: 2 };
  const attempted = async () => ({ lastAttemptedGeneration: 3, lastAttemptedRevision: "6.5.0", lastAttemptedConfigDigest: await configDigest(values), upgradeFailures: 2 });
  test("keeps the counters when nothing changed", async () => {
    expect(await failureResetReason(hr({}, await attempted()), "6.5.0", values, await configDigest(values))).toBeUndefined();
  });
  test.each([
    ["a new generation", async () => ({ ...(await attempted()), lastAttemptedGeneration: 2 }), "6.5.0", values, undefined, "generation differs from last attempt"],
    ["a new chart version", attempted, "6.5.1", values, undefined, "chart version differs from last attempt"],
    ["new values", attempted, "6.5.0", { replicaCount: 3 }, undefined, "values differ from last attempt"],
    ["a reset request", attempted, "6.5.0", values, { [RESET_AT]: "r", "reconcile.fluxcd.io/requestedAt": "r" }, "reset requested through annotation"],
  ] as const)("resets them after %s", async (_name, status, version, vals, annotations, reason) => {
    expect(await failureResetReason(hr({}, await status(), annotations as Record<string, string> | undefined), version, vals, await configDigest(vals))).toBe(reason);
  });
  test("compares values against the deprecated SHA-1 checksum when that is all there is", async () => {
    // SHA-1 of "replicaCount: 2\n", the go-yaml v2 text of the values.
    const sum = [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode("replicaCount: 2\n")))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const status = { lastAttemptedGeneration: 3, lastAttemptedRevision: "6.5.0", lastAttemptedValuesChecksum: sum };
    expect(await failureResetReason(hr({}, status), "6.5.0", values, await configDigest(values))).toBeUndefined();
    expect(await failureResetReason(hr({}, status), "6.5.0", { replicaCount: 3 }, await configDigest({ replicaCount: 3 }))).toBe("values differ from last attempt");
  });
});
