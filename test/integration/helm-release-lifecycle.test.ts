/**
 * Helm's install, rollback, test and uninstall on the real control plane, run as the tenant's own
 * ServiceAccount: what an install stores and how it labels objects, the refusals (CRDs a tenant may not
 * create, an object another release owns, a record of another namespace), the test hooks, and
 * uninstall's hooks, kept objects and history. One namespace for the file, one release name per test;
 * hook Pods get their phase from test/support/helm-tenant.ts (no kubelet runs).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appChart as chart, engine, haveEngine, helmTenant, type HelmTenant } from "../support/helm-tenant.ts";
import { recordingClient } from "../support/recording-client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { RenderedRelease } from "../../agent/helm/render.ts";
import type { ActionContext } from "../../agent/release/action-context.ts";
import { ReleaseActionError } from "../../agent/release/action-result.ts";
import { install } from "../../agent/release/install.ts";
import { upgrade } from "../../agent/release/upgrade.ts";
import { rollback } from "../../agent/release/rollback.ts";
import { uninstall } from "../../agent/release/uninstall.ts";
import { releaseTest } from "../../agent/release/release-test.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";
import { helmGoProblems } from "../../agent/release/testdata/helm-go-decoder.ts";

const quick = { timeoutMs: 20_000 };
const managers = (o: KubeObject) => (o.metadata.managedFields as Array<{ manager: string; operation: string }>).map((f) => `${f.manager} ${f.operation}`);

describe.skipIf(!haveEngine)("Helm's install, rollback, test and uninstall on the real API server", () => {
  let t: HelmTenant;
  let ctx: ActionContext;
  let ns: string;
  beforeAll(async () => {
    t = await helmTenant("helm-lifecycle", { pollMs: 100 });
    ({ ctx, ns } = t);
  });
  afterAll(() => t?.close());
  const installed = async (name: string, values: Record<string, unknown> = {}) => install(ctx, name, { engine, chart: await chart(), values }, { ...quick, crds: "Skip" });

  test("install stores a deployed release Helm's Go structs read, and labels every object as Helm's", async () => {
    const res = await installed("web", { message: "hi" });
    expect([res.release.version, res.release.info.status, res.release.info.description]).toEqual([1, "deployed", "Install complete"]);
    expect(await t.history("web")).toEqual(["1 deployed"]);
    const r = await t.revision("web", 1);
    expect(helmGoProblems(r)).toEqual([]);
    expect([r.apply_method, r.config, r.info.notes]).toEqual(["ssa", { message: "hi" }, "web says hi.\n"]);
    expect(Object.keys(r)).toEqual(["name", "info", "chart", "config", "manifest", "hooks", "version", "namespace", "apply_method"]);
    const cm = (await t.get("ConfigMap", "web-config"))!;
    expect(cm.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "Helm" });
    expect(cm.metadata.annotations).toEqual({ "meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": ns });
    expect(managers(cm)).toEqual(["helm-controller Apply"]);
    // The pre-install hook ran (and stays: before-hook-creation is its default policy, now recorded).
    const hook = r.hooks!.find((h) => h.name === "web-pre-install")!;
    expect([hook.last_run.phase, hook.delete_policies]).toEqual(["Succeeded", ["before-hook-creation"]]);
    expect(await t.get("ConfigMap", "web-pre-install")).toBeDefined();
    expect(r.hooks!.find((h) => h.name === "web-test-connection")!.last_run).toEqual({ phase: "" });
  });

  test("the chart's CRDs are refused, naming them, when the tenant may not create cluster-scoped kinds", async () => {
    const rec = recordingClient(t.tenant);
    const err = await install({ ...ctx, client: rec.client, store: secretReleaseStore(rec.client, ns) }, "crds", { engine, chart: await chart() }, quick).catch((e) => e);
    expect(err).toBeInstanceOf(ReleaseActionError);
    expect([err.kind, err.reason]).toEqual(["terminal", "AccessDenied"]);
    expect(err.message).toBe(
      "Cannot install CustomResourceDefinitions widgets.rivulet-test.example.com (crds policy Create): tenants may not apply cluster-scoped objects (a platform admin can allow the kind with --allow-cluster-kinds, or set the crds policy to Skip)",
    );
    expect(err.release).toBeUndefined();
    expect(rec.writes()).toEqual([]);
    expect(await t.history("crds")).toEqual([]);
  });

  test("an existing object of another release is refused with Helm's text unless ownership is taken", async () => {
    await t.admin.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owned-config", namespace: ns, labels: { "app.kubernetes.io/managed-by": "Helm" }, annotations: { "meta.helm.sh/release-name": "shop", "meta.helm.sh/release-namespace": ns } },
      },
      { fieldManager: "helm" },
    );
    const err = await install(ctx, "owned", { engine, chart: await chart() }, { ...quick, crds: "Skip", disableTakeOwnership: true }).catch((e) => e);
    expect(err.message).toBe(
      `unable to continue with install: ConfigMap "owned-config" in namespace "${ns}" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "owned": current value is "shop"`,
    );
    expect(await t.history("owned")).toEqual([]);
    // helm-controller's default takes it over.
    await installed("owned");
    expect((await t.get("ConfigMap", "owned-config"))!.metadata.annotations!["meta.helm.sh/release-name"]).toBe("owned");
  });

  test("rollback writes a new revision from the target one", async () => {
    await installed("rb", { message: "one" });
    await upgrade(ctx, "rb", { engine, chart: await chart(), values: { message: "two" } }, quick);
    const res = await rollback(ctx, "rb", quick);
    expect([res.release.version, res.release.info.status, res.release.info.description, res.release.info.rollback_revision]).toEqual([3, "deployed", "Rollback to 1", 1]);
    expect(await t.history("rb")).toEqual(["1 superseded", "2 superseded", "3 deployed"]);
    expect((await t.get("ConfigMap", "rb-config"))!.data).toEqual({ message: "one", revision: "1" });
    expect(helmGoProblems(await t.revision("rb", 3))).toEqual([]);
    expect(await rollback(ctx, "rb", { version: 9 }).catch((e) => e.message)).toBe("release has no 9 version");
  });

  test("a rollback whose pre-rollback hook fails stays pending-rollback, as Helm leaves it, and locks the release", async () => {
    await installed("rbhook", { preRollbackHook: true, message: "one" });
    await upgrade(ctx, "rbhook", { engine, chart: await chart(), values: { preRollbackHook: true, message: "two" } }, quick);
    t.phases["rbhook-pre-rollback"] = "Failed";
    const err = await rollback(ctx, "rbhook", quick).catch((e) => e);
    expect(err.message).toBe(`resource Pod/${ns}/rbhook-pre-rollback not ready. status: Failed, message: pod rbhook-pre-rollback failed`);
    expect(err.release.info).toMatchObject({ status: "pending-rollback", description: "Rollback to 1", rollback_revision: 1 });
    expect(await t.history("rbhook")).toEqual(["1 superseded", "2 deployed", "3 pending-rollback"]);
    expect((await t.revision("rbhook", 3)).hooks!.find((h) => h.name === "rbhook-pre-rollback")!.last_run.phase).toBe("Running");
    expect((await t.get("ConfigMap", "rbhook-config"))!.data).toMatchObject({ message: "two" });
    expect(await upgrade(ctx, "rbhook", { engine, chart: await chart(), values: { message: "three" } }, quick).catch((e) => e.message)).toBe(
      "another operation (install/upgrade/rollback) is in progress",
    );
  });

  test("test runs the test hooks and records their phases; filters leave some out", async () => {
    await installed("tst");
    t.phases["tst-test-connection"] = "Succeeded";
    await releaseTest(ctx, "tst", { ...quick, filters: [{ name: "tst-test-connection", exclude: true }] });
    expect((await t.revision("tst", 1)).hooks!.find((h) => h.name === "tst-test-connection")!.last_run.phase).toBe("");
    expect(await t.get("Pod", "tst-test-connection")).toBeUndefined();
    const res = await releaseTest(ctx, "tst", quick);
    const run = (await t.revision("tst", 1)).hooks!.find((h) => h.name === "tst-test-connection")!.last_run;
    expect(run.phase).toBe("Succeeded");
    expect(run.started_at! <= run.completed_at!).toBe(true);
    expect(res.release.info.status).toBe("deployed");
  });

  test("a failing test fails the action and records the failure", async () => {
    await installed("tstfail");
    t.phases["tstfail-test-connection"] = "Failed";
    const err = await releaseTest(ctx, "tstfail", quick).catch((e) => e);
    expect(err.message).toBe(`resource Pod/${ns}/tstfail-test-connection not ready. status: Failed, message: pod tstfail-test-connection failed`);
    expect((await t.revision("tstfail", 1)).hooks!.find((h) => h.name === "tstfail-test-connection")!.last_run.phase).toBe("Failed");
  });

  test("uninstall with keepHistory deletes the objects but kept ones and marks the release uninstalled", async () => {
    await installed("gone", { kept: true });
    const res = await uninstall(ctx, "gone", { ...quick, keepHistory: true });
    expect([res.release.info.status, res.release.info.description]).toEqual(["uninstalled", "Uninstallation complete"]);
    expect(res.info).toBe("These resources were kept due to the resource policy:\n[ConfigMap] gone-kept\n");
    expect(await t.history("gone")).toEqual(["1 uninstalled"]);
    expect([await t.get("ConfigMap", "gone-config"), await t.get("Service", "gone")]).toEqual([undefined, undefined]);
    expect(await t.get("ConfigMap", "gone-kept")).toBeDefined();
    expect(await uninstall(ctx, "gone", { keepHistory: true }).catch((e) => e.message)).toBe('the release named "gone" is already deleted');
    // Install over it needs replace, as in Helm.
    expect(await install(ctx, "gone", { engine, chart: await chart() }, { crds: "Skip" }).catch((e) => e.message)).toBe("cannot reuse a name that is still in use");
    const again = await install(ctx, "gone", { engine, chart: await chart() }, { ...quick, crds: "Skip", replace: true });
    expect(again.release.version).toBe(2);
    expect(await t.history("gone")).toEqual(["1 superseded", "2 deployed"]);
  });

  test("a post-renderer's manifest is the one recorded and applied (helm-controller's origin labels)", async () => {
    const postRender = (r: RenderedRelease): RenderedRelease => ({ ...r, manifest: r.manifest.replace(/\nmetadata:\n/g, "\nmetadata:\n  labels:\n    helm.toolkit.fluxcd.io/name: pr\n") });
    await install(ctx, "pr", { engine, chart: await chart(), postRender }, { ...quick, crds: "Skip" });
    expect((await t.revision("pr", 1)).manifest).toContain("helm.toolkit.fluxcd.io/name: pr");
    expect((await t.get("Service", "pr"))!.metadata.labels).toEqual({ "helm.toolkit.fluxcd.io/name": "pr", "app.kubernetes.io/managed-by": "Helm" });
  });

  test("a stored release of another namespace is not acted on", async () => {
    await installed("foreign");
    const s = (await ctx.store.last("foreign"))!;
    s.release.namespace = "kube-system";
    await ctx.store.update(s);
    const err = await uninstall(ctx, "foreign", quick).catch((e) => e);
    expect(err.message).toBe(`release foreign: refused before applying anything: its namespace is kube-system, this agent only acts in namespace ${ns}`);
    expect(await t.get("ConfigMap", "foreign-config")).toBeDefined();
    expect(await t.history("foreign")).toEqual(["1 deployed"]);
  });

  test("uninstall runs the pre-delete and post-delete hooks and records them", async () => {
    await installed("delhooks", { deleteHooks: true });
    expect(await t.get("ConfigMap", "delhooks-pre-delete")).toBeUndefined();
    const rec = recordingClient(t.tenant);
    await uninstall({ ...ctx, client: rec.client, store: secretReleaseStore(rec.client, ns) }, "delhooks", { ...quick, keepHistory: true });
    expect((await t.revision("delhooks", 1)).hooks!.filter((h) => h.events[0]!.endsWith("-delete")).map((h) => `${h.name} ${h.last_run.phase}`)).toEqual([
      "delhooks-pre-delete Succeeded",
      "delhooks-post-delete Succeeded",
    ]);
    expect([await t.get("ConfigMap", "delhooks-pre-delete"), await t.get("ConfigMap", "delhooks-post-delete")].map((o) => o?.metadata.name)).toEqual([
      "delhooks-pre-delete",
      "delhooks-post-delete",
    ]);
    const at = (call: string) => rec.calls.indexOf(call);
    expect(at("apply ConfigMap/delhooks-pre-delete")).toBeGreaterThanOrEqual(0);
    expect(at("apply ConfigMap/delhooks-pre-delete")).toBeLessThan(at("delete ConfigMap/delhooks-config"));
    expect(at("delete ConfigMap/delhooks-config")).toBeLessThan(at("apply ConfigMap/delhooks-post-delete"));
  });

  test("uninstall without keepHistory deletes every revision's Secret", async () => {
    await installed("purge");
    await upgrade(ctx, "purge", { engine, chart: await chart(), values: { message: "x" } }, quick);
    expect(await t.history("purge")).toEqual(["1 superseded", "2 deployed"]);
    await uninstall(ctx, "purge", quick);
    expect(await t.history("purge")).toEqual([]);
  });
});
