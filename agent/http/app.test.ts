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
