import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCaptureServer, type CaptureServer } from "../../test/support/capture-server.ts";
import type { Alert, AlertSpec } from "../api/alert.ts";
import { Dispatcher } from "./dispatcher.ts";
import type { FluxEvent } from "./flux-event.ts";
import { Notifications, type ProviderState } from "./notifications.ts";
import { resolveProvider } from "./provider-settings.ts";
import type { Provider, ProviderSpec } from "../api/provider.ts";
import { EventRateLimiter } from "./rate-limit.ts";

let server: CaptureServer;
beforeAll(async () => (server = await startCaptureServer()));
afterAll(() => server.stop());

const NS = "tenant";
const alert = (spec: Partial<AlertSpec> = {}): Alert =>
  ({ metadata: { name: "a", namespace: NS, uid: "ua" }, spec: { providerRef: { name: "p" }, eventSources: [{ kind: "Kustomization", name: "*" }], ...spec } }) as Alert;

const event = (message: string, metadata: Record<string, string> = {}, severity = "info"): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "web", namespace: NS },
  severity,
  timestamp: "2026-12-06T08:00:00Z",
  message,
  reason: "ReconciliationSucceeded",
  metadata,
  reportingController: "kustomize-controller",
});

async function pipeline(o: { alerts: Alert[]; spec?: Partial<ProviderSpec>; intervalMs?: number; queueSize?: number; address?: string; suspended?: boolean }) {
  const warnings: string[] = [];
  const failures: string[] = [];
  const p = { metadata: { name: "p", namespace: NS, uid: "up" }, spec: { type: "generic", address: o.address ?? `${server.url}/hook`, ...o.spec } } as Provider;
  let state: ProviderState;
  try {
    state = { ready: true, suspended: o.suspended ?? false, resolved: await resolveProvider(p, async () => ({ token: "t" })) };
  } catch (err) {
    state = { ready: false, suspended: false, message: (err as Error).message };
  }
  const dispatcher = new Dispatcher({ fetchFor: () => fetch, onFailure: (_, m) => failures.push(m), queueSize: o.queueSize, workers: 2, retry: { retries: 0 } });
  const n = new Notifications({
    namespace: NS,
    alerts: () => o.alerts,
    provider: async (name) => (name === "p" ? state : undefined),
    labelsOf: async () => ({}),
    warn: (a, reason, message) => warnings.push(`${reason}: ${message}`),
    dispatcher,
    limiter: new EventRateLimiter({ intervalMs: o.intervalMs ?? 300_000 }),
  });
  return { n, dispatcher, warnings, failures };
}

describe("Notifications", () => {
  test("an event goes to the matching Alert's Provider with composed metadata and without the token", async () => {
    server.requests.length = 0;
    const { n, dispatcher } = await pipeline({ alerts: [alert({ eventMetadata: { cluster: "c1" } })] });
    expect(await n.submit(event("Applied", { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1", "kustomize.toolkit.fluxcd.io/token": "t" }))).toBe("dispatched");
    await dispatcher.idle();
    expect(JSON.parse(server.requests[0]!.body).metadata).toEqual({ cluster: "c1", revision: "main@sha1:1" });
  });

  test("1000 identical events within the interval deliver once; the duplicates are reported as such", async () => {
    server.requests.length = 0;
    const { n, dispatcher } = await pipeline({ alerts: [alert()] });
    const results = await Promise.all(Array.from({ length: 1000 }, () => n.submit(event("same"))));
    await dispatcher.idle();
    expect(results.filter((r) => r === "dispatched").length).toBe(1);
    expect(results.filter((r) => r === "duplicate").length).toBe(999);
    expect(server.requests.length).toBe(1);
  });

  test("an endpoint that never answers, under 1000 distinct events: submit never waits, the queue bounds the cost, the Alert is warned once", async () => {
    server.answer(200, "late", 3000);
    const { n, dispatcher, warnings, failures } = await pipeline({ alerts: [alert()], spec: { timeout: "1s" }, queueSize: 50 });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await n.submit(event(`event ${i}`));
    expect(performance.now() - started).toBeLessThan(1000);
    // Two in flight, fifty waiting: the other 948 were dropped and counted.
    expect(dispatcher.dropped).toBe(948);
    expect(warnings).toEqual(["NotificationDispatchFailed: failed to send notification for Kustomization/tenant/web: the queue of Provider/tenant/p is full, notification dropped"]);
    // The endpoint recovers: the two cut at the timeout failed, the fifty that waited are delivered.
    server.requests.length = 0;
    server.answer(200);
    await dispatcher.idle();
    expect(failures.length).toBe(2);
    expect(failures[0]).toContain("deadline exceeded");
    expect(server.requests.filter((r) => r.headers["gotk-component"]).length).toBeGreaterThanOrEqual(50);
  }, 60_000);

  test("a missing, suspended or not ready Provider", async () => {
    const missing = await pipeline({ alerts: [alert({ providerRef: { name: "nope" } })] });
    await missing.n.submit(event("x"));
    expect(missing.warnings).toEqual(["NotificationDispatchFailed: failed to dispatch notification for Kustomization/tenant/web: failed to read provider: Provider/tenant/nope not found"]);
    const suspended = await pipeline({ alerts: [alert()], suspended: true });
    server.requests.length = 0;
    await suspended.n.submit(event("y"));
    await suspended.dispatcher.idle();
    expect(server.requests.length).toBe(0);
    const unready = await pipeline({ alerts: [alert()], spec: { type: "githubdispatch" } });
    await unready.n.submit(event("z"));
    expect(unready.warnings[0]!.startsWith("NotificationDispatchFailed: failed to dispatch notification for Kustomization/tenant/web: Provider/tenant/p is not ready: provider type 'githubdispatch' is not implemented by rivulet yet")).toBe(true);
  });

  test("a commit status update goes to generic providers but not to chat ones", async () => {
    const update = { "kustomize.toolkit.fluxcd.io/commit_status": "update", "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1" };
    const generic = await pipeline({ alerts: [alert()] });
    server.requests.length = 0;
    await generic.n.submit(event("finished", update));
    await generic.dispatcher.idle();
    expect(server.requests.length).toBe(1);
    const slack = await pipeline({ alerts: [alert()], spec: { type: "slack" } });
    server.requests.length = 0;
    await slack.n.submit(event("finished", update));
    await slack.dispatcher.idle();
    expect(server.requests.length).toBe(0);
  });

  test("a commit-status Provider takes failures and commit status updates, not other info events", async () => {
    const { n, dispatcher } = await pipeline({ alerts: [alert()], spec: { type: "github", address: "https://github.com/o/r", secretRef: { name: "gh" } } });
    const queued: string[] = [];
    const enqueue = dispatcher.enqueue.bind(dispatcher);
    dispatcher.enqueue = (d) => (queued.push(d.event.message), true);
    const rev = { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1" };
    await n.submit(event("ConfigMap/tenant/x created", rev));
    await n.submit(event("health check failed", rev, "error"));
    await n.submit(event("Reconciliation finished", { ...rev, "kustomize.toolkit.fluxcd.io/commit_status": "update" }));
    await n.submit(event("annotated", { ...rev, "event.toolkit.fluxcd.io/commit": "abc" }));
    dispatcher.enqueue = enqueue;
    expect(queued).toEqual(["health check failed", "Reconciliation finished", "annotated"]);
  });

  test("no matching Alert: unmatched", async () => {
    const { n } = await pipeline({ alerts: [alert({ eventSeverity: "error" })] });
    expect(await n.submit(event("info only"))).toBe("unmatched");
  });
});
