/**
 * HelmRelease end to end on the real control plane: a chart repository on loopback
 * (test/support/chart-repo-server.ts), the agent composed as `rivulet run` composes it and acting as the
 * tenant's own ServiceAccount (deploy/tenant), HelmRepository -> the HelmChart the HelmRelease makes ->
 * Helm's actions. Install, upgrade by values and by chart version, a failing upgrade rolled back, a
 * failing install uninstalled, test hooks passing and failing, uninstall on delete with keepHistory, the
 * tenant boundary (targetNamespace, storageNamespace) refused with nothing written, dependsOn a
 * Kustomization, a missing valuesFrom reference. Release Secrets are read back as the admin sees them.
 * No kubelet runs: the test sets test-hook Pods' phases.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, installTenant, repoRoot, serviceAccountKubeconfig, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import { cond, helmReleaseProbe, isReady } from "../support/helm-release-probe.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { base64Decode } from "../../agent/core/bytes.ts";
import { decodeRelease } from "../../agent/helm/release-codec.ts";
import { withoutCelRules } from "../../agent/api/flux-crd.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";

const HELM = "helm.toolkit.fluxcd.io/v2";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
const haveEngine = existsSync(join(repoRoot, "wasm", "helm-template", "build", "helm-template.wasm"));
/** Flux's ExternalArtifact CRD, installed as the tool that produces ExternalArtifacts would install it. */
const externalArtifactCrd = join(repoRoot, "..", "shared", "flux-crds", "source.toolkit.fluxcd.io_externalartifacts.yaml");

let admin: KubeClient;
let ns: string;
let other: string;
let repo: ChartRepoServer;
let agent: InProcessAgent;
let storage: string;
let kubelet: ReturnType<typeof setInterval> | undefined;
/** Test-hook Pods by name and the phase the fake kubelet gives them. */
const phases: Record<string, "Succeeded" | "Failed"> = {};

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
  chart: {{ .Chart.Version | quote }}
{{- if .Values.broken }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: Not_A_Valid_Name
data: {}
{{- end }}
`;
const testHook = `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-check
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: busybox
`;

/** Reads the cluster from a template: .Capabilities from discovery, lookup as the tenant. */
const clusterChart = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cluster
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  minor: {{ .Capabilities.KubeVersion.Minor | quote }}
  hasHelmRelease: {{ .Capabilities.APIVersions.Has "helm.toolkit.fluxcd.io/v2/HelmRelease" | quote }}
  hasMadeUp: {{ .Capabilities.APIVersions.Has "made.up/v1" | quote }}
  {{- $ns := .Values.lookupNamespace | default .Release.Namespace }}
  seed: {{ (lookup "v1" "ConfigMap" $ns "seed").data.token | default "none" | quote }}
  missing: {{ lookup "v1" "ConfigMap" $ns "no-such-map" | len | quote }}
  listed: {{ gt (len (lookup "v1" "ConfigMap" $ns "").items) 0 | quote }}
`;

const { get, when, events } = helmReleaseProbe(() => ({ admin, namespace: ns }));
const hr = (name: string, spec: Record<string, unknown>, chart: { name?: string; version?: string } = {}): KubeObject => ({
  apiVersion: HELM,
  kind: "HelmRelease",
  metadata: { name, namespace: ns },
  spec: {
    interval: "10m",
    // The chart's own interval, so changing the HelmRelease's does not make a new HelmChart generation to wait for.
    chart: { spec: { chart: chart.name ?? "web", version: chart.version ?? "1.0.0", interval: "10m", sourceRef: { kind: "HelmRepository", name: "charts" } } },
    ...spec,
  },
});
const apply = (o: KubeObject) => admin.apply(o, { ...fm, force: true });


/** `helm history` as the admin reads it from the release Secrets: "<version> <status>" sorted. */
async function helmHistory(release: string, namespace = ns): Promise<string[]> {
  const list = await admin.list({ apiVersion: "v1", kind: "Secret", namespace }, { labelSelector: `owner=helm,name=${release}` });
  return list.items.map((s) => `${s.metadata.labels!.version} ${s.metadata.labels!.status}`).sort();
}

async function storedRelease(release: string, version: number) {
  const s = await admin.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: `sh.helm.release.v1.${release}.v${version}` });
  return decodeRelease(new TextDecoder().decode(base64Decode((s!.data as { release: string }).release)));
}

