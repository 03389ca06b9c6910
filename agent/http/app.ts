/**
 * The agent's HTTP surface (Hono, portable):
 * - /healthz: the process is alive; /readyz: connected to the API server with the leader election loop
 *   running (a standby replica is ready too, as in Flux);
 * - /metrics: Prometheus text;
 * - /<kind>/<namespace>/<name>/<file>: stored artifacts, the URLs written to status.artifact.url, so
 *   Flux's own consumers can fetch what rivulet produced;
 * - /hook/<digest>: Receiver webhooks (webhook-routes.ts), unless they have an address of their own;
 * - /status/: the read-only status page (status-page.ts), only when it is turned on.
 */
import { Hono } from "hono";
import type { Registry } from "./metrics.ts";
import { mountWebhooks, type WebhookPort, type WebhookRouteOptions } from "./webhook-routes.ts";
import { mountStatusPage, type StatusPageOptions, type StatusPagePort } from "./status-page.ts";

export interface AgentState {
  /** Set once the API server answered and the access check passed. */
  connected: boolean;
  leader: boolean;
  namespace: string;
  identity: string;
}

export interface AppOptions {
  metrics?: { registry: Registry; beforeRender?: () => void };
  /** Reads a stored artifact by its relative path (ArtifactStore.get). */
  store?: { get(path: string): Promise<Uint8Array | undefined> };
  webhooks?: { port: WebhookPort } & WebhookRouteOptions;
  /** The status page; off (no routes, nothing kept) unless given. */
  statusPage?: { port: StatusPagePort } & StatusPageOptions;
}

export function createApp(state: AgentState, o: AppOptions = {}): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) =>
    state.connected
      ? c.json({ status: "ready", leader: state.leader, namespace: state.namespace, identity: state.identity })
      : c.json({ status: "not ready", reason: "not connected to the Kubernetes API yet" }, 503),
  );
  if (o.metrics) {
    const m = o.metrics;
    app.get("/metrics", (c) => {
      m.beforeRender?.();
      return c.body(m.registry.render(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
    });
  }
  if (o.statusPage) mountStatusPage(app, o.statusPage.port, o.statusPage);
  if (o.webhooks) mountWebhooks(app, o.webhooks.port, o.webhooks);
  if (o.store) {
    const store = o.store;
    app.get("/:kind/:namespace/:name/:file", async (c) => {
      const { kind, namespace, name, file } = c.req.param();
      const data = await store.get(`${kind}/${namespace}/${name}/${file}`);
      if (!data) return c.text("artifact not found\n", 404);
      return c.body(data as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/gzip", "Content-Length": String(data.byteLength) });
    });
  }
  return app;
}
