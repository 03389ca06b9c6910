/**
 * HelmRelease drift detection on the real control plane: the agent composed as `rivulet run` composes it,
 * acting as the tenant's ServiceAccount, a chart from a repository on loopback. Under `enabled` an edited
 * object is corrected and a deleted one recreated, an ignored field and an exempted object are left
 * alone; under `warn` the edit is only reported (Drifted, DriftDetected); with nothing changed a
 * reconcile sends no dry-run and writes no release object (every call of the agent's client recorded).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { cond, helmReleaseProbe, isReady } from "../support/helm-release-probe.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { recordingClient, type RecordingClient } from "../support/recording-client.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const HELM = "helm.toolkit.fluxcd.io/v2";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
const haveEngine = existsSync(join(repoRoot, "wasm", "helm-template", "build", "helm-template.wasm"));
const PASSWORD = "s3cr3t-chart-value";

const templates = {
  "templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  greeting: {{ .Values.greeting | quote }}
  color: {{ .Values.color | quote }}
`,
  "templates/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-secret
type: Opaque
data:
  password: {{ .Values.password | b64enc | quote }}
`,
  "templates/exempt.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-exempt
  annotations:
    helm.toolkit.fluxcd.io/driftDetection: disabled
data:
  value: chart
`,
};

let admin: KubeClient;
let ns: string;
let repo: ChartRepoServer;
let agent: InProcessAgent;
let recorded: RecordingClient;
let storage: string;

const { get, when, events } = helmReleaseProbe(() => ({ admin, namespace: ns }));
const hr = (name: string, driftDetection: Record<string, unknown>): KubeObject => ({
  apiVersion: HELM,
  kind: "HelmRelease",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", chart: { spec: { chart: "drifty", version: "1.0.0", interval: "10m", sourceRef: { kind: "HelmRepository", name: "charts" } } }, driftDetection },
});
const object = (kind: string, name: string) => admin.get({ apiVersion: "v1", kind, namespace: ns, name });
const data = async (name: string) => (await object("ConfigMap", name))?.data as Record<string, string> | undefined;
/** An out-of-band edit, as `kubectl apply --server-side --force-conflicts` makes it. */
const edit = (name: string, values: Record<string, string>) => admin.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: values }, { fieldManager: "kubectl", force: true });


/** Asks for a reconcile and waits until it was handled. */
async function reconcile(name: string): Promise<FluxObject> {
  const at = new Date().toISOString();
  await admin.patch({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } }, "merge");
  return when(name, `handled the request ${at}`, (o) => o.status?.lastHandledReconcileAt === at);
}


beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("hr-drift");
  await installTenant(ns);
  repo = await startChartRepoServer();
  await repo.addChart({ name: "drifty", version: "1.0.0", files: { "values.yaml": `greeting: hello\ncolor: blue\npassword: ${PASSWORD}\n`, ...templates } });
  await admin.apply({ apiVersion: SRC, kind: "HelmRepository", metadata: { name: "charts", namespace: ns }, spec: { interval: "10m", url: repo.url } }, { ...fm, force: true });
  const tenant = createHttpClient({ transport: connect({ kubeconfig: await serviceAccountKubeconfig(ns, "rivulet") }).transport });
  recorded = recordingClient(tenant);
  storage = mkdtempSync(join(tmpdir(), "rivulet-hr-drift-"));
  agent = await startAgent(recorded.client, ns, storage, { healthPollMs: 250 });
});
afterAll(async () => {
  await agent?.stop();
  await repo?.stop();
  await deleteNamespace(ns);
  if (storage) rmSync(storage, { recursive: true, force: true });
});

