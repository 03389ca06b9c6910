/**
 * Events → Alerts → Providers end to end on the real control plane: a Kustomization applies a revision
 * from the local git server, and the Alert of the namespace delivers the Kustomization's events (the
 * change set of the applied revision, with Flux's composed metadata) to a generic-hmac endpoint on
 * loopback whose X-Signature the test checks over the raw bytes received. Also: events POSTed to the
 * event address go through the same Alerts (a duplicate is 429), a Provider of a type rivulet does not
 * implement is reported as a ValidationFailed event, a cross-namespace event source as AccessDenied.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, installTenant, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startCaptureServer, type CaptureServer } from "../support/capture-server.ts";
import { createEventApp } from "../../agent/http/event-app.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const NOTIFY = "notification.toolkit.fluxcd.io/v1beta3";
const fm = { fieldManager: "rivulet-tests" };
const TOKEN = "hmac-secret-for-the-test";
let client: KubeClient;
let ns: string;
let git: GitServer;
let hook: CaptureServer;
let agent: InProcessAgent;
let storage: string;

const obj = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: ns }, spec });

async function eventsOf(kind: string, name: string): Promise<Array<{ reason: string; message: string; type: string }>> {
  const list = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
  return (list.items as unknown as Array<{ involvedObject: { kind: string; name: string }; reason: string; message: string; type: string }>).filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("notify");
  git = await startGitServer();
  hook = await startCaptureServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-notify-"));
  await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "hook-token", namespace: ns }, stringData: { token: TOKEN } } as KubeObject, fm);
  await client.apply(obj(NOTIFY, "Provider", "hook", { type: "generic-hmac", address: `${hook.url}/flux`, secretRef: { name: "hook-token" } }), fm);
  await client.apply(obj(NOTIFY, "Provider", "pager", { type: "githubdispatch", address: "https://github.com/o/r" }), fm);
  await client.apply(
    obj(NOTIFY, "Alert", "deploys", {
      providerRef: { name: "hook" },
      eventSources: [{ kind: "Kustomization", name: "*" }, { kind: "GitRepository", name: "*", matchLabels: { team: "web" } }],
      eventMetadata: { cluster: "test" },
      exclusionList: ["(?i)^dependencies", "^flood \\d+$"],
    }),
    fm,
  );
  await client.apply(obj(NOTIFY, "Provider", "dead", { type: "generic", address: "http://127.0.0.1:9/dead", timeout: "2s" }), fm);
  await client.apply(obj(NOTIFY, "Alert", "to-dead", { providerRef: { name: "dead" }, eventSources: [{ kind: "Kustomization", name: "flood" }] }), fm);
  await client.apply(obj(NOTIFY, "Alert", "elsewhere", { providerRef: { name: "hook" }, eventSources: [{ kind: "Kustomization", name: "*", namespace: "kube-system" }] }), fm);
  agent = await startAgent(client, ns, storage, { notifications: true });
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await hook?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("Events → Alerts → Providers", () => {
  test("the Kustomization's applied revision reaches the generic-hmac endpoint, signed over the exact bytes", async () => {
    const c1 = await git.createRepo("app", { "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n" });
    await client.apply({ ...obj("source.toolkit.fluxcd.io/v1", "GitRepository", "app", { interval: "10m", url: git.url("app") }), metadata: { name: "app", namespace: ns, labels: { team: "web" } } }, fm);
    await client.apply(obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "app", { interval: "10m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "app" } }), fm);
    const revision = `master@sha1:${c1}`;
    const ks = await eventually("Kustomization Ready", async () => {
      const o = (await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" })) as FluxObject | undefined;
      return o?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True") ? o : undefined;
    });
    expect(ks.status!.conditions!.find((c) => c.type === "Ready")!.message).toBe(`Applied revision: ${revision}`);

    const applied = await eventually("the applied revision delivered", async () =>
      hook.requests.find((r) => {
        const e = JSON.parse(r.body) as { involvedObject: { kind: string }; metadata?: Record<string, string> };
        return e.involvedObject.kind === "Kustomization" && e.metadata?.revision === revision;
      }),
    );
    expect(applied.method).toBe("POST");
    expect(applied.path).toBe("/flux");
    expect(applied.headers["x-signature"]).toBe(`sha256=${createHmac("sha256", TOKEN).update(applied.body).digest("hex")}`);
    expect(applied.headers["gotk-component"]).toBe("kustomize-controller");
    const event = JSON.parse(applied.body);
    expect(event).toMatchObject({
      involvedObject: { kind: "Kustomization", name: "app", namespace: ns, apiVersion: "kustomize.toolkit.fluxcd.io/v1" },
      severity: "info",
      reason: "Progressing",
      message: `ConfigMap/${ns}/settings created`,
      metadata: { cluster: "test", revision },
      reportingController: "kustomize-controller",
    });
    // The GitRepository matched through its labels: its new artifact was delivered too.
    const stored = hook.requests.map((r) => JSON.parse(r.body)).find((e) => e.involvedObject.kind === "GitRepository");
    expect(stored).toMatchObject({ reason: "NewArtifact", metadata: { cluster: "test", revision } });
    expect(hook.requests.every((r) => !r.body.includes(TOKEN))).toBe(true);
    // kustomize-controller's closing event, the one commit-status Providers act on, is delivered...
    const finished = await eventually("the finished event delivered", async () =>
      hook.requests.map((r) => JSON.parse(r.body) as { message: string; involvedObject: { kind: string } }).find((e) => e.involvedObject.kind === "Kustomization" && e.message.startsWith("Reconciliation finished in ")),
    );
    expect(finished).toMatchObject({ severity: "info", reason: "ReconciliationSucceeded", metadata: { cluster: "test", revision, commit_status: "update" } });
    expect(finished.message).toMatch(/^Reconciliation finished in [0-9.]+m?s, next run in 10m0s$/);
    // ...but is not written as a Kubernetes Event (one per reconcile, nobody reads them).
    const kubeEvents = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
    expect(kubeEvents.items.filter((e) => String(e.message).startsWith("Reconciliation finished in "))).toEqual([]);
  }, 120_000);

  test("an event POSTed to the event address goes through the same Alerts; the same event again is 429", async () => {
    const app = createEventApp({ submit: (e) => agent.notifications!.submit(e) });
    const body = JSON.stringify({
      involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "external", namespace: ns },
      severity: "error",
      timestamp: new Date().toISOString(),
      message: "health check failed after 30s",
      reason: "HealthCheckFailed",
      metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc", "kustomize.toolkit.fluxcd.io/token": "t1" },
      reportingController: "kustomize-controller",
    });
    expect((await app.request("/", { method: "POST", body })).status).toBe(202);
    expect((await app.request("/", { method: "POST", body })).status).toBe(429);
    const got = await eventually("the posted event delivered", async () => hook.requests.map((r) => JSON.parse(r.body)).find((e) => e.involvedObject.name === "external"));
    expect(got.metadata).toEqual({ cluster: "test", revision: "main@sha1:abc" });
  });

  test("1000 events for a dead endpoint cost at most its queue, and the agent keeps reconciling", async () => {
    const n = agent.notifications!;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      await n.submit({ involvedObject: { kind: "Kustomization", name: "flood", namespace: ns, apiVersion: "kustomize.toolkit.fluxcd.io/v1" }, severity: "error", timestamp: "", message: `flood ${i}`, reason: "HealthCheckFailed", reportingController: "kustomize-controller" });
    }
    expect(performance.now() - started).toBeLessThan(5000);
    // The other Alert excludes these messages (its exclusionList): only the dead Provider's lane fills.
    expect(n.dispatcher.pending).toBeLessThanOrEqual(1000 + 4);
    expect(hook.requests.some((r) => r.body.includes('"flood '))).toBe(false);
    // A reconcile requested now completes while the dead endpoint's queue drains.
    const at = `${Date.now()}`;
    await client.patch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } }, "merge");
    await eventually("the Kustomization reconciled again", async () => {
      const o = (await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" })) as FluxObject | undefined;
      return o?.status?.lastHandledReconcileAt === at ? o : undefined;
    }, 20_000);
    const warning = await eventually("the Alert is told once", async () => (await eventsOf("Alert", "to-dead")).find((e) => e.reason === "NotificationDispatchFailed"));
    expect(warning.message).toStartWith("failed to send notification for Kustomization/");
  }, 60_000);

  test("a Provider type rivulet does not implement and a cross-namespace source are reported on the objects", async () => {
    await agent.notifications!.submit({ involvedObject: { kind: "Kustomization", name: "x", namespace: ns, apiVersion: "kustomize.toolkit.fluxcd.io/v1" }, severity: "info", timestamp: "", message: "probe", reason: "r", reportingController: "kustomize-controller" });
    const provider = await eventually("the Provider's ValidationFailed event", async () => (await eventsOf("Provider", "pager")).find((e) => e.reason === "ValidationFailed"));
    expect(provider.type).toBe("Warning");
    expect(provider.message).toStartWith("provider type 'githubdispatch' is not implemented by rivulet yet");
    const alert = await eventually("the Alert's AccessDenied event", async () => (await eventsOf("Alert", "elsewhere")).find((e) => e.reason === "AccessDenied"));
    expect(alert.message).toBe(`cross-namespace event source Kustomization/kube-system/* is not allowed: the agent serves namespace ${ns} only`);
    expect(agent.metrics.registry.render()).toContain(`gotk_reconcile_condition{kind="Provider",name="pager",namespace="${ns}",status="False",type="Ready"} 1`);
  });
});

describe("rivulet run --notification-addr, as a tenant", () => {
  test("serves the event address: an event is accepted (202) and delivered, bad JSON is 400", async () => {
    const tenant = await uniqueNamespace("notify-run");
    await installTenant(tenant);
    const kubeconfig = await serviceAccountKubeconfig(tenant, "rivulet");
    const sink = await startCaptureServer();
    await client.apply({ apiVersion: NOTIFY, kind: "Provider", metadata: { name: "sink", namespace: tenant }, spec: { type: "generic", address: `${sink.url}/in` } } as KubeObject, fm);
    await client.apply({ apiVersion: NOTIFY, kind: "Alert", metadata: { name: "all", namespace: tenant }, spec: { providerRef: { name: "sink" }, eventSources: [{ kind: "GitRepository", name: "*" }] } } as KubeObject, fm);
    const agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--notification-addr", "127.0.0.1:0", "--no-leader-elect"]);
    try {
      const served = await agent.waitForLog((l) => l.msg === "serving the event address");
      await agent.waitForLog((l) => l.msg === "watching objects" && l.kind === "GitRepository");
      const url = `http://127.0.0.1:${served.port}/`;
      const event = { involvedObject: { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "external", namespace: tenant }, severity: "info", timestamp: new Date().toISOString(), message: "stored artifact", reason: "NewArtifact", reportingController: "source-controller" };
      const accepted = await eventually("the event accepted once the Alerts are watched", async () => {
        sink.requests.length = 0;
        const res = await fetch(url, { method: "POST", body: JSON.stringify({ ...event, message: `stored artifact ${Date.now()}` }) });
        if (res.status !== 202) throw new Error(`status ${res.status}`);
        return (await sink.received(1, 2000).catch(() => undefined))?.[0];
      }, 30_000);
      expect(JSON.parse(accepted.body)).toMatchObject({ involvedObject: { name: "external", namespace: tenant }, reason: "NewArtifact" });
      expect((await fetch(url, { method: "POST", body: "{" })).status).toBe(400);
    } finally {
      agent.child.kill("SIGTERM");
      await agent.exited;
      await sink.stop();
      await deleteNamespace(tenant);
    }
  }, 90_000);
});