async function configData(name: string): Promise<Record<string, string> | undefined> {
  return (await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name }))?.data as Record<string, string> | undefined;
}


beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("hr");
  other = await uniqueNamespace("hr-other");
  await installTenant(ns);
  repo = await startChartRepoServer();
  await repo.addChart({ name: "web", version: "1.0.0", appVersion: "1.0", files: { "values.yaml": "greeting: hello\nbroken: false\n", "templates/configmap.yaml": configMap } });
  await repo.addChart({ name: "web", version: "1.1.0", appVersion: "1.1", files: { "values.yaml": "greeting: hello\nbroken: false\n", "templates/configmap.yaml": configMap } });
  await repo.addChart({ name: "tested", version: "1.0.0", files: { "values.yaml": "greeting: hi\n", "templates/configmap.yaml": configMap, "templates/tests/check.yaml": testHook } });
  await repo.addChart({ name: "escape", version: "1.0.0", files: { "values.yaml": "target: \"\"\n", "templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: escaped\n  namespace: {{ .Values.target }}\ndata: {}\n" } });
  await repo.addChart({ name: "cluster", version: "1.0.0", files: { "values.yaml": "lookupNamespace: \"\"\n", "templates/configmap.yaml": clusterChart } });
  await apply({ apiVersion: SRC, kind: "HelmRepository", metadata: { name: "charts", namespace: ns }, spec: { interval: "10m", url: repo.url } });
  const tenant = createHttpClient({ transport: connect({ kubeconfig: await serviceAccountKubeconfig(ns, "rivulet") }).transport });
  storage = mkdtempSync(join(tmpdir(), "rivulet-hr-"));
  agent = await startAgent(tenant, ns, storage, { healthPollMs: 250 });
  kubelet = setInterval(async () => {
    const pods = await admin.list({ apiVersion: "v1", kind: "Pod", namespace: ns }).catch(() => ({ items: [] as KubeObject[] }));
    for (const p of pods.items) {
      const want = phases[p.metadata.name!];
      if (!want || (p.status as { phase?: string } | undefined)?.phase === want) continue;
      await admin.patch({ apiVersion: "v1", kind: "Pod", namespace: ns, name: p.metadata.name! }, { status: { phase: want } }, "merge", { subresource: "status" }).catch(() => {});
    }
  }, 200);
});
afterAll(async () => {
  clearInterval(kubelet);
  await agent?.stop();
  await repo?.stop();
  await deleteNamespace(ns);
  await deleteNamespace(other);
  if (storage) rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!haveEngine)("HelmRelease", () => {
  test("installs from spec.chart: the HelmChart <ns>-<name> made, release v1 deployed, Ready with Flux's message, history and events", async () => {
    await apply(hr("web", { values: { greeting: "one" }, uninstall: { keepHistory: true }, upgrade: { remediation: { retries: 1 } } }));
    const o = await when("web", "Ready", isReady);
    expect(cond(o, "Ready")).toMatchObject({ reason: "InstallSucceeded", message: `Helm install succeeded for release ${ns}/web.v1 with chart web@1.0.0` });
    expect(cond(o, "Released")).toMatchObject({ status: "True", reason: "InstallSucceeded" });
    expect(o.status?.helmChart).toBe(`${ns}/${ns}-web`);
    const chart = await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-web` });
    expect(chart?.spec).toMatchObject({ chart: "web", version: "1.0.0", sourceRef: { kind: "HelmRepository", name: "charts" }, interval: "10m" });
    expect(o.status).toMatchObject({ lastAttemptedRevision: "1.0.0", lastAttemptedReleaseAction: "install", storageNamespace: ns, failures: 0, installFailures: 0 });
    const history = o.status!.history as Array<Record<string, unknown>>;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ name: "web", namespace: ns, version: 1, status: "deployed", chartName: "web", chartVersion: "1.0.0", appVersion: "1.0", action: "install" });
    expect(history[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await helmHistory("web")).toEqual(["1 deployed"]);
    expect(await configData("web-config")).toEqual({ greeting: "one", chart: "1.0.0" });
    // The origin labels helm-controller puts on every object.
    const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "web-config" });
    expect(cm?.metadata.labels).toMatchObject({ "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": ns, "app.kubernetes.io/managed-by": "Helm" });
    expect((o.status!.inventory as { entries: Array<{ id: string }> }).entries.map((e) => e.id)).toEqual([`${ns}_web-config__ConfigMap`]);
    const ev = await eventually("the InstallSucceeded event", async () => (await events("web")).find((e) => e.reason === "InstallSucceeded"));
    expect(ev).toMatchObject({ type: "Normal", message: `Helm install succeeded for release ${ns}/web.v1 with chart web@1.0.0` });
    // helm-controller's event metadata, on the Kubernetes Event as annotations: no oci-digest for a HelmChart source.
    expect(ev!.annotations).toEqual({
      "helm.toolkit.fluxcd.io/revision": "1.0.0",
      "helm.toolkit.fluxcd.io/token": history[0]!.configDigest as string,
      "helm.toolkit.fluxcd.io/app-version": "1.0",
    });
    expect(history[0]!.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 120_000);

  test("upgrades on a values change, then on a chart version change; the HelmChart follows spec.chart", async () => {
    await apply(hr("web", { values: { greeting: "two" }, uninstall: { keepHistory: true }, upgrade: { remediation: { retries: 1 } } }));
    let o = await when("web", "upgraded to v2", (o) => isReady(o) && cond(o, "Ready")?.reason === "UpgradeSucceeded");
    expect(cond(o, "Ready")?.message).toBe(`Helm upgrade succeeded for release ${ns}/web.v2 with chart web@1.0.0`);
    expect(await configData("web-config")).toEqual({ greeting: "two", chart: "1.0.0" });
    expect(await helmHistory("web")).toEqual(["1 superseded", "2 deployed"]);
    expect((await storedRelease("web", 2)).config).toEqual({ greeting: "two" });

    await apply(hr("web", { values: { greeting: "two" }, uninstall: { keepHistory: true }, upgrade: { remediation: { retries: 1 } } }, { version: "1.1.0" }));
    o = await when("web", "upgraded to chart 1.1.0", (o) => isReady(o) && o.status?.lastAttemptedRevision === "1.1.0", 90_000);
    expect(cond(o, "Ready")?.message).toBe(`Helm upgrade succeeded for release ${ns}/web.v3 with chart web@1.1.0`);
    expect(await configData("web-config")).toEqual({ greeting: "two", chart: "1.1.0" });
    expect(await helmHistory("web")).toEqual(["1 superseded", "2 superseded", "3 deployed"]);
  }, 180_000);

  test("a failing upgrade is remediated by a rollback to the previous release: Remediated=True, Ready=False, the old objects back", async () => {
    await apply(hr("web", { values: { greeting: "three", broken: true }, uninstall: { keepHistory: true }, upgrade: { remediation: { retries: 1 } } }, { version: "1.1.0" }));
    const o = await when("web", "rolled back", (o) => cond(o, "Remediated")?.reason === "RollbackSucceeded", 90_000);
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "RollbackSucceeded", message: `Helm rollback to previous release ${ns}/web.v3 with chart web@1.1.0 succeeded` });
    expect(cond(o, "Released")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(cond(o, "Released")?.message).toStartWith(`Helm upgrade failed for release ${ns}/web with chart web@1.1.0: `);
    expect(o.status?.upgradeFailures).toBeGreaterThanOrEqual(1);
    expect(await configData("web-config")).toEqual({ greeting: "two", chart: "1.1.0" });
    const history = await helmHistory("web");
    expect(history).toContain("4 failed");
    expect(history).toContain("5 deployed");
    expect((await storedRelease("web", 5)).info).toMatchObject({ description: "Rollback to 3" });
    // As helm-controller: the revision is the target's chart version, the token the digest of the values
    // that failed (the ones being reconciled), not the target's.
    const ev = await eventually("the RollbackSucceeded event", async () => (await events("web")).find((e) => e.reason === "RollbackSucceeded"));
    const target = (o.status!.history as Array<{ version: number; configDigest: string }>).find((h) => h.version === 3)!;
    expect(ev.annotations).toMatchObject({ "helm.toolkit.fluxcd.io/revision": "1.1.0", "helm.toolkit.fluxcd.io/token": o.status!.lastAttemptedConfigDigest as string });
    expect(ev.annotations!["helm.toolkit.fluxcd.io/token"]).not.toBe(target.configDigest);
  }, 180_000);

  test("a failing upgrade with the uninstall strategy is remediated by uninstalling the release", async () => {
    const spec = (values: Record<string, unknown>) => hr("gone", { values, upgrade: { remediation: { retries: 1, strategy: "uninstall" } } });
    await apply(spec({ greeting: "fine" }));
    await when("gone", "Ready", isReady);
    await apply(spec({ greeting: "fine", broken: true }));
    const o = await when("gone", "uninstalled", (o) => cond(o, "Remediated")?.reason === "UninstallSucceeded", 60_000);
    expect(cond(o, "Remediated")?.message).toBe(`Helm uninstall remediation for release ${ns}/gone.v2 with chart web@1.0.0 succeeded`);
    expect(cond(o, "Released")).toMatchObject({ status: "False", reason: "UpgradeFailed" });
    expect(await configData("gone-config")).toBeUndefined();
  }, 120_000);

  test("post-renderers and commonMetadata shape every object; their digests are recorded", async () => {
    const patch = { target: { kind: "ConfigMap" }, patch: '[{"op":"add","path":"/data/patched","value":"by-kustomize"}]' };
    await apply(hr("shaped", { commonMetadata: { labels: { team: "blue" }, annotations: { owner: "blue-team" } }, postRenderers: [{ kustomize: { patches: [patch] } }] }));
    const o = await when("shaped", "Ready", isReady);
    const cm = (await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "shaped-config" }))!;
    expect(cm.data).toEqual({ greeting: "hello", chart: "1.0.0", patched: "by-kustomize" });
    expect(cm.metadata.labels).toMatchObject({ team: "blue", "helm.toolkit.fluxcd.io/name": "shaped" });
    expect(cm.metadata.annotations).toMatchObject({ owner: "blue-team", "meta.helm.sh/release-name": "shaped" });
    expect(o.status?.observedPostRenderersDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(o.status?.observedCommonMetadataDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The stored manifest is the post-rendered one, as Helm stores its post-renderer's output.
    expect((await storedRelease("shaped", 1)).manifest).toContain("patched: by-kustomize");
  }, 60_000);

  test("a failing install is remediated by uninstalling it; with no retries left the HelmRelease stalls", async () => {
    await apply(hr("bad", { values: { broken: true }, install: { remediation: { retries: 1, remediateLastFailure: true } } }));
    // Between reconciles (Ready=False): the HelmChart becoming Ready can wake a second attempt at once,
    // whose start shows Ready=Unknown, and which may already have stalled by the time this reads.
    const o = await when("bad", "uninstall remediation", (o) => cond(o, "Remediated")?.reason === "UninstallSucceeded" && cond(o, "Ready")?.status === "False", 90_000);
    const ready = cond(o, "Ready")!;
    expect(["UninstallSucceeded", "RetriesExceeded"]).toContain(ready.reason);
    const message = `Helm uninstall remediation for release ${ns}/bad.v1 with chart web@1.0.0 succeeded`;
    if (ready.reason === "UninstallSucceeded") expect(ready.message).toBe(message);
    expect(await eventually("the UninstallSucceeded event", async () => (await events("bad")).find((e) => e.reason === "UninstallSucceeded"))).toMatchObject({ message });
    expect(cond(o, "Released")).toMatchObject({ status: "False", reason: "InstallFailed" });
    // The HelmChart becoming Ready may wake a second attempt before this read; each is counted.
    expect(o.status?.installFailures).toBeGreaterThanOrEqual(1);
    // Uninstalled without keepHistory: no release Secret left, no objects.
    // A second attempt woken by the HelmChart may still be uninstalling its release: wait for it to go.
    expect(await eventually("no release Secret left", async () => ((await helmHistory("bad")).length === 0 ? [] : undefined))).toEqual([]);
    expect(await configData("bad-config")).toBeUndefined();
    // The retry installs again, fails again, is remediated once more (remediateLastFailure), and then no
    // retries remain: Stalled, as helm-controller words it.
    await apply(hr("bad", { interval: "1s", values: { broken: true }, install: { remediation: { retries: 1, remediateLastFailure: true } } }));
    const stalled = await when("bad", "stalled", (o) => cond(o, "Stalled")?.status === "True", 60_000);
    expect(cond(stalled, "Stalled")).toMatchObject({ reason: "RetriesExceeded", message: "Failed to install after 2 attempt(s): exceeded maximum retries: cannot install release" });
    expect(stalled.status?.installFailures).toBe(2);
    expect(await helmHistory("bad")).toEqual([]);
  }, 120_000);

  test("test hooks run after the install: TestSuccess=True when they pass, False with TestFailed when they fail", async () => {
    phases["pass-check"] = "Succeeded";
    await apply(hr("pass", { test: { enable: true }, install: { disableWait: true } }, { name: "tested" }));
    let o = await when("pass", "tested", (o) => cond(o, "TestSuccess")?.status === "True", 90_000);
    expect(cond(o, "TestSuccess")).toMatchObject({ reason: "TestSucceeded", message: `Helm test succeeded for release ${ns}/pass.v1 with chart tested@1.0.0: 1 test hook completed successfully` });
    expect(cond(o, "Ready")).toMatchObject({ status: "True", reason: "TestSucceeded" });
    expect((o.status!.history as Array<{ testHooks?: Record<string, { phase?: string }> }>)[0]!.testHooks).toMatchObject({ "pass-check": { phase: "Succeeded" } });

    phases["fail-check"] = "Failed";
    await apply(hr("fail", { test: { enable: true, timeout: "30s" }, install: { disableWait: true } }, { name: "tested" }));
    o = await when("fail", "test failed", (o) => cond(o, "TestSuccess")?.reason === "TestFailed", 90_000);
    expect(cond(o, "TestSuccess")?.status).toBe("False");
    expect(cond(o, "TestSuccess")?.message).toStartWith(`Helm test failed for release ${ns}/fail.v1 with chart tested@1.0.0: `);
    expect(cond(o, "Ready")?.status).toBe("False");
  }, 180_000);

  test("chartRef to a HelmChart in the namespace: the chart comes from its artifact and no HelmChart is made; a new releaseName moves the release", async () => {
    await apply({ apiVersion: SRC, kind: "HelmChart", metadata: { name: "shared-web", namespace: ns }, spec: { interval: "10m", chart: "web", version: "1.1.0", sourceRef: { kind: "HelmRepository", name: "charts" } } });
    await apply({ apiVersion: HELM, kind: "HelmRelease", metadata: { name: "byref", namespace: ns }, spec: { interval: "10m", chartRef: { kind: "HelmChart", name: "shared-web" }, values: { greeting: "ref" } } });
    const o = await when("byref", "Ready", isReady);
    expect(cond(o, "Ready")?.message).toBe(`Helm install succeeded for release ${ns}/byref.v1 with chart web@1.1.0`);
    expect(o.status?.helmChart).toBeUndefined();
    expect(await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-byref` })).toBeUndefined();
    expect(await configData("byref-config")).toEqual({ greeting: "ref", chart: "1.1.0" });
    // helm-controller records a revision digest only for sources whose revision holds one (OCIRepository, ExternalArtifact).
    expect(o.status?.lastAttemptedRevisionDigest).toBeUndefined();

    // A new release name moves the release: the old one is uninstalled, the new one installed.
    await apply({ apiVersion: HELM, kind: "HelmRelease", metadata: { name: "byref", namespace: ns }, spec: { interval: "10m", chartRef: { kind: "HelmChart", name: "shared-web" }, values: { greeting: "ref" }, releaseName: "moved" } });
    const moved = await when("byref", "moved", (o) => isReady(o) && (o.status!.history as Array<{ name: string }>)[0]?.name === "moved");
    expect(cond(moved, "Ready")?.message).toBe(`Helm install succeeded for release ${ns}/moved.v1 with chart web@1.1.0`);
    expect((moved.status!.history as unknown[]).length).toBe(1);
    expect(await helmHistory("byref")).toEqual([]);
    expect(await helmHistory("moved")).toEqual(["1 deployed"]);
    expect(await configData("byref-config")).toBeUndefined();
    expect(await configData("moved-config")).toEqual({ greeting: "ref", chart: "1.1.0" });
  }, 60_000);

  test.skipIf(!existsSync(externalArtifactCrd))("chartRef to an ExternalArtifact another tool produced: the chart is downloaded from its URL, digest-checked, and its digest tracked in the version", async () => {
    const crd = withoutCelRules(parseDocuments(readFileSync(externalArtifactCrd, "utf8"), "externalartifacts.yaml")[0] as KubeObject);
    await apply(crd);
    await eventually("the ExternalArtifact CRD to be served", async () => {
      const got = await admin.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: crd.metadata.name! });
      return ((got?.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True") || undefined;
    });
    const url = `${repo.url}/charts/web-1.1.0.tgz`;
    const tgz = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const digest = `sha256:${createHash("sha256").update(tgz).digest("hex")}`;
    const key = { apiVersion: SRC, kind: "ExternalArtifact", namespace: ns, name: "web-chart" };
    await eventually("the ExternalArtifact to be created", () => apply({ apiVersion: SRC, kind: "ExternalArtifact", metadata: { name: "web-chart", namespace: ns }, spec: {} }).catch(() => undefined));
    const artifact = { path: `externalartifact/${ns}/web-chart/web-1.1.0.tgz`, url, digest, revision: `1.1.0@${digest}`, lastUpdateTime: new Date().toISOString() };
    await apply({ apiVersion: HELM, kind: "HelmRelease", metadata: { name: "external", namespace: ns }, spec: { interval: "10m", chartRef: { kind: "ExternalArtifact", name: "web-chart" }, values: { greeting: "ea" } } });
    const waiting = await when("external", "no artifact", (o) => cond(o, "Ready")?.message === `ExternalArtifact '${ns}/web-chart' is not ready: does not have an artifact`);
    expect(cond(waiting, "Ready")).toMatchObject({ status: "False", reason: "ArtifactFailed" });

    await admin.patch(key, { status: { artifact } }, "merge", { subresource: "status" });
    await admin.patch({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "external" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "now" } } }, "merge");
    const o = await when("external", "Ready", isReady);
    const tracked = `1.1.0+${digest.slice(7, 19)}`;
    expect(cond(o, "Ready")?.message).toBe(`Helm install succeeded for release ${ns}/external.v1 with chart web@${tracked}`);
    expect((o.status!.history as Array<Record<string, unknown>>)[0]).toMatchObject({ chartVersion: tracked, ociDigest: digest, status: "deployed" });
    expect(o.status).toMatchObject({ lastAttemptedRevision: tracked, lastAttemptedRevisionDigest: digest });
    expect(await configData("external-config")).toEqual({ greeting: "ea", chart: tracked });
    const installed = (await events("external")).find((e) => e.reason === "InstallSucceeded");
    expect(installed?.annotations).toMatchObject({ "helm.toolkit.fluxcd.io/revision": tracked, "helm.toolkit.fluxcd.io/oci-digest": digest });

    // A digest that the served bytes do not have: the chart is refused, the release stays as it was.
    const wrong = `sha256:${"0".repeat(64)}`;
    await admin.patch(key, { status: { artifact: { ...artifact, digest: wrong, revision: `1.1.0@${wrong}` } } }, "merge", { subresource: "status" });
    await admin.patch({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "external" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "again" } } }, "merge");
    const refused = await when("external", "integrity failure", (o) => cond(o, "Ready")?.status === "False");
    expect(cond(refused, "Ready")).toMatchObject({ reason: "ArtifactFailed", message: `Could not load chart: integrity failure: computed digest doesn't match '${wrong}'` });
    expect(await helmHistory("external")).toEqual(["1 deployed"]);
  }, 60_000);

  test("templates see the cluster: .Capabilities from discovery, lookup reads the tenant's namespace and nothing outside it", async () => {
    await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed", namespace: ns }, data: { token: "from-the-cluster" } });
    const version = (await admin.raw("GET", "/version")) as { gitVersion: string; minor: string };
    await apply(hr("cluster", {}, { name: "cluster" }));
    await when("cluster", "Ready", isReady);
    expect(await configData("cluster-cluster")).toEqual({
      kube: version.gitVersion,
      minor: version.minor,
      hasHelmRelease: "true",
      hasMadeUp: "false",
      seed: "from-the-cluster",
      missing: "0",
      listed: "true",
    });
    // Another namespace: the render fails before any request there, and says why.
    await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed", namespace: other }, data: { token: "not-yours" } });
    await apply(hr("cluster", { values: { lookupNamespace: other } }, { name: "cluster" }));
    const o = await when("cluster", "the lookup refused", (o) => cond(o, "Ready")?.status === "False");
    // Other tests check that nothing of theirs lands in the other namespace.
    await admin.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: other, name: "seed" });
    expect(cond(o, "Ready")?.message).toContain(`ConfigMap/${other}/seed: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace ${ns})`);
    expect(JSON.stringify(o.status)).not.toContain("not-yours");
    expect(await configData("cluster-cluster")).toMatchObject({ seed: "from-the-cluster" });
  }, 120_000);

  test("a targetNamespace or storageNamespace outside the tenant is refused with a Stalled condition, nothing written", async () => {
    await apply(hr("away", { targetNamespace: other }));
    let o = await when("away", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(cond(o, "Ready")?.message).toContain(`spec.targetNamespace ${other}`);
    await apply(hr("hidden", { storageNamespace: other }));
    o = await when("hidden", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(o, "Ready")?.message).toContain(`spec.storageNamespace ${other}`);
    // Refused before the first write: no HelmChart, no release Secret anywhere, nothing in the other namespace.
    expect(await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-away` })).toBeUndefined();
    expect(await helmHistory(`${other}-away`, other)).toEqual([]);
    expect(await helmHistory("hidden", other)).toEqual([]);
    expect((await admin.list({ apiVersion: "v1", kind: "ConfigMap", namespace: other })).items.filter((c) => c.metadata.name !== "kube-root-ca.crt")).toEqual([]);
  }, 60_000);

  test("a serviceAccountName that is not a ServiceAccount's name is refused, saying why, before the first write", async () => {
    await apply(hr("borrowed", { serviceAccountName: `${other}:deployer` }));
    const o = await when("borrowed", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(o, "Ready")).toMatchObject({
      status: "False",
      reason: "AccessDenied",
      message: `HelmRelease/${ns}/borrowed: cannot impersonate spec.serviceAccountName "${other}:deployer": a ServiceAccount is named without a namespace and must be in namespace ${ns}`,
    });
    expect(await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-borrowed` })).toBeUndefined();
    expect(await helmHistory("borrowed")).toEqual([]);
  }, 60_000);

  test("a chart rendering an object into another namespace is refused before the first write: no release Secret, nothing there", async () => {
    await apply(hr("escape", { values: { target: other } }, { name: "escape" }));
    const o = await when("escape", "refused", (o) => cond(o, "Stalled")?.status === "True");
    expect(cond(o, "Ready")?.reason).toBe("AccessDenied");
    expect(cond(o, "Ready")?.message).toContain(`ConfigMap/${other}/escaped`);
    expect(await helmHistory("escape")).toEqual([]);
    expect(await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: other, name: "escaped" })).toBeUndefined();
  }, 60_000);

  test("a missing valuesFrom reference is a condition naming it, and nothing is released", async () => {
    await apply(hr("novalues", { valuesFrom: [{ kind: "Secret", name: "absent" }] }));
    const o = await when("novalues", "values failure", (o) => cond(o, "Ready")?.reason === "InitFailed");
    expect(cond(o, "Ready")?.message).toBe(`could not compose values: could not resolve Secret chart values reference '${ns}/absent' with key 'values.yaml': resource not found`);
    expect(await helmHistory("novalues")).toEqual([]);
  }, 60_000);

  test("dependsOn a Kustomization: waits while it is not Ready, releases once it is", async () => {
    await apply(hr("after", { dependsOn: [{ name: "infra" }] }));
    let o = await when("after", "waiting", (o) => cond(o, "Ready")?.reason === "DependencyNotReady");
    expect(cond(o, "Ready")?.message).toBe(`dependency '${ns}/infra' is not found`);
    // A suspended Kustomization keeps the status the admin writes: Ready for its generation.
    const ks = await admin.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "infra", namespace: ns }, spec: { interval: "10m", suspend: true, prune: false, path: "./", sourceRef: { kind: "GitRepository", name: "none" } } }, fm);
    await admin.patch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "infra" }, {
      status: { observedGeneration: ks.metadata.generation, conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied", lastTransitionTime: new Date().toISOString().slice(0, 19) + "Z" }] },
    }, "merge", { subresource: "status" });
    await admin.patch({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "after" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
    o = await when("after", "Ready", isReady, 60_000);
    expect(await helmHistory("after")).toEqual(["1 deployed"]);
  }, 120_000);

  test("the CLI: history lists the revisions, reconcile --force releases again, suspend and resume", async () => {
    const kubeconfig = (await testCluster()).kubeconfig;
    const rivulet = async (...args: string[]) => {
      const p = startRivulet([...args, "--kubeconfig", kubeconfig, "-n", ns]);
      const code = await p.exited;
      return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))), err: p.stderr.join("\n") };
    };
    let r = await rivulet("history", "helmrelease", "pass");
    expect(r.code).toBe(0);
    expect(r.out[0]!.split(/\s{2,}/)).toEqual(["REVISION", "STATUS", "CHART", "APP VERSION", "DEPLOYED", "DIGEST"]);
    expect(r.out[1]).toMatch(/^1\s+deployed\s+tested@1\.0\.0\s+\S+Z\s+sha256:[0-9a-f]{64}$/);

    // Nothing changed, so only --force makes a new revision.
    r = await rivulet("reconcile", "helmrelease", "pass", "--force", "--timeout", "60s");
    expect(r.err).toContain("✔ applied revision 1.0.0");
    expect(r.code).toBe(0);
    expect(await helmHistory("pass")).toEqual(["1 superseded", "2 deployed"]);
    const o = (await get("pass"))!;
    expect(o.status?.lastHandledForceAt).toBe(o.metadata.annotations!["reconcile.fluxcd.io/forceAt"]);
    // Handled once: a plain reconcile afterwards releases nothing new.
    r = await rivulet("reconcile", "hr", "pass", "--timeout", "60s");
    expect(r.code).toBe(0);
    expect(await helmHistory("pass")).toEqual(["1 superseded", "2 deployed"]);

    r = await rivulet("suspend", "helmrelease", "pass");
    expect(r.code).toBe(0);
    expect((await get("pass"))!.spec.suspend).toBe(true);
    r = await rivulet("resume", "helmrelease", "pass", "--timeout", "60s");
    expect(r.err).toContain("✔ HelmRelease reconciliation completed");
    expect(r.code).toBe(0);
  }, 120_000);

  test("deleting the HelmRelease uninstalls the release, keeping its history with keepHistory, and deletes its HelmChart", async () => {
    await admin.delete({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "web" });
    await eventually("HelmRelease web gone", async () => (await get("web")) === undefined, 60_000);
    expect(await configData("web-config")).toBeUndefined();
    const history = await helmHistory("web");
    expect(history).toContain("5 uninstalled");
    expect(history.filter((h) => h.endsWith("deployed"))).toEqual([]);
    expect(await admin.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name: `${ns}-web` })).toBeUndefined();
  }, 90_000);
});
