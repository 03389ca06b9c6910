/**
 * The agent's HTTP surface (Hono, portable): /healthz (the process is alive), /readyz (connected to the
 * API server and the leader election loop is running; a standby replica is ready too, as in Flux).
 * Later stages mount /metrics and the artifact store here.
 */
import { Hono } from "hono";

export interface AgentState {
  /** Set once the API server answered and the access check passed. */
  connected: boolean;
  leader: boolean;
  namespace: string;
  identity: string;
}

export function createApp(state: AgentState): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", (c) =>
    state.connected
      ? c.json({ status: "ready", leader: state.leader, namespace: state.namespace, identity: state.identity })
      : c.json({ status: "not ready", reason: "not connected to the Kubernetes API yet" }, 503),
  );
  return app;
}
