import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadChart } from "../helm/chart-loader.ts";
import { createTemplateEngine } from "../helm/template-engine.ts";
import { decodeRelease, type Release } from "../helm/release-codec.ts";
import type { RenderedRelease } from "../helm/render.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { helmWasmPort } from "../runtime/helm-wasm.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ActionContext } from "./action-context.ts";
import { ReleaseActionError } from "./action-result.ts";
import { install } from "./install.ts";
import { upgrade } from "./upgrade.ts";
import { rollback } from "./rollback.ts";
import { uninstall } from "./uninstall.ts";
import { releaseTest } from "./release-test.ts";
import { secretReleaseStore } from "./release-store.ts";
import { fakeKube, type FakeKube } from "./testdata/fake-kube.ts";
import { helmGoProblems } from "./testdata/helm-go-decoder.ts";

const haveEngine = existsSync(new URL("../../wasm/helm-template/build/helm-template.wasm", import.meta.url));
const engine = createTemplateEngine(helmWasmPort);
const chart = () => loadChart(fsTreeReader(join(import.meta.dirname, "testdata", "charts", "app")), "app");

let kube: FakeKube;
let ctx: ActionContext;
const quick = { timeoutMs: 2_000 };

/** Plays the kubelet: Pods named in `phases` end in that phase as soon as they are written. */
function kubelet(phases: Record<string, "Succeeded" | "Failed">) {
  kube.onWrite = (o) => {
    const phase = phases[o.metadata.name!];
    if (o.kind === "Pod" && phase && (o.status as { phase?: string } | undefined)?.phase !== phase) kube.put({ ...o, status: { phase } });
  };
}

const secrets = () =>
  [...kube.objects.values()]
    .filter((o) => o.kind === "Secret")
    .map((o) => `${o.metadata.name} ${o.metadata.labels!.status}`)
    .sort();
const stored = (v: number): Release => decodeRelease(atob((kube.objects.get(`Secret|team|sh.helm.release.v1.web.v${v}`)!.data as { release: string }).release));
const live = (kind: string, name: string): KubeObject | undefined => kube.objects.get(`${kind}|team|${name}`);

beforeEach(() => {
  kube = fakeKube();
  ctx = { client: kube, store: secretReleaseStore(kube, "team"), namespace: "team", pollMs: 10 };
});

