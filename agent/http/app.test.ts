import { expect, test } from "bun:test";
import { createApp, type AgentState } from "./app.ts";

const state = (connected: boolean): AgentState => ({ connected, leader: false, namespace: "a", identity: "x" });

test("healthz answers ok whether or not the agent is connected", async () => {
  const res = await createApp(state(false)).request("/healthz");
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("ok");
});

test("readyz is 503 until the agent is connected, then 200 with leadership", async () => {
  const s = state(false);
  const app = createApp(s);
  expect((await app.request("/readyz")).status).toBe(503);
  s.connected = true;
  s.leader = true;
  const res = await app.request("/readyz");
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ready", leader: true, namespace: "a" });
});

test("metrics are served in the Prometheus text format after the refresh hook runs", async () => {
  const { agentMetrics } = await import("./metrics.ts");
  const m = agentMetrics();
  let refreshed = 0;
  const app = createApp(state(true), { metrics: { registry: m.registry, beforeRender: () => void refreshed++ } });
  m.apiRequests.inc({ verb: "list" });
  const res = await app.request("/metrics");
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  expect(await res.text()).toContain('rivulet_kube_requests_total{verb="list"} 1');
  expect(refreshed).toBe(1);
});

test("the probe app serves no artifacts: they have a listener of their own", async () => {
  const app = createApp(state(true));
  expect((await app.request("/gitrepository/a/b/c.tar.gz")).status).toBe(404);
});
