/**
 * Helm's actions on the real control plane, run as the tenant's own identity (the `rivulet`
 * ServiceAccount of deploy/tenant, which may do anything in its namespace and nothing outside it):
 * install -> upgrade by a values change -> an upgrade whose pre-upgrade hook fails is marked failed ->
 * rollback -> test hooks -> uninstall with keepHistory; a release Helm wrote (the podinfo fixture) read
 * from its Secret and upgraded; a manifest reaching into another namespace refused before the first
 * write; the chart's CRDs refused by the API server with their names. Every Secret written is checked
 * with a reader written against Helm's Go structs. No kubelet runs, so the test sets hook Pods' phases
 * (test/support/helm-tenant.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/cluster.ts";
import { appChart as chart, engine, haveEngine, helmTenant, type HelmTenant } from "../support/helm-tenant.ts";
import { recordingClient } from "../support/recording-client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { base64Decode } from "../../agent/core/bytes.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import type { Chart, ChartMetadata } from "../../agent/helm/chart.ts";
import { decodeRelease, type Release } from "../../agent/helm/release-codec.ts";
import type { ActionContext } from "../../agent/release/action-context.ts";
import { install } from "../../agent/release/install.ts";
import { upgrade } from "../../agent/release/upgrade.ts";
import { rollback } from "../../agent/release/rollback.ts";
import { uninstall } from "../../agent/release/uninstall.ts";
import { releaseTest } from "../../agent/release/release-test.ts";
import { withOwnership } from "../../agent/release/ownership.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";
import { helmGoProblems } from "../../agent/release/testdata/helm-go-decoder.ts";

const fixtures = join(repoRoot, "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const opts = { timeoutMs: 30_000 };

let t: HelmTenant;
let admin: HelmTenant["admin"];
let ns: string;
let ctx: ActionContext;
let phases: HelmTenant["phases"];
let history: HelmTenant["history"];
let revision: HelmTenant["revision"];
let get: HelmTenant["get"];

beforeAll(async () => {
  t = await helmTenant("helm-actions");
  ({ admin, ns, ctx, phases, history, revision, get } = t);
});
afterAll(() => t?.close());

describe.skipIf(!haveEngine)("Helm actions on the real API server", () => {
  test("install -> upgrade -> failed upgrade -> rollback -> test -> uninstall with keepHistory", async () => {
    const installed = await install(ctx, "web", { engine, chart: await chart(), values: { extra: true, kept: true } }, { ...opts, crds: "Skip" });
    expect(installed.release.info.description).toBe("Install complete");
    expect(await history("web")).toEqual(["1 deployed"]);
    const cm = (await get("ConfigMap", "web-config"))!;
    expect(cm.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "Helm" });
    expect(cm.metadata.annotations).toEqual({ "meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": ns });
    expect((cm.metadata.managedFields as Array<{ manager: string; operation: string }>).map((f) => `${f.manager} ${f.operation}`)).toEqual(["helm-controller Apply"]);
    expect(helmGoProblems(await revision("web", 1))).toEqual([]);

    // A values change: the dropped ConfigMap goes, the kept one stays.
    const upgraded = await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: "two" } }, opts);
    expect([upgraded.release.version, upgraded.release.info.description]).toEqual([2, "Upgrade complete"]);
    expect(await history("web")).toEqual(["1 superseded", "2 deployed"]);
    expect((await get("ConfigMap", "web-config"))!.data).toEqual({ message: "two", revision: "2" });
    expect(await get("ConfigMap", "web-extra")).toBeUndefined();
    expect(await get("ConfigMap", "web-kept")).toBeDefined();

    // A pre-upgrade hook that fails: the revision is failed, the previous one stays deployed.
    phases["web-pre-upgrade"] = "Failed";
    const failed = await upgrade(ctx, "web", { engine, chart: await chart(), values: { message: "three", preUpgradeHook: true } }, opts).catch((e) => e);
    expect(failed.release.info.description).toBe(
      `Upgrade "web" failed: pre-upgrade hooks failed: resource Pod/${ns}/web-pre-upgrade not ready. status: Failed, message: pod web-pre-upgrade failed`,
    );
    expect(await history("web")).toEqual(["1 superseded", "2 deployed", "3 failed"]);
    const r3 = await revision("web", 3);
    expect(r3.hooks!.find((h) => h.name === "web-pre-upgrade")!.last_run.phase).toBe("Failed");
    expect(helmGoProblems(r3)).toEqual([]);
    expect((await get("ConfigMap", "web-config"))!.data).toEqual({ message: "two", revision: "2" });

    // Rollback to the last good revision.
    const rolled = await rollback(ctx, "web", { ...opts, version: 2 });
    expect([rolled.release.version, rolled.release.info.description, rolled.release.info.rollback_revision]).toEqual([4, "Rollback to 2", 2]);
    expect(await history("web")).toEqual(["1 superseded", "2 superseded", "3 failed", "4 deployed"]);
    expect(helmGoProblems(await revision("web", 4))).toEqual([]);

    // Test hooks: the phase lands in the stored revision.
    phases["web-test-connection"] = "Succeeded";
    await releaseTest(ctx, "web", opts);
    expect((await revision("web", 4)).hooks!.find((h) => h.name === "web-test-connection")!.last_run.phase).toBe("Succeeded");

    const removed = await uninstall(ctx, "web", { ...opts, keepHistory: true });
    expect(removed.release.info.description).toBe("Uninstallation complete");
    expect(await history("web")).toEqual(["1 superseded", "2 superseded", "3 failed", "4 uninstalled"]);
    expect([await get("ConfigMap", "web-config"), await get("Service", "web")]).toEqual([undefined, undefined]);
    expect(await get("ConfigMap", "web-kept")).toBeDefined();
    expect(helmGoProblems(await revision("web", 4))).toEqual([]);
  }, 180_000);

  test("a hook Job is waited for until the Job controller marks it Complete, then deleted by hook-succeeded", async () => {
    await install(ctx, "job", { engine, chart: await chart() }, { ...opts, crds: "Skip" });
    phases["job-migrate"] = "Succeeded";
    const res = await upgrade(ctx, "job", { engine, chart: await chart(), values: { jobHook: true } }, opts);
    expect(res.release.info.description).toBe("Upgrade complete");
    expect(res.release.hooks!.find((h) => h.name === "job-migrate")!.last_run.phase).toBe("Succeeded");
    expect(await get("Job", "job-migrate", "batch/v1")).toBeUndefined();
  }, 60_000);

  test("a manifest with an object in another namespace is refused before the first write", async () => {
    const rec = recordingClient(ctx.client);
    const err = await install({ ...ctx, client: rec.client, store: secretReleaseStore(rec.client, ns) }, "far", { engine, chart: await chart(), values: { otherNamespace: "default" } }, { ...opts, crds: "Skip" }).catch((e) => e);
    expect(err.message).toBe(
      `release far: refused before applying anything: ConfigMap/default/far-elsewhere targets namespace default: this agent only applies to namespace ${ns} (remove metadata.namespace or set spec.targetNamespace: ${ns})`,
    );
    expect(rec.writes()).toEqual([]);
    expect(await history("far")).toEqual([]);
    expect(await get("ConfigMap", "far-config")).toBeUndefined();
  });

  test("the chart's CRDs are refused by the API server for a tenant, naming them", async () => {
    const err = await install({ ...ctx, allowedClusterKinds: ["CustomResourceDefinition"] }, "crd", { engine, chart: await chart() }, opts).catch((e) => e);
    expect(err.message).toBe(
      `Cannot install CustomResourceDefinitions widgets.rivulet-test.example.com: Cannot get CustomResourceDefinition/widgets.rivulet-test.example.com: customresourcedefinitions.apiextensions.k8s.io "widgets.rivulet-test.example.com" is forbidden: User "system:serviceaccount:${ns}:rivulet" cannot get resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`,
    );
    expect(await history("crd")).toEqual([]);
  });

  test.skipIf(!existsSync(fixtures))("a release Helm wrote (podinfo fixture) is read from its Secret and upgraded", async () => {
    const original = decodeRelease(readFileSync(join(fixtures, "podinfo-helm-1"), "utf8"));
    const r: Release = { ...original, namespace: ns };
    const name = r.name;
    // As a Helm-3-based helm-controller left it: the Secret, and the objects with Helm's ownership
    // metadata, created client-side (managedFields operation Update) under its field manager.
    await secretReleaseStore(admin, ns).create({ release: r, labels: {} });
    for (const d of r.manifest.split(/^---$/m).filter((x) => x.trim())) {
      const o = withOwnership({ ...(parseDocuments(d)[0] as KubeObject) }, { name, namespace: ns });
      const collection = o.kind === "Deployment" ? `/apis/apps/v1/namespaces/${ns}/deployments` : `/api/v1/namespaces/${ns}/services`;
      await admin.raw("POST", `${collection}?fieldManager=helm-controller`, o);
    }
    const chart: Chart = {
      metadata: r.chart.metadata as unknown as ChartMetadata,
      templates: r.chart.templates.map((f) => ({ name: f.name, data: base64Decode(f.data) })),
      crds: [],
      values: r.chart.values ?? {},
      files: r.chart.files.map((f) => ({ name: f.name, data: base64Decode(f.data) })),
      dependencies: [],
    };
    const res = await upgrade(ctx, name, { engine, chart, values: { replicaCount: 0 } }, { ...opts, disableTakeOwnership: true });
    expect([res.release.version, res.release.info.status, res.release.info.description]).toEqual([2, "deployed", "Upgrade complete"]);
    expect(res.release.info.first_deployed).toBe(original.info.first_deployed);
    expect(await history(name)).toEqual(["1 superseded", "2 deployed"]);
    const dep = (await get("Deployment", name, "apps/v1"))!;
    expect((dep.spec as { replicas: number }).replicas).toBe(0);
    // The client-side entries became server-side ones: the origin labels Flux's post-renderer had added,
    // absent from this render, are gone rather than kept by the old Update entry.
    const managers = (o: KubeObject) => (o.metadata.managedFields as Array<{ manager: string; operation: string }>).map((f) => `${f.manager} ${f.operation}`);
    expect(managers(dep)).toContain("helm-controller Apply");
    expect(managers(dep)).not.toContain("helm-controller Update");
    const svc = (await get("Service", name))!;
    expect(managers(svc)).toEqual(["helm-controller Apply"]);
    expect(svc.metadata.labels!["helm.toolkit.fluxcd.io/name"]).toBeUndefined();
    expect(svc.metadata.labels).toMatchObject({ app: "podinfo", "app.kubernetes.io/managed-by": "Helm" });
    // The revision Helm wrote reads back unchanged apart from its status.
    expect({ ...(await revision(name, 1)), info: { ...original.info } }).toEqual({ ...r, info: { ...original.info } });
    expect(helmGoProblems(await revision(name, 2))).toEqual([]);
  }, 120_000);
});
