import { describe, expect, test } from "bun:test";
import { createEventRecorder } from "./events.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { FluxEvent } from "../notify/flux-event.ts";

const ks: KubeObject = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: "tenant", uid: "u1" } };

/** A client that records the Events applied (pure logic: the recorder only calls apply). */
function recorder() {
  const applied: KubeObject[] = [];
  const notified: FluxEvent[] = [];
  const client = { apply: async (obj: KubeObject) => (applied.push(obj), obj) } as unknown as KubeClient;
  const events = createEventRecorder({ client, controllerFor: () => "kustomize-controller", instance: "test", log: createLogger(() => {}), notify: (e) => notified.push(e), now: () => new Date("2026-12-06T10:00:00Z") });
  return { events, applied, notified };
}

describe("event recorder", () => {
  test("an event goes to Kubernetes and to the notifications, with its metadata", async () => {
    const r = recorder();
    await r.events.record(ks, { type: "Warning", reason: "BuildFailed", message: "bad", metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1" } });
    expect(r.applied.map((e) => [e.kind, (e as { reason?: string }).reason, (e as { type?: string }).type])).toEqual([["Event", "BuildFailed", "Warning"]]);
    expect(r.notified.map((e) => [e.severity, e.reason, e.message, e.metadata])).toEqual([["error", "BuildFailed", "bad", { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1" }]]);
  });

  test("notifyOnly skips the Kubernetes Event; trace skips the notifications", async () => {
    const r = recorder();
    await r.events.record(ks, { type: "Normal", reason: "ReconciliationSucceeded", message: "Reconciliation finished in 1s, next run in 10m0s", notifyOnly: true });
    await r.events.record(ks, { type: "Normal", reason: "Progressing", message: "tracing", trace: true });
    expect(r.applied.map((e) => (e as { message?: string }).message)).toEqual(["tracing"]);
    expect(r.notified.map((e) => e.message)).toEqual(["Reconciliation finished in 1s, next run in 10m0s"]);
  });
});
