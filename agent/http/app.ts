/**
 * The agent's HTTP surface (Hono, portable):
 * - /healthz: the process is alive; /readyz: connected to the API server with the leader election loop
 *   running (a standby replica is ready too, as in Flux);
 * - /metrics: Prometheus text;
 * - /hook/<digest>: Receiver webhooks (webhook-routes.ts), unless they have an address of their own;
 * - /status/: the read-only status page (status-page.ts), only when it is turned on.
 * Stored artifacts are not served here but by artifact-app.ts on a listener of their own, so opening
 * the probes to the kubelet does not open a tenant's sources to the cluster.
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
  webhooks?: { port: WebhookPort } & WebhookRouteOptions;
  /** The status page; off (no routes, nothing kept) unless given. */
  statusPage?: { port: StatusPagePort } & StatusPageOptions;
  /** More of the state on /readyz (a multi-tenant host: each tenant's readiness and why not). */
  readyDetail?: () => Record<string, unknown> | undefined;
}

export function createApp(state: AgentState, o: AppOptions = {}): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) =>
    state.connected
      ? c.json({ status: "ready", leader: state.leader, namespace: state.namespace, identity: state.identity, ...o.readyDetail?.() })
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
  return app;
}