describe.skipIf(!haveEngine)("Helm actions on a fake API server", () => {
  test("install stores a deployed release Helm's Go structs read, and labels every object as Helm's", async () => {
    const res = await install(ctx, "web", { engine, chart: await chart(), values: { message: "hi" } }, { ...quick, crds: "Skip" });
    expect([res.release.version, res.release.info.status, res.release.info.description]).toEqual([1, "deployed", "Install complete"]);
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 deployed"]);
    const r = stored(1);
    expect(helmGoProblems(r)).toEqual([]);
    expect([r.apply_method, r.config, r.info.notes]).toEqual(["ssa", { message: "hi" }, "web says hi.\n"]);
    expect(Object.keys(r)).toEqual(["name", "info", "chart", "config", "manifest", "hooks", "version", "namespace", "apply_method"]);
    const cm = live("ConfigMap", "web-config")!;
    expect(cm.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "Helm" });
    expect(cm.metadata.annotations).toEqual({ "meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": "team" });
    expect(cm.metadata.managedFields).toEqual([{ manager: "helm-controller" }]);
    // The pre-install hook ran (and stays: before-hook-creation is its default policy, now recorded).
    const hook = r.hooks!.find((h) => h.name === "web-pre-install")!;
    expect([hook.last_run.phase, hook.delete_policies]).toEqual(["Succeeded", ["before-hook-creation"]]);
    expect(live("ConfigMap", "web-pre-install")).toBeDefined();
    expect(r.hooks!.find((h) => h.name === "web-test-connection")!.last_run).toEqual({ phase: "" });
  });

  test("the chart's CRDs are refused, naming them, when the tenant may not create cluster-scoped kinds", async () => {
    const err = await install(ctx, "web", { engine, chart: await chart() }, quick).catch((e) => e);
    expect(err).toBeInstanceOf(ReleaseActionError);
    expect([err.kind, err.reason]).toEqual(["terminal", "AccessDenied"]);
    expect(err.message).toBe(
      "Cannot install CustomResourceDefinitions widgets.rivulet-test.example.com (crds policy Create): tenants may not apply cluster-scoped objects (a platform admin can allow the kind with --allow-cluster-kinds, or set the crds policy to Skip)",
    );
    expect(err.release).toBeUndefined();
    expect(secrets()).toEqual([]);
  });

  test("with CustomResourceDefinition allowed but not granted, the API server's Forbidden names the CRDs", async () => {
    kube.forbidden.add("CustomResourceDefinition");
    const err = await install({ ...ctx, allowedClusterKinds: ["CustomResourceDefinition"] }, "web", { engine, chart: await chart() }, quick).catch((e) => e);
    expect(err.message).toBe('Cannot install CustomResourceDefinitions widgets.rivulet-test.example.com: Cannot patch CustomResourceDefinition/widgets.rivulet-test.example.com: forbidden: User "tenant" cannot patch resource');
  });

  test("an object in another namespace is refused before the first write", async () => {
    const err = await install(ctx, "web", { engine, chart: await chart(), values: { otherNamespace: "kube-system" } }, { ...quick, crds: "Skip" }).catch((e) => e);
    expect(err.message).toBe(
      "release web: refused before applying anything: ConfigMap/kube-system/web-elsewhere targets namespace kube-system: this agent only applies to namespace team (remove metadata.namespace or set spec.targetNamespace: team)",
    );
    expect(kube.calls.filter((c) => !c.startsWith("get ") && !c.startsWith("list "))).toEqual([]);
  });

  test("an existing object of another release is refused with Helm's text unless ownership is taken", async () => {
    kube.put({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config", namespace: "team", labels: { "app.kubernetes.io/managed-by": "Helm" }, annotations: { "meta.helm.sh/release-name": "shop", "meta.helm.sh/release-namespace": "team" } } });
    const err = await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip", disableTakeOwnership: true }).catch((e) => e);
    expect(err.message).toBe(
      'unable to continue with install: ConfigMap "web-config" in namespace "team" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "web": current value is "shop"',
    );
    expect(secrets()).toEqual([]);
    // helm-controller's default takes it over.
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    expect(live("ConfigMap", "web-config")!.metadata.annotations!["meta.helm.sh/release-name"]).toBe("web");
  });

  test("upgrade supersedes the deployed revision, deletes what the chart dropped and keeps resource-policy keep", async () => {
    await install(ctx, "web", { engine, chart: await chart(), values: { extra: true, kept: true } }, { ...quick, crds: "Skip" });
    expect(live("ConfigMap", "web-extra")).toBeDefined();
    const res = await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: "bye" } }, quick);
    expect([res.release.version, res.release.info.status, res.release.info.description]).toEqual([2, "deployed", "Upgrade complete"]);
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 superseded", "sh.helm.release.v1.web.v2 deployed"]);
    expect(live("ConfigMap", "web-config")!.data).toEqual({ message: "bye", revision: "2" });
    expect(live("ConfigMap", "web-extra")).toBeUndefined();
    expect(live("ConfigMap", "web-kept")).toBeDefined();
    expect(res.changeSet.entries.filter((e) => e.action === "deleted" || e.action === "skipped").map((e) => `${e.ref} ${e.action}`)).toEqual([
      "ConfigMap/team/web-extra deleted",
      "ConfigMap/team/web-kept skipped",
    ]);
    expect(stored(2).info.first_deployed).toBe(stored(1).info.first_deployed);
    expect(helmGoProblems(stored(2))).toEqual([]);
  });

  test("an upgrade whose pre-upgrade hook fails is failed with Helm's text, and the previous revision stays deployed", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-pre-upgrade": "Failed" });
    const err = await upgrade(ctx, "web", { engine, chart: await chart(), values: { preUpgradeHook: true, message: "new" } }, quick).catch((e) => e);
    expect([err.kind, err.reason]).toEqual(["transient", "UpgradeFailed"]);
    expect(err.release.info).toMatchObject({
      status: "failed",
      description: 'Upgrade "web" failed: pre-upgrade hooks failed: resource Pod/team/web-pre-upgrade not ready. status: Failed, message: pod web-pre-upgrade failed',
    });
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 deployed", "sh.helm.release.v1.web.v2 failed"]);
    expect(stored(2).hooks!.find((h) => h.name === "web-pre-upgrade")!.last_run.phase).toBe("Failed");
    // Nothing of the new manifest was applied; a failed hook without hook-failed is left for inspection.
    expect(live("ConfigMap", "web-config")!.data).toMatchObject({ message: "hello" });
    expect(live("Pod", "web-pre-upgrade")).toBeDefined();
  });

  test("a hook that does not finish in time fails the upgrade with Helm's deadline text", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    const err = await upgrade(ctx, "web", { engine, chart: await chart(), values: { preUpgradeHook: true } }, { timeoutMs: 300 }).catch((e) => e);
    expect(err.message).toBe("pre-upgrade hooks failed: resource Pod/team/web-pre-upgrade not ready. status: InProgress, message: Pod in progress\ncontext deadline exceeded");
    expect(stored(2).hooks!.find((h) => h.name === "web-pre-upgrade")!.last_run.phase).toBe("Failed");
  });

  test("a failed hook with hook-failed is deleted", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-pre-upgrade": "Failed" });
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { preUpgradeHook: true, preUpgradeHookDeletePolicy: "hook-failed" } }, quick).catch(() => {});
    expect(stored(2).info.status).toBe("failed");
    expect(live("Pod", "web-pre-upgrade")).toBeUndefined();
    expect(kube.calls).toContain("delete Pod/web-pre-upgrade");
  });

  test("a succeeding hook with hook-succeeded is deleted after the upgrade", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-pre-upgrade": "Succeeded" });
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { preUpgradeHook: true } }, quick);
    expect(stored(2).hooks!.map((h) => `${h.name} ${h.last_run.phase}`)).toEqual(["web-pre-install Succeeded", "web-pre-upgrade Succeeded", "web-test-connection "]);
    expect(live("Pod", "web-pre-upgrade")).toBeUndefined();
  });

  test("cleanupOnFail deletes what a failed upgrade added once it was applied", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-post-upgrade": "Failed" });
    const err = await upgrade(ctx, "web", { engine, chart: await chart(), values: { extra: true, postUpgradeHook: true } }, { ...quick, cleanupOnFail: true }).catch((e) => e);
    expect(err.release.info.description).toBe('Upgrade "web" failed: post-upgrade hooks failed: resource Pod/team/web-post-upgrade not ready. status: Failed, message: pod web-post-upgrade failed');
    expect(live("ConfigMap", "web-extra")).toBeUndefined();
    expect(live("ConfigMap", "web-config")).toBeDefined();
    expect(kube.calls).toContain("delete ConfigMap/web-extra");
  });

  test("maxHistory keeps the newest revisions and the deployed one", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    for (const m of ["b", "c", "d"]) await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: m } }, { ...quick, maxHistory: 2 });
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v3 superseded", "sh.helm.release.v1.web.v4 deployed"]);
  });

  test("preserveValues keeps the current values under the new ones", async () => {
    await install(ctx, "web", { engine, chart: await chart(), values: { message: "kept", extra: true } }, { ...quick, crds: "Skip" });
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { kept: true } }, { ...quick, preserveValues: true });
    expect(stored(2).config).toEqual({ message: "kept", extra: true, kept: true });
    expect(live("ConfigMap", "web-extra")).toBeDefined();
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { kept: true } }, quick);
    expect(stored(3).config).toEqual({ kept: true });
    expect(live("ConfigMap", "web-extra")).toBeUndefined();
  });

  test("a pending latest revision refuses the upgrade", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    const s = (await ctx.store.last("web"))!;
    s.release.info.status = "pending-upgrade";
    await ctx.store.update(s);
    const err = await upgrade(ctx, "web", { engine, chart: await chart() }, quick).catch((e) => e);
    expect(err.message).toBe("another operation (install/upgrade/rollback) is in progress");
  });

  test("rollback writes a new revision from the target one", async () => {
    await install(ctx, "web", { engine, chart: await chart(), values: { message: "one" } }, { ...quick, crds: "Skip" });
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: "two" } }, quick);
    const res = await rollback(ctx, "web", quick);
    expect([res.release.version, res.release.info.status, res.release.info.description, res.release.info.rollback_revision]).toEqual([3, "deployed", "Rollback to 1", 1]);
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 superseded", "sh.helm.release.v1.web.v2 superseded", "sh.helm.release.v1.web.v3 deployed"]);
    expect(live("ConfigMap", "web-config")!.data).toEqual({ message: "one", revision: "1" });
    expect(helmGoProblems(stored(3))).toEqual([]);
    expect(await rollback(ctx, "web", { version: 9 }).catch((e) => e.message)).toBe("release has no 9 version");
  });

  test("test runs the test hooks and records their phases; filters leave some out", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-test-connection": "Succeeded" });
    await releaseTest(ctx, "web", { ...quick, filters: [{ name: "web-test-connection", exclude: true }] });
    expect(stored(1).hooks!.find((h) => h.name === "web-test-connection")!.last_run.phase).toBe("");
    const res = await releaseTest(ctx, "web", quick);
    const run = stored(1).hooks!.find((h) => h.name === "web-test-connection")!.last_run;
    expect(run.phase).toBe("Succeeded");
    expect(run.started_at! <= run.completed_at!).toBe(true);
    expect(res.release.info.status).toBe("deployed");
  });

  test("a failing test fails the action and records the failure", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    kubelet({ "web-test-connection": "Failed" });
    const err = await releaseTest(ctx, "web", quick).catch((e) => e);
    expect(err.message).toBe("resource Pod/team/web-test-connection not ready. status: Failed, message: pod web-test-connection failed");
    expect(stored(1).hooks!.find((h) => h.name === "web-test-connection")!.last_run.phase).toBe("Failed");
  });

  test("uninstall with keepHistory deletes the objects but kept ones and marks the release uninstalled", async () => {
    await install(ctx, "web", { engine, chart: await chart(), values: { kept: true } }, { ...quick, crds: "Skip" });
    const res = await uninstall(ctx, "web", { ...quick, keepHistory: true });
    expect([res.release.info.status, res.release.info.description]).toEqual(["uninstalled", "Uninstallation complete"]);
    expect(res.info).toBe("These resources were kept due to the resource policy:\n[ConfigMap] web-kept\n");
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 uninstalled"]);
    expect([live("ConfigMap", "web-config"), live("Service", "web")]).toEqual([undefined, undefined]);
    expect(live("ConfigMap", "web-kept")).toBeDefined();
    expect(await uninstall(ctx, "web", { keepHistory: true }).catch((e) => e.message)).toBe('the release named "web" is already deleted');
    // Install over it needs replace, as in Helm.
    expect(await install(ctx, "web", { engine, chart: await chart() }, { crds: "Skip" }).catch((e) => e.message)).toBe("cannot reuse a name that is still in use");
    const again = await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip", replace: true });
    expect(again.release.version).toBe(2);
    expect(secrets()).toEqual(["sh.helm.release.v1.web.v1 superseded", "sh.helm.release.v1.web.v2 deployed"]);
  });

  test("a post-renderer's manifest is the one recorded and applied (helm-controller's origin labels)", async () => {
    const postRender = (r: RenderedRelease): RenderedRelease => ({ ...r, manifest: r.manifest.replace(/\nmetadata:\n/g, "\nmetadata:\n  labels:\n    helm.toolkit.fluxcd.io/name: web\n") });
    await install(ctx, "web", { engine, chart: await chart(), postRender }, { ...quick, crds: "Skip" });
    expect(stored(1).manifest).toContain("helm.toolkit.fluxcd.io/name: web");
    expect(live("Service", "web")!.metadata.labels).toEqual({ "helm.toolkit.fluxcd.io/name": "web", "app.kubernetes.io/managed-by": "Helm" });
  });

  test("a stored release of another namespace is not acted on", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    const s = (await ctx.store.last("web"))!;
    s.release.namespace = "kube-system";
    await ctx.store.update(s);
    const err = await uninstall(ctx, "web", quick).catch((e) => e);
    expect(err.message).toBe("release web: refused before applying anything: its namespace is kube-system, this agent only acts in namespace team");
    expect(live("ConfigMap", "web-config")).toBeDefined();
  });

  test("uninstall runs the pre-delete and post-delete hooks and records them", async () => {
    await install(ctx, "web", { engine, chart: await chart(), values: { deleteHooks: true } }, { ...quick, crds: "Skip" });
    expect(live("ConfigMap", "web-pre-delete")).toBeUndefined();
    await uninstall(ctx, "web", { ...quick, keepHistory: true });
    expect(stored(1).hooks!.filter((h) => h.events[0]!.endsWith("-delete")).map((h) => `${h.name} ${h.last_run.phase}`)).toEqual(["web-pre-delete Succeeded", "web-post-delete Succeeded"]);
    expect([live("ConfigMap", "web-pre-delete"), live("ConfigMap", "web-post-delete")].map((o) => o?.metadata.name)).toEqual(["web-pre-delete", "web-post-delete"]);
    expect(kube.calls.indexOf("apply ConfigMap/web-pre-delete")).toBeLessThan(kube.calls.indexOf("delete ConfigMap/web-config"));
    expect(kube.calls.indexOf("delete ConfigMap/web-config")).toBeLessThan(kube.calls.indexOf("apply ConfigMap/web-post-delete"));
  });

  test("uninstall without keepHistory deletes every revision's Secret", async () => {
    await install(ctx, "web", { engine, chart: await chart() }, { ...quick, crds: "Skip" });
    await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: "x" } }, quick);
    await uninstall(ctx, "web", quick);
    expect(secrets()).toEqual([]);
  });
});
