import { expect, test } from "bun:test";
import { createWebhookApp, DEFAULTS, type WebhookPort } from "./webhook-routes.ts";
import { createApp } from "./app.ts";
import { serve } from "../runtime/serve.ts";
import process from "node:process";

/** A port that answers 200 for /hook/ok after `delayMs`, counting calls and the most at once. */
function countingPort(delayMs = 0) {
  const seen = { calls: 0, inFlight: 0, maxInFlight: 0, bodies: [] as number[] };
  const port: WebhookPort = {
    async handle(path, req) {
      seen.calls++;
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      seen.bodies.push(req.body.byteLength);
      await new Promise((r) => setTimeout(r, delayMs));
      seen.inFlight--;
      return path === "/hook/ok" ? { status: 200, message: "ok" } : { status: 404, message: "no Receiver" };
    },
  };
  return { port, seen };
}

test("the hook path is handed over whole with the exact body, any method, and answered without a body", async () => {
  const { port, seen } = countingPort();
  const app = createWebhookApp(port);
  const res = await app.request("/hook/ok", { method: "POST", body: "payload" });
  expect([res.status, await res.text(), seen.bodies]).toEqual([200, "", [7]]);
  expect((await app.request("/hook/ok?x=1", { method: "PUT" })).status).toBe(404);
  expect((await app.request("/healthz")).status).toBe(404);
});

test("the agent's app serves hooks beside its probes when given the port", async () => {
  const { port } = countingPort();
  const app = createApp({ connected: true, leader: true, namespace: "a", identity: "x" }, { webhooks: { port } });
  expect((await app.request("/hook/ok", { method: "POST" })).status).toBe(200);
  expect((await app.request("/healthz")).status).toBe(200);
});

test("a body over the limit is refused with 413, by Content-Length or while streaming, and never handled", async () => {
  const { port, seen } = countingPort();
  const app = createWebhookApp(port, { limits: { maxBodyBytes: 1024 } });
  const declared = await app.request("/hook/ok", { method: "POST", body: "x".repeat(1025) });
  expect(declared.status).toBe(413);
  const chunk = new Uint8Array(512);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ < 100) c.enqueue(chunk);
      else c.close();
    },
  });
  const streamed = await app.request("/hook/ok", { method: "POST", body: stream, duplex: "half" } as RequestInit);
  expect(streamed.status).toBe(413);
  expect(sent).toBeLessThan(10); // reading stopped at the limit, not at the end of the stream
  expect(seen.calls).toBe(0);
  expect(DEFAULTS.maxBodyBytes).toBe(3 * 1024 * 1024); // notification-controller's cap
});

test("a body that does not arrive in time is answered 408 and frees its place", async () => {
  const { port, seen } = countingPort();
  const app = createWebhookApp(port, { limits: { readTimeoutMs: 100, maxInFlight: 1 } });
  const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(10)) }); // never closes
  const slow = await app.request("/hook/ok", { method: "POST", body: stalled, duplex: "half" } as RequestInit);
  expect(slow.status).toBe(408);
  expect((await app.request("/hook/ok", { method: "POST", body: "ok" })).status).toBe(200);
  expect(seen.calls).toBe(1);
  expect(DEFAULTS.readTimeoutMs).toBe(30_000);
});

test("past the burst, calls are answered 429 until the bucket refills", async () => {
  let now = 0;
  const { port, seen } = countingPort();
  const app = createWebhookApp(port, { limits: { burst: 5, ratePerSecond: 10 }, now: () => now });
  const codes: number[] = [];
  for (let i = 0; i < 8; i++) codes.push((await app.request("/hook/ok", { method: "POST" })).status);
  expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  now += 200; // two tokens back at 10/s
  codes.length = 0;
  for (let i = 0; i < 3; i++) codes.push((await app.request("/hook/ok", { method: "POST" })).status);
  expect(codes).toEqual([200, 200, 429]);
  expect(seen.calls).toBe(7);
});

test("a flood of 2,000 calls on loopback is answered in full with concurrency, rate and memory bounded", async () => {
  const { port, seen } = countingPort(5);
  const statuses = new Map<number, number>();
  const app = createWebhookApp(port, { limits: { maxInFlight: 4, burst: 200, ratePerSecond: 100 } });
  const server = await serve(app.fetch, "127.0.0.1", 0);
  try {
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const body = "x".repeat(4096);
    // 50 senders at once, 40 calls each.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 40; i++) {
          const res = await fetch(`http://127.0.0.1:${server.port}/hook/ok`, { method: "POST", body });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(2000);
    expect([...statuses.keys()].every((s) => [200, 429, 503].includes(s))).toBe(true);
    expect(seen.maxInFlight).toBeLessThanOrEqual(4);
    // The bucket lets at most burst + rate x elapsed through to the handler.
    expect(seen.calls).toBeLessThanOrEqual(200 + Math.ceil(100 * seconds) + 1);
    expect(statuses.get(200)).toBe(seen.calls);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  } finally {
    await server.close();
  }
});
