/**
 * Helm's upgrade on the real control plane, run as the tenant's own ServiceAccount: what an upgrade
 * supersedes, deletes and keeps; hooks that fail, time out, or are deleted under their policies;
 * cleanupOnFail, maxHistory, preserveValues and the pending-operation lock. One namespace for the file,
 * one release name per test; hook Pods get their phase from test/support/helm-tenant.ts (no kubelet).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appChart as chart, engine, haveEngine, helmTenant, type HelmTenant } from "../support/helm-tenant.ts";
import { recordingClient } from "../support/recording-client.ts";
import type { ActionContext } from "../../agent/release/action-context.ts";
import { install } from "../../agent/release/install.ts";
import { upgrade } from "../../agent/release/upgrade.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";
import { helmGoProblems } from "../../agent/release/testdata/helm-go-decoder.ts";

const quick = { timeoutMs: 20_000 };

describe.skipIf(!haveEngine)("Helm's upgrade on the real API server", () => {
  let t: HelmTenant;
  let ctx: ActionContext;
  let ns: string;
  beforeAll(async () => {
    t = await helmTenant("helm-upgrade", { pollMs: 100 });
    ({ ctx, ns } = t);
  });
  afterAll(() => t?.close());
  const installed = async (name: string, values: Record<string, unknown> = {}) => install(ctx, name, { engine, chart: await chart(), values }, { ...quick, crds: "Skip" });
  const recorded = () => {
    const rec = recordingClient(t.tenant);
    return { rec, ctx: { ...ctx, client: rec.client, store: secretReleaseStore(rec.client, ns) } };
  };

  test("upgrade supersedes the deployed revision, deletes what the chart dropped and keeps resource-policy keep", async () => {
    await installed("drop", { extra: true, kept: true });
    expect(await t.get("ConfigMap", "drop-extra")).toBeDefined();
    const res = await upgrade(ctx, "drop", { engine, chart: await chart(), values: { message: "bye" } }, quick);
    expect([res.release.version, res.release.info.status, res.release.info.description]).toEqual([2, "deployed", "Upgrade complete"]);
    expect(await t.history("drop")).toEqual(["1 superseded", "2 deployed"]);
    expect((await t.get("ConfigMap", "drop-config"))!.data).toEqual({ message: "bye", revision: "2" });
    expect(await t.get("ConfigMap", "drop-extra")).toBeUndefined();
    expect(await t.get("ConfigMap", "drop-kept")).toBeDefined();
    expect(res.changeSet.entries.filter((e) => e.action === "deleted" || e.action === "skipped").map((e) => `${e.ref} ${e.action}`)).toEqual([
      `ConfigMap/${ns}/drop-extra deleted`,
      `ConfigMap/${ns}/drop-kept skipped`,
    ]);
    const [r1, r2] = [await t.revision("drop", 1), await t.revision("drop", 2)];
    expect(r2.info.first_deployed).toBe(r1.info.first_deployed);
    expect(helmGoProblems(r2)).toEqual([]);
  });

  test("an upgrade whose pre-upgrade hook fails is failed with Helm's text, and the previous revision stays deployed", async () => {
    await installed("hookfail");
    t.phases["hookfail-pre-upgrade"] = "Failed";
    const err = await upgrade(ctx, "hookfail", { engine, chart: await chart(), values: { preUpgradeHook: true, message: "new" } }, quick).catch((e) => e);
    expect([err.kind, err.reason]).toEqual(["transient", "UpgradeFailed"]);
    expect(err.release.info).toMatchObject({
      status: "failed",
      description: `Upgrade "hookfail" failed: pre-upgrade hooks failed: resource Pod/${ns}/hookfail-pre-upgrade not ready. status: Failed, message: pod hookfail-pre-upgrade failed`,
    });
    expect(await t.history("hookfail")).toEqual(["1 deployed", "2 failed"]);
    expect((await t.revision("hookfail", 2)).hooks!.find((h) => h.name === "hookfail-pre-upgrade")!.last_run.phase).toBe("Failed");
    // Nothing of the new manifest was applied; a failed hook without hook-failed is left for inspection.
    expect((await t.get("ConfigMap", "hookfail-config"))!.data).toMatchObject({ message: "hello" });
    expect(await t.get("Pod", "hookfail-pre-upgrade")).toBeDefined();
  });

  test("a hook that does not finish in time fails the upgrade with Helm's deadline text", async () => {
    await installed("slow");
    // No phase is set for slow-pre-upgrade: the Pod stays Pending, as one no node runs.
    const err = await upgrade(ctx, "slow", { engine, chart: await chart(), values: { preUpgradeHook: true } }, { timeoutMs: 1_000 }).catch((e) => e);
    expect(err.message).toBe(`pre-upgrade hooks failed: resource Pod/${ns}/slow-pre-upgrade not ready. status: InProgress, message: Pod in progress\ncontext deadline exceeded`);
    expect((await t.revision("slow", 2)).hooks!.find((h) => h.name === "slow-pre-upgrade")!.last_run.phase).toBe("Failed");
  });

  test("a failed hook with hook-failed is deleted", async () => {
    await installed("hookdel");
    t.phases["hookdel-pre-upgrade"] = "Failed";
    const { rec, ctx: c } = recorded();
    await upgrade(c, "hookdel", { engine, chart: await chart(), values: { preUpgradeHook: true, preUpgradeHookDeletePolicy: "hook-failed" } }, quick).catch(() => {});
    expect((await t.revision("hookdel", 2)).info.status).toBe("failed");
    expect(await t.get("Pod", "hookdel-pre-upgrade")).toBeUndefined();
    expect(rec.calls).toContain("delete Pod/hookdel-pre-upgrade");
  });

  test("a succeeding hook with hook-succeeded is deleted after the upgrade", async () => {
    await installed("hookok");
    t.phases["hookok-pre-upgrade"] = "Succeeded";
    await upgrade(ctx, "hookok", { engine, chart: await chart(), values: { preUpgradeHook: true } }, quick);
    expect((await t.revision("hookok", 2)).hooks!.map((h) => `${h.name} ${h.last_run.phase}`)).toEqual([
      "hookok-pre-install Succeeded",
      "hookok-pre-upgrade Succeeded",
      "hookok-test-connection ",
    ]);
    expect(await t.get("Pod", "hookok-pre-upgrade")).toBeUndefined();
  });

  test("cleanupOnFail deletes what a failed upgrade added once it was applied", async () => {
    await installed("cleanup");
    t.phases["cleanup-post-upgrade"] = "Failed";
    const { rec, ctx: c } = recorded();
    const err = await upgrade(c, "cleanup", { engine, chart: await chart(), values: { extra: true, postUpgradeHook: true } }, { ...quick, cleanupOnFail: true }).catch((e) => e);
    expect(err.release.info.description).toBe(
      `Upgrade "cleanup" failed: post-upgrade hooks failed: resource Pod/${ns}/cleanup-post-upgrade not ready. status: Failed, message: pod cleanup-post-upgrade failed`,
    );
    expect(await t.get("ConfigMap", "cleanup-extra")).toBeUndefined();
    expect(await t.get("ConfigMap", "cleanup-config")).toBeDefined();
    expect(rec.calls).toContain("apply ConfigMap/cleanup-extra");
    expect(rec.calls).toContain("delete ConfigMap/cleanup-extra");
  });

  test("maxHistory keeps the newest revisions and the deployed one", async () => {
    await installed("maxhist");
    for (const m of ["b", "c", "d"]) await upgrade(ctx, "maxhist", { engine, chart: await chart(), values: { message: m } }, { ...quick, maxHistory: 2 });
    expect(await t.history("maxhist")).toEqual(["3 superseded", "4 deployed"]);
  });

  test("preserveValues keeps the current values under the new ones", async () => {
    await installed("preserve", { message: "kept", extra: true });
    await upgrade(ctx, "preserve", { engine, chart: await chart(), values: { kept: true } }, { ...quick, preserveValues: true });
    expect((await t.revision("preserve", 2)).config).toEqual({ message: "kept", extra: true, kept: true });
    expect(await t.get("ConfigMap", "preserve-extra")).toBeDefined();
    await upgrade(ctx, "preserve", { engine, chart: await chart(), values: { kept: true } }, quick);
    expect((await t.revision("preserve", 3)).config).toEqual({ kept: true });
    expect(await t.get("ConfigMap", "preserve-extra")).toBeUndefined();
  });

  test("a pending latest revision refuses the upgrade", async () => {
    await installed("pending");
    const s = (await ctx.store.last("pending"))!;
    s.release.info.status = "pending-upgrade";
    await ctx.store.update(s);
    const err = await upgrade(ctx, "pending", { engine, chart: await chart() }, quick).catch((e) => e);
    expect(err.message).toBe("another operation (install/upgrade/rollback) is in progress");
    expect(await t.history("pending")).toEqual(["1 pending-upgrade"]);
  });
});
