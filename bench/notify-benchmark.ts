/**
 * The notification pipeline on loopback: Flux events through an Alert to a `generic` Provider served by
 * a hono endpoint on 127.0.0.1, the same code path the agent runs (Notifications + Dispatcher + the
 * generic notifier + fetch).
 * 1. latency: events submitted one every 2 ms, event-to-delivery time at the endpoint (p50, p99);
 * 2. throughput: N distinct events submitted at once, events/s until the last one is delivered;
 * 3. memory: a 10,000-event burst, RSS before, at its peak (sampled every 10 ms) and after, with the
 *    drops the bounded queue made.
 * Run: `bun bench/notify-benchmark.ts [N]` (default 5000), `deno run -A bench/notify-benchmark.ts`.
 */
import process from "node:process";
import { Hono } from "hono";
import { serve } from "../agent/runtime/serve.ts";
import { Dispatcher } from "../agent/notify/dispatcher.ts";
import { Notifications } from "../agent/notify/notifications.ts";
import { EventRateLimiter } from "../agent/notify/rate-limit.ts";
import { resolveProvider } from "../agent/notify/provider-settings.ts";
import type { FluxEvent } from "../agent/notify/flux-event.ts";
import type { Alert } from "../agent/api/alert.ts";
import type { Provider } from "../agent/api/provider.ts";

const N = Number(process.argv[2] ?? 5000);
const arrived = new Map<string, number>();
let waiting: { n: number; res: () => void } | undefined;
const app = new Hono();
app.post("/hook", async (c) => {
  const e = (await c.req.json()) as FluxEvent;
  arrived.set(e.message, performance.now());
  if (waiting && arrived.size >= waiting.n) waiting.res();
  return c.body(null, 200);
});
const server = await serve(app.fetch, "127.0.0.1", 0);
const until = (n: number) => (arrived.size >= n ? Promise.resolve() : new Promise<void>((res) => (waiting = { n, res })));

const alert = { metadata: { name: "all", namespace: "bench", uid: "a" }, spec: { providerRef: { name: "hook" }, eventSources: [{ kind: "Kustomization", name: "*" }] } } as Alert;
const provider = { metadata: { name: "hook", namespace: "bench", uid: "p" }, spec: { type: "generic", address: `http://127.0.0.1:${server.port}/hook` } } as Provider;
const resolved = await resolveProvider(provider, async () => ({}));
let failures = 0;
const dispatcher = new Dispatcher({ fetchFor: () => fetch, onFailure: () => failures++ });
const notifications = new Notifications({
  namespace: "bench",
  alerts: () => [alert],
  provider: async () => ({ ready: true, suspended: false, resolved }),
  labelsOf: async () => ({}),
  warn: () => {},
  dispatcher,
  limiter: new EventRateLimiter(),
});
const event = (message: string): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "app", namespace: "bench" },
  severity: "info",
  timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  message,
  reason: "Progressing",
  metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567" },
  reportingController: "kustomize-controller",
});
const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const mib = (b: number) => (b / 1048576).toFixed(1);

// Warm-up: JIT, connection pool.
for (let i = 0; i < 200; i++) await notifications.submit(event(`warm ${i}`));
await dispatcher.idle();
arrived.clear();

// 1. Latency at a steady pace.
const sent = new Map<string, number>();
const PACED = 1000;
for (let i = 0; i < PACED; i++) {
  const m = `paced ${i}`;
  sent.set(m, performance.now());
  await notifications.submit(event(m));
  await new Promise((r) => setTimeout(r, 2));
}
await dispatcher.idle();
const lat = [...sent].map(([m, t]) => arrived.get(m)! - t);
console.log(`latency, ${PACED} events one every 2 ms: p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms`);
arrived.clear();

// 2. Throughput: N at once (the queue holds 1000 per Provider; submissions wait for room so none is dropped).
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  while (dispatcher.pending >= 900) await new Promise((r) => setTimeout(r, 1));
  await notifications.submit(event(`burst ${i}`));
}
await until(N);
const secs = (performance.now() - t0) / 1000;
console.log(`throughput: ${N} events delivered in ${secs.toFixed(2)} s = ${Math.round(N / secs)} events/s, failures ${failures}`);
arrived.clear();

// 3. Memory under a 10,000-event burst submitted without waiting.
(globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const dropsBefore = dispatcher.dropped;
const t1 = performance.now();
await Promise.all(Array.from({ length: 10_000 }, (_, i) => notifications.submit(event(`flood ${i}`))));
await dispatcher.idle();
const floodSecs = (performance.now() - t1) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
(globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
const after = process.memoryUsage().rss;
console.log(
  `10k burst: delivered ${arrived.size}, dropped ${dispatcher.dropped - dropsBefore} (queue 1000 per Provider), ${floodSecs.toFixed(2)} s; RSS before ${mib(before)} MiB, peak ${mib(peak)} MiB (+${mib(peak - before)}), after ${mib(after)} MiB`,
);
await server.close();
process.exit(0);
