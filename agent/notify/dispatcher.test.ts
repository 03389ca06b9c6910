import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCaptureServer, type CaptureServer } from "../../test/support/capture-server.ts";
import { Dispatcher, type Delivery } from "./dispatcher.ts";
import type { FluxEvent } from "./flux-event.ts";
import { generic } from "./providers/generic.ts";
import type { ResolvedProvider } from "./provider-settings.ts";

let server: CaptureServer;
beforeAll(async () => (server = await startCaptureServer()));
afterAll(() => server.stop());

const event = (i: number): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "a", namespace: "ns" },
  severity: "info",
  timestamp: "2026-12-06T08:00:00Z",
  message: `event ${i}`,
  reason: "r",
  reportingController: "kustomize-controller",
});

const provider = (address: string, timeoutMs = 2000, token = "tok-secret"): ResolvedProvider => ({
  settings: { type: "generic", address, token },
  notifier: generic({ type: "generic", address }),
  timeoutMs,
  secretValues: [token, address],
});

const delivery = (p: ResolvedProvider, i: number): Delivery => ({ providerKey: "ns/p", provider: p, event: event(i), alert: "a", receivedAt: Date.now() });

describe("Dispatcher", () => {
  test("delivers every queued notification and reports success", async () => {
    server.requests.length = 0;
    server.answer(200);
    const d = new Dispatcher({ fetchFor: () => fetch, onFailure: () => {} });
    const p = provider(`${server.url}/ok`);
    for (let i = 0; i < 50; i++) expect(d.enqueue(delivery(p, i))).toBe(true);
    await d.idle();
    expect(server.requests.length).toBe(50);
    expect(new Set(server.requests.map((r) => JSON.parse(r.body).message)).size).toBe(50);
  });

  test("a dead endpoint under 1000 events costs at most the bounded queue: the rest are dropped at once, enqueue never waits", async () => {
    const failures: string[] = [];
    // A port nothing listens on: every attempt is refused.
    const dead = provider("http://127.0.0.1:9/dead", 300);
    const d = new Dispatcher({ fetchFor: () => fetch, onFailure: (_, m) => failures.push(m), queueSize: 100, workers: 2, retry: { retries: 1, retryWaitMinMs: 10 } });
    const started = performance.now();
    let accepted = 0;
    for (let i = 0; i < 1000; i++) if (d.enqueue(delivery(dead, i))) accepted++;
    const enqueueMs = performance.now() - started;
    expect(enqueueMs).toBeLessThan(200);
    // Two start at once, a hundred wait; everything past that is dropped and counted.
    expect(accepted).toBe(102);
    expect(d.dropped).toBe(898);
    expect(d.pending).toBe(102);
    await d.idle();
    expect(failures.length).toBe(102);
    expect(failures[0]!.startsWith("giving up after 2 attempt(s)")).toBe(true);
  });

  test("a slow endpoint is cut at the Provider's timeout and the failure names no secret", async () => {
    server.answer(200, "late", 1000);
    const failures: string[] = [];
    const p = provider(`${server.url}/slow?token=tok-secret`, 100);
    const d = new Dispatcher({ fetchFor: () => fetch, onFailure: (_, m) => failures.push(m), retry: { retries: 0 } });
    d.enqueue(delivery(p, 1));
    await d.idle();
    server.answer(200);
    expect(failures.length).toBe(1);
    expect(failures[0]).not.toContain("tok-secret");
  });
});
