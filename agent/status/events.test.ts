import { describe, expect, test } from "bun:test";
import { createEventRecorder } from "./events.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { FluxEvent } from "../notify/flux-event.ts";
import { KubeApiError } from "../kube/api-error.ts";

const ks: KubeObject = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: "tenant", uid: "u1" } };

/**
 * A client that records the Events created (POST) and the patches sent (pure logic: the recorder only
 * creates and patches); `gone` names Events whose patch answers 404, as an expired Event's would.
 */
function recorder(gone = new Set<string>()) {
  const applied: KubeObject[] = [];
  const requests: string[] = [];
  const patches: unknown[] = [];
  const notified: FluxEvent[] = [];
  let clock = new Date("2026-12-06T10:00:00Z").getTime();
  const client = {
    raw: async (method: string, path: string, body: KubeObject) => (requests.push(`${method} ${path}`), applied.push(body), body),
    patch: async (key: { name: string; namespace: string }, body: unknown, type: string) => {
      requests.push(`PATCH ${type} ${key.namespace}/${key.name}`);
      if (gone.has(key.name)) throw new KubeApiError(404, "NotFound", `events "${key.name}" not found`);
      patches.push(body);
      return body;
    },
  } as unknown as KubeClient;
  const events = createEventRecorder({ client, controllerFor: () => "kustomize-controller", instance: "test", log: createLogger(() => {}), notify: (e) => notified.push(e), now: () => new Date(clock) });
  return { events, applied, requests, patches, notified, advance: (ms: number) => void (clock += ms) };
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

  test("a new Event is created and a repeat patches its count and lastTimestamp, as client-go's recorder writes them", async () => {
    const r = recorder();
    await r.events.record(ks, { type: "Warning", reason: "BuildFailed", message: "bad" });
    r.advance(60_000);
    await r.events.record(ks, { type: "Warning", reason: "BuildFailed", message: "bad" });
    const name = r.applied[0]!.metadata.name!;
    expect(r.requests).toEqual(["POST /api/v1/namespaces/tenant/events?fieldManager=rivulet", `PATCH merge tenant/${name}`]);
    expect(r.applied[0]).toMatchObject({ count: 1, firstTimestamp: "2026-12-06T10:00:00Z", lastTimestamp: "2026-12-06T10:00:00Z", involvedObject: { kind: "Kustomization", name: "app", uid: "u1" } });
    expect(r.patches).toEqual([{ count: 2, lastTimestamp: "2026-12-06T10:01:00Z", message: "bad" }]);
  });

  test("a repeat whose Event is gone (expired) is created again with its count", async () => {
    const first = recorder();
    await first.events.record(ks, { type: "Normal", reason: "Progressing", message: "same" });
    const r = recorder(new Set([first.applied[0]!.metadata.name!]));
    await r.events.record(ks, { type: "Normal", reason: "Progressing", message: "same" });
    await r.events.record(ks, { type: "Normal", reason: "Progressing", message: "same" });
    expect(r.requests.map((q) => q.split(" ")[0])).toEqual(["POST", "PATCH", "POST"]);
    expect(r.applied.map((e) => [e.metadata.name, (e as { count?: number }).count])).toEqual([
      [first.applied[0]!.metadata.name, 1],
      [first.applied[0]!.metadata.name, 2],
    ]);
  });
});