describe.skipIf(!haveEngine)("HelmRelease drift detection", () => {
  test("enabled: an edited object is corrected and a deleted one recreated; an ignored field and an exempted object stay as edited", async () => {
    await admin.apply(hr("fixed", { mode: "enabled", ignore: [{ paths: ["/data/color"], target: { kind: "ConfigMap" } }] }), { ...fm, force: true });
    await when("fixed", "Ready", isReady, 90_000);
    await edit("fixed-config", { greeting: "edited", color: "red" });
    await edit("fixed-exempt", { value: "edited" });
    await admin.delete({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "fixed-secret" });
    await eventually("the Secret to be gone", async () => ((await object("Secret", "fixed-secret")) ? undefined : true));

    const o = await reconcile("fixed");
    expect(isReady(o)).toBe(true);
    expect(await data("fixed-config")).toEqual({ greeting: "hello", color: "red" });
    expect(await data("fixed-exempt")).toEqual({ value: "edited" });
    const secret = await object("Secret", "fixed-secret");
    expect(new TextDecoder().decode(Uint8Array.from(atob((secret!.data as { password: string }).password), (c) => c.charCodeAt(0)))).toBe(PASSWORD);
    expect((secret!.metadata.managedFields as Array<{ manager?: string }> | undefined)?.map((f) => f.manager)).toContain("helm-controller");
    // Checked again after the correction: nothing left.
    expect(cond(o, "Drifted")).toMatchObject({ status: "False", reason: "NoDriftDetected" });

    const ev = await eventually("the drift events", async () => {
      const all = await events("fixed");
      const detected = all.find((e) => e.reason === "DriftDetected");
      const corrected = all.find((e) => e.reason === "DriftCorrected");
      return detected && corrected ? { detected, corrected } : undefined;
    });
    const release = `${ns}/fixed.v1`;
    expect(ev.detected.type).toBe("Warning");
    expect(ev.detected.message.split("\n").sort()).toEqual([
      `Cluster state of release ${release} has drifted from the desired state:`,
      `ConfigMap/${ns}/fixed-config changed (0 additions, 1 changes, 0 removals)`,
      `Secret/${ns}/fixed-secret removed`,
    ].sort());
    expect(ev.corrected.type).toBe("Normal");
    expect(ev.corrected.message.split("\n").sort()).toEqual([
      `Cluster state of release ${release} has been corrected:`,
      `ConfigMap/${ns}/fixed-config configured`,
      `Secret/${ns}/fixed-secret created`,
    ].sort());
    for (const e of await events("fixed")) expect(e.message).not.toContain(PASSWORD);
  }, 180_000);

  test("warn: an edit is reported as Drifted with helm-controller's event and left alone", async () => {
    await admin.apply(hr("watched", { mode: "warn" }), { ...fm, force: true });
    await when("watched", "Ready", isReady, 90_000);
    await edit("watched-config", { greeting: "edited", color: "blue" });
    const o = await reconcile("watched");
    expect(isReady(o)).toBe(true);
    expect(cond(o, "Drifted")).toMatchObject({
      status: "True",
      reason: "DriftDetected",
      message: `Cluster state of release ${ns}/watched.v1 has drifted from the desired state:\nConfigMap/${ns}/watched-config changed (0 additions, 1 changes, 0 removals)`,
    });
    expect(await data("watched-config")).toEqual({ greeting: "edited", color: "blue" });
    const ev = await eventually("the DriftDetected event", async () => (await events("watched")).find((e) => e.reason === "DriftDetected"));
    expect(ev.type).toBe("Warning");
    expect((await events("watched")).find((e) => e.reason === "DriftCorrected")).toBeUndefined();
  }, 180_000);

  test("with nothing changed a reconcile sends no dry-run and writes no release object", async () => {
    await admin.apply(hr("quiet", { mode: "enabled" }), { ...fm, force: true });
    await when("quiet", "Ready", isReady, 90_000);
    // The first check after a start confirms each object once (a dry-run at most); the next needs none.
    await reconcile("quiet");
    const from = recorded.calls.length;
    const o = await reconcile("quiet");
    expect(cond(o, "Drifted")).toMatchObject({ status: "False", reason: "NoDriftDetected" });
    const calls = recorded.calls.slice(from).filter((c) => / (ConfigMap|Secret)\/quiet-/.test(c));
    expect(calls).toEqual([]);
    // A sanity check that the recording sees the release's objects at all: an edit costs requests.
    await edit("quiet-config", { greeting: "edited", color: "blue" });
    const mark = recorded.calls.length;
    await reconcile("quiet");
    expect(recorded.calls.slice(mark)).toContain("apply dry-run ConfigMap/quiet-config");
    expect(recorded.calls.slice(mark)).toContain("apply ConfigMap/quiet-config");
    expect(await data("quiet-config")).toEqual({ greeting: "hello", color: "blue" });
  }, 180_000);

  test("helm-controller's metrics: the generic gotk_* series carry the HelmRelease, and nothing Helm-specific is invented", async () => {
    const text = agent.metrics.registry.render();
    const labels = `kind="HelmRelease",name="quiet",namespace="${ns}"`;
    expect(text).toMatch(new RegExp(`^gotk_reconcile_duration_seconds_count\\{${labels}\\} [1-9]`, "m"));
    expect(text).toContain(`gotk_reconcile_condition{${labels},status="True",type="Ready"} 1`);
    expect(text).toContain(`gotk_suspend_status{${labels}} 0`);
    // helm-controller registers only fluxcd/pkg/runtime's recorder: no release gauge of its own.
    expect(text.split("\n").filter((l) => /^# TYPE /.test(l) && /helm|release/i.test(l))).toEqual([]);
  });
});
