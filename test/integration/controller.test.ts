/**
 * The controller's Flux choreography on a real API server with rivulet's CRDs: finalizer, Reconciling
 * while working, Ready/Stalled outcomes, observedGeneration, requestedAt echo, suspend, events,
 * deletion through finalize. The kind-specific part is a few lines of pure logic driven by spec.path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:http";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { Controller, FINALIZER } from "../../agent/reconcile/controller.ts";
import type { FluxObject, Reconciler } from "../../agent/reconcile/reconciler.ts";
import { NotReadyError, TerminalError } from "../../agent/core/errors.ts";
import { createLogger } from "../../agent/core/logger.ts";
import { createEventRecorder } from "../../agent/status/events.ts";
import { agentMetrics } from "../../agent/http/metrics.ts";

let client: KubeClient;
let ns: string;
const ac = new AbortController();
const finalized: string[] = [];
const calls = new Map<string, number>();
const metrics = agentMetrics();
/** Status writes per object, counted on the controller's client. */
const statusWrites = new Map<string, number>();
/** A stand-in for Flux's notification-controller: records what is POSTed to it, answers 202. */
const forwarded: Array<Record<string, unknown>> = [];
let receiver: ReturnType<typeof createServer>;
let controller: Controller;

const reconciler: Reconciler = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  controllerName: "kustomize-controller",
  async reconcile(obj, ctx) {
    const name = obj.metadata.name!;
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const path = String(obj.spec?.path ?? "");
    await ctx.progress(`building ${path}`);
    if (path === "./terminal") throw new TerminalError("BuildFailed", `kustomization path not found: ${path}`);
    if (path === "./wait") throw new NotReadyError("DependencyNotReady", "dependency 'x' is not ready", { retryAfterMs: 60_000 });
    if (path === "./flaky") throw new Error("connection reset");
    if (path === "./slow") await new Promise((r) => setTimeout(r, 6_500));
    return { reason: "ReconciliationSucceeded", message: `Applied revision: ${path}`, status: { lastAppliedRevision: path } };
  },
  async finalize(obj) {
    finalized.push(obj.metadata.name!);
  },
};

const ks = (name: string, path: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", prune: true, path, sourceRef: { kind: "GitRepository", name: "repo" }, ...extra },
});
const get = async (name: string) =>
  (await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const fm = { fieldManager: "rivulet-tests" };

let fences = 0;
/**
 * Returns once the controller has handled every watch event of the object up to now, the echoes of its
 * own status writes included: a label written now reaches its cache only after them (a watch delivers
 * in order), and a label is no reason to reconcile. Once the reconcile running then has ended, what the
 * controller decided is in its queue: a positive signal where a test would otherwise wait for nothing to
 * happen (an unwanted reconcile shows as queued, or as a call counted).
 */
async function handledUpToNow(name: string): Promise<ReturnType<Controller["pending"]>> {
  const mark = String(++fences);
  await client.patch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name }, { metadata: { labels: { "rivulet.test/fence": mark } } }, "merge");
  await eventually(`the controller to see ${name}'s fence ${mark}`, async () => controller.cache.get(name)?.metadata.labels?.["rivulet.test/fence"] === mark || undefined);
  // A reconcile whose status is already written may still be recording its event.
  return eventually(`${name}'s reconcile to end`, async () => {
    const p = controller.pending(name);
    return p.running ? undefined : p;
  });
}
const idle = { running: false, queued: false };

/** Applies a Kustomization and waits until its Ready condition has the status wanted. */
async function applyUntil(name: string, path: string, ready: "True" | "False", extra: Record<string, unknown> = {}): Promise<FluxObject> {
  await client.apply(ks(name, path, extra), fm);
  return eventually(`${name} Ready=${ready}`, async () => {
    const o = await get(name);
    return cond(o, "Ready")?.status === ready ? o : undefined;
  });
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("ctl");
  const log = createLogger(() => {}, { level: "error" });
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      forwarded.push(JSON.parse(body));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const eventsAddr = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
  const events = createEventRecorder({ client, controllerFor: () => "kustomize-controller", instance: "test", log, eventsAddr });
  const counting: KubeClient = {
    ...client,
    apply: (obj, o) => {
      if (o.subresource === "status") statusWrites.set(obj.metadata.name!, (statusWrites.get(obj.metadata.name!) ?? 0) + 1);
      return client.apply(obj, o);
    },
  };
  controller = new Controller(reconciler, { client: counting, namespace: ns, log, events, metrics });
  void controller.run(ac.signal);
  await controller.synced();
});
afterAll(async () => {
  ac.abort();
  receiver?.close();
  await deleteNamespace(ns);
});

