import { describe, expect, test } from "bun:test";
import { batchEvents } from "./event-batch.ts";
import { createEventRecorder } from "./events.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { FluxEvent } from "../notify/flux-event.ts";

const ks: KubeObject = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: "tenant", uid: "u1" } };
const rev = { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1" };

function recorder() {
  const applied: Array<{ reason: string; type: string; message: string; annotations?: Record<string, string> }> = [];
  const notified: FluxEvent[] = [];
  const client = {
    raw: async (_method: string, _path: string, obj: KubeObject) => (applied.push({ ...(obj as unknown as { reason: string; type: string; message: string }), annotations: obj.metadata.annotations }), obj),
  } as unknown as KubeClient;
  const events = createEventRecorder({ client, controllerFor: () => "kustomize-controller", instance: "test", log: createLogger(() => {}), notify: (e) => notified.push(e) });
  return { batch: batchEvents(events), applied, notified };
}

describe("event batch", () => {
  test("events of one reason become one Kubernetes Event at flush, and each still goes to the notifications at once", async () => {
    const r = recorder();
    await r.batch.record(ks, { type: "Normal", reason: "Progressing", message: "ConfigMap/tenant/a created", metadata: rev });
    await r.batch.record(ks, { type: "Normal", reason: "Progressing", message: "Health check passed in 1s", metadata: rev });
    expect(r.applied).toEqual([]);
    expect(r.notified.map((e) => e.message)).toEqual(["ConfigMap/tenant/a created", "Health check passed in 1s"]);
    await r.batch.flush();
    expect(r.applied.map((e) => [e.type, e.reason, e.message, e.annotations])).toEqual([["Normal", "Progressing", "ConfigMap/tenant/a created\nHealth check passed in 1s", rev]]);
    expect(r.notified.length).toBe(2);
  });

  test("a different type or reason is an Event of its own; a flush with nothing held writes nothing", async () => {
    const r = recorder();
    await r.batch.flush();
    await r.batch.record(ks, { type: "Normal", reason: "Progressing", message: "ConfigMap/tenant/a created" });
    await r.batch.record(ks, { type: "Warning", reason: "HealthCheckFailed", message: "timeout" });
    await r.batch.flush();
    expect(r.applied.map((e) => [e.type, e.reason, e.message]).sort()).toEqual([
      ["Normal", "Progressing", "ConfigMap/tenant/a created"],
      ["Warning", "HealthCheckFailed", "timeout"],
    ]);
    await r.batch.flush();
    expect(r.applied.length).toBe(2);
  });

  test("an event held longer than holdMs is written without a flush", async () => {
    const r = recorder();
    const batch = batchEvents(createEventRecorder({ client: { raw: async (_m: string, _p: string, o: KubeObject) => (r.applied.push(o as never), o) } as unknown as KubeClient, controllerFor: () => "kustomize-controller", instance: "test", log: createLogger(() => {}) }), { holdMs: 20 });
    await batch.record(ks, { type: "Normal", reason: "Progressing", message: "ConfigMap/tenant/a created" });
    expect(r.applied.length).toBe(0);
    await new Promise((res) => setTimeout(res, 60));
    expect(r.applied.map((e) => e.message)).toEqual(["ConfigMap/tenant/a created"]);
    await batch.flush();
    expect(r.applied.length).toBe(1);
  });

  test("notifyOnly and trace events pass straight through", async () => {
    const r = recorder();
    await r.batch.record(ks, { type: "Normal", reason: "ReconciliationSucceeded", message: "finished", notifyOnly: true });
    await r.batch.record(ks, { type: "Normal", reason: "Progressing", message: "tracing", trace: true });
    expect(r.applied.map((e) => e.message)).toEqual(["tracing"]);
    expect(r.notified.map((e) => e.message)).toEqual(["finished"]);
  });
});
