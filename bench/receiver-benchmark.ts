/**
 * Receiver benchmark: webhook calls per second through rivulet's hook server (agent/http/webhook-routes.ts
 * + agent/receiver) on 127.0.0.1, with each type's check, in a separate Bun process from the senders so
 * the two do not share an event loop. The API server is replaced by an in-memory KubeClient (the Secret
 * read and the requestedAt patch cost nothing), so this measures the HTTP layer, the signature checks
 * and the handler; a real API server adds one Secret GET, one GET and one PATCH per accepted call.
 *
 * Measured in one run, median of RUNS, each with SENDERS concurrent senders:
 * - the peer: a bare Hono route answering 200 on the same server (the HTTP floor);
 * - generic (no check), github (HMAC-SHA256 over the body, X-Hub-Signature-256), generic-hmac with
 *   sha512, gitlab (token compare), nexus (HMAC-SHA1), at a 1 KiB and a 64 KiB body;
 * - github with a wrong signature (400): refusals cost what acceptances do, less the patch;
 * - with the default limits (50/s, burst 100, 8 in flight): what a flood gets through (429/503).
 *
 *   npx bun bench/receiver-benchmark.ts [requests=4000] [senders=32]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { mountWebhooks } from "../agent/http/webhook-routes.ts";
import { createReceiverHandler, type ReceiverObject } from "../agent/receiver/receiver-handler.ts";
import { webhookPath } from "../agent/receiver/webhook-path.ts";
import { createLogger } from "../agent/core/logger.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import { serve } from "../agent/runtime/serve.ts";

const RUNS = 5;
const NS = "bench";
const TOKEN = "bench-token-0123456789";
const TYPES = ["generic", "github", "generic-hmac", "gitlab", "nexus"] as const;

const receiver = async (type: string, limited: boolean): Promise<ReceiverObject> => {
  const name = `${type}${limited ? "-limited" : ""}`;
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    kind: "Receiver",
    metadata: { name, namespace: NS },
    spec: { type: type as ReceiverObject["spec"]["type"], secretRef: { name: "token" }, resources: [{ kind: "GitRepository", name: "app" }] },
    status: { webhookPath: await webhookPath(TOKEN, name, NS), conditions: [{ type: "Ready", status: "True", reason: "Succeeded", message: "", lastTransitionTime: "2026-12-06T00:00:00Z" }] },
  };
};

if (process.argv[2] === "--serve") {
  const receivers = await Promise.all(TYPES.map((t) => receiver(t, false)));
  const limited = await receiver("github", true);
  const client = {
    get: async (key: { kind: string; name: string }) =>
      key.kind === "Secret" ? { apiVersion: "v1", kind: "Secret", metadata: { name: key.name, namespace: NS }, data: { token: btoa(TOKEN) } } : { apiVersion: "source.toolkit.fluxcd.io/v1", kind: key.kind, metadata: { name: key.name, namespace: NS } },
    patch: async () => ({}),
  } as unknown as KubeClient;
  const handler = (list: ReceiverObject[]) => createReceiverHandler({ client, namespace: NS, log: createLogger(() => {}), findReceiver: (p) => list.find((r) => r.status?.webhookPath === p) });
  const app = new Hono();
  // The floor: the same server reading the same body, no check and no handler.
  app.post("/bare", async (c) => (await c.req.arrayBuffer(), new Response(null, { status: 200 })));
  // No rate or concurrency limit on the measured hooks (only the size cap), the defaults on /limited.
  const open = new Hono();
  mountWebhooks(open, { handle: handler(receivers) }, { limits: { ratePerSecond: 1e9, burst: 1e9, maxInFlight: 1e9 } });
  const limitedApp = new Hono();
  mountWebhooks(limitedApp, { handle: handler([limited]) });
  const s1 = await serve((req) => (new URL(req.url).pathname === "/bare" ? app.fetch(req) : open.fetch(req)), "127.0.0.1", 0);
  const s2 = await serve(limitedApp.fetch, "127.0.0.1", 0);
  process.stdout.write(JSON.stringify({ open: s1.port, limited: s2.port }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
} else {
  const requests = Number(process.argv[2] ?? 4000);
  const senders = Number(process.argv[3] ?? 32);
  const child = spawn(process.execPath, [import.meta.filename, "--serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const ports = await new Promise<{ open: number; limited: number }>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(JSON.parse(d.toString()))));
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

  const call = (type: string, body: string, bad = false): { path: Promise<string>; init: RequestInit } => {
    const key = bad ? "wrong" : TOKEN;
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (type === "github") Object.assign(headers, { "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${createHmac("sha256", key).update(body).digest("hex")}` });
    if (type === "generic-hmac") headers["X-Signature"] = `sha512=${createHmac("sha512", key).update(body).digest("hex")}`;
    if (type === "gitlab") Object.assign(headers, { "X-Gitlab-Token": key, "X-Gitlab-Event": "Push Hook" });
    if (type === "nexus") headers["X-Nexus-Webhook-Signature"] = createHmac("sha1", key).update(body).digest("hex");
    return { path: webhookPath(TOKEN, type, NS), init: { method: "POST", body, headers } };
  };

  async function blast(url: string, init: RequestInit, n = requests): Promise<{ perSecond: number; codes: Record<number, number> }> {
    const codes: Record<number, number> = {};
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (next++ < n) {
          const res = await fetch(url, init);
          await res.arrayBuffer();
          codes[res.status] = (codes[res.status] ?? 0) + 1;
        }
      }),
    );
    return { perSecond: n / ((performance.now() - t0) / 1000), codes };
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  async function measure(label: string, url: string, init: RequestInit): Promise<number> {
    await blast(url, init, Math.min(500, requests)); // warm-up
    const runs: Array<{ perSecond: number; codes: Record<number, number> }> = [];
    for (let i = 0; i < RUNS; i++) runs.push(await blast(url, init));
    const m = median(runs.map((r) => r.perSecond));
    console.log(`${label.padEnd(34)} ${m.toFixed(0).padStart(7)} req/s  codes ${JSON.stringify(runs[0]!.codes)}`);
    return m;
  }

  console.log(`receiver benchmark: ${requests} calls x ${RUNS} runs, ${senders} senders, load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  const base = `http://127.0.0.1:${ports.open}`;
  for (const size of [1024, 64 * 1024]) {
    const body = JSON.stringify({ ref: "refs/heads/main", pad: "x".repeat(size - 40) });
    const bare = await measure(`bare Hono route, ${size / 1024} KiB`, `${base}/bare`, { method: "POST", body });
    for (const type of TYPES) {
      const c = call(type, body);
      const r = await measure(`${type}, ${size / 1024} KiB`, base + (await c.path), c.init);
      console.log(`${"".padEnd(34)} ${(r / bare).toFixed(2)}x the bare route`);
    }
    const badCall = call("github", body, true);
    await measure(`github, wrong signature, ${size / 1024} KiB`, base + (await badCall.path), badCall.init);
  }
  console.log(`hook server RSS after the runs: ${rss().toFixed(0)} MiB`);
  const flood = call("github", JSON.stringify({ ref: "refs/heads/main" }));
  const limitedPath = await webhookPath(TOKEN, "github-limited", NS);
  const t0 = performance.now();
  const r = await blast(`http://127.0.0.1:${ports.limited}${limitedPath}`, flood.init, requests);
  console.log(`flood of ${requests} at default limits: ${JSON.stringify(r.codes)} in ${((performance.now() - t0) / 1000).toFixed(2)} s; RSS ${rss().toFixed(0)} MiB`);
  child.stdin!.end();
}