describe("controller choreography", () => {
  test("a reconcile that ends within the progress interval writes its status once", async () => {
    await client.apply(ks("quick", "./quick"), fm);
    await eventually("quick is Ready", async () => cond(await get("quick"), "Ready")?.status === "True" || undefined, 20_000);
    // The delayed progress write is cancelled when the reconcile ends (status-writes.test.ts, on a clock).
    expect(await handledUpToNow("quick")).toMatchObject(idle);
    expect(statusWrites.get("quick")).toBe(1);
    expect(cond(await get("quick"), "Reconciling")).toBeUndefined();
  });

  test("a long reconcile shows Reconciling=True while it runs, then Ready=True without Reconciling", async () => {
    await client.apply(ks("slow", "./slow"), fm);
    await eventually("slow shows Reconciling", async () => cond(await get("slow"), "Reconciling")?.status === "True" || undefined, 20_000);
    const during = await get("slow");
    expect(cond(during, "Ready")?.status).toBe("Unknown");
    expect(cond(during, "Reconciling")?.message).toBe("building ./slow");
    await eventually("slow is Ready", async () => cond(await get("slow"), "Ready")?.status === "True" || undefined, 20_000);
    expect(await handledUpToNow("slow")).toMatchObject(idle);
    const after = await get("slow");
    expect(cond(after, "Reconciling")).toBeUndefined();
    expect(statusWrites.get("slow")).toBe(2);
  });

  test("success: finalizer, Ready=True with the message, observedGeneration, no Reconciling left, kind status fields", async () => {
    await client.apply(ks("ok", "./apps"), fm);
    const o = await eventually("Ready=True", async () => {
      const o = await get("ok");
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    expect(o.metadata.finalizers).toContain(FINALIZER);
    expect(cond(o, "Ready")).toMatchObject({ reason: "ReconciliationSucceeded", message: "Applied revision: ./apps", observedGeneration: o.metadata.generation });
    expect(cond(o, "Reconciling")).toBeUndefined();
    expect(o.status!.observedGeneration).toBe(o.metadata.generation);
    expect(o.status!.lastAppliedRevision).toBe("./apps");
    expect(metrics.registry.render()).toContain(`gotk_reconcile_condition{kind="Kustomization",name="ok",namespace="${ns}",status="True",type="Ready"} 1`);
  });

  test("a spec change reconciles again; a status-only change does not", async () => {
    await applyUntil("changes", "./apps", "True");
    const before = calls.get("changes")!;
    await client.apply(ks("changes", "./apps-v2"), fm);
    await eventually("the new path applied", async () => ((await get("changes"))?.status?.lastAppliedRevision === "./apps-v2" ? true : undefined));
    const after = calls.get("changes")!;
    expect(after).toBe(before + 1);
    // The echo of its own status write (and the fence's label) queued nothing.
    expect(await handledUpToNow("changes")).toMatchObject(idle);
    expect(calls.get("changes")).toBe(after);
  });

  test("requestedAt triggers a reconcile and is echoed in lastHandledReconcileAt", async () => {
    await applyUntil("requested", "./apps", "True");
    expect(await handledUpToNow("requested")).toMatchObject(idle);
    const before = calls.get("requested")!;
    await client.patch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "requested" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "2026-11-28T00:00:00Z" } } }, "merge");
    const o = await eventually("lastHandledReconcileAt", async () => {
      const o = await get("requested");
      return o?.status?.lastHandledReconcileAt === "2026-11-28T00:00:00Z" ? o : undefined;
    });
    expect(calls.get("requested")).toBe(before + 1);
    expect(cond(o, "Ready")?.status).toBe("True");
  });

  test("a terminal error stalls: Ready=False and Stalled=True with the reason, a Warning event, no retry", async () => {
    await client.apply(ks("stuck", "./terminal"), fm);
    const o = await eventually("Stalled", async () => {
      const o = await get("stuck");
      return cond(o, "Stalled")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "BuildFailed", message: "kustomization path not found: ./terminal" });
    expect(cond(o, "Reconciling")).toBeUndefined();
    const events = await eventually("the Warning event", async () => {
      const list = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
      const hit = list.items.filter((e) => (e.involvedObject as { name: string }).name === "stuck" && e.type === "Warning");
      return hit.length ? hit : undefined;
    });
    expect(events[0]).toMatchObject({ reason: "BuildFailed", message: "kustomization path not found: ./terminal", source: { component: "kustomize-controller" } });
    // The same event went to the notification-controller address in Flux's event format.
    const sent = await eventually("the forwarded event", async () => forwarded.find((e) => (e.involvedObject as { name: string }).name === "stuck"));
    expect(sent).toMatchObject({
      involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "stuck", namespace: ns },
      severity: "error",
      reason: "BuildFailed",
      message: "kustomization path not found: ./terminal",
      reportingController: "kustomize-controller",
      reportingInstance: "test",
    });
    expect(String(sent.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const n = calls.get("stuck");
    // Stalled: nothing queued, running or scheduled (no retry timer at all).
    expect(await handledUpToNow("stuck")).toEqual(idle);
    expect(calls.get("stuck")).toBe(n);
  });

  test("not ready: Ready=False with the reason and Reconciling=ProgressingWithRetry, not Stalled", async () => {
    await client.apply(ks("waiting", "./wait"), fm);
    const o = await eventually("Ready=False", async () => {
      const o = await get("waiting");
      return cond(o, "Ready")?.status === "False" ? o : undefined;
    });
    expect(cond(o, "Ready")?.reason).toBe("DependencyNotReady");
    expect(cond(o, "Reconciling")?.reason).toBe("ProgressingWithRetry");
    expect(cond(o, "Stalled")).toBeUndefined();
  });

  test("recovering from a failure clears Stalled and the retry condition", async () => {
    const stalled = await applyUntil("recovers", "./terminal", "False");
    expect(cond(stalled, "Stalled")?.status).toBe("True");
    const o = await applyUntil("recovers", "./fixed", "True");
    expect(cond(o, "Stalled")).toBeUndefined();
    expect(cond(o, "Reconciling")).toBeUndefined();
  });

  test("a suspended object is not reconciled until resumed", async () => {
    await client.apply(ks("paused", "./p", { suspend: true }), fm);
    // The suspended object was processed (its suspend metric is set) without calling the reconciler.
    await eventually("paused reported as suspended", async () => metrics.registry.render().includes(`gotk_suspend_status{kind="Kustomization",name="paused",namespace="${ns}"} 1`) || undefined);
    expect(await handledUpToNow("paused")).toMatchObject(idle);
    expect(calls.get("paused")).toBeUndefined();
    await client.apply(ks("paused", "./p", { suspend: false }), fm);
    await eventually("a reconcile after resume", async () => (calls.get("paused") ? true : undefined));
  });

  test("deletion runs finalize, then the finalizer is removed and the object is gone", async () => {
    await client.apply(ks("doomed", "./d"), fm);
    await eventually("the finalizer", async () => ((await get("doomed"))?.metadata.finalizers?.includes(FINALIZER) ? true : undefined));
    await client.delete({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "doomed" });
    await eventually("the object to be gone", async () => ((await get("doomed")) ? undefined : true));
    expect(finalized).toContain("doomed");
  });
});

describe("a kind the API server does not serve", () => {
  test("the watch names the missing CRD and what fixes it, and keeps retrying", async () => {
    const lines: string[] = [];
    const missing: Reconciler = { ...reconciler, apiVersion: "missing.rivulet.test/v1", kind: "Nothing" };
    const stop = new AbortController();
    const controller = new Controller(missing, { client, namespace: ns, log: createLogger((l) => lines.push(l)), events: createEventRecorder({ client, controllerFor: () => "test", instance: "test", log: createLogger(() => {}) }) });
    const running = controller.run(stop.signal);
    const errors = await eventually("two failed attempts", async () => {
      const errs = lines.map((l) => JSON.parse(l) as { level: string; msg: string; attempt?: number }).filter((r) => r.level === "error");
      return errs.length >= 2 ? errs : undefined;
    });
    stop.abort();
    await running;
    expect(errors[0]!.msg).toBe("Nothing (missing.rivulet.test/v1) is not served by the API server: its CRD is missing, a cluster admin applies crds/ (or Flux's CRDs); retrying");
    expect(errors[1]!.attempt).toBeGreaterThan(errors[0]!.attempt!);
  });
});
