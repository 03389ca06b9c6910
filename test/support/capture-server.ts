/**
 * A loopback HTTP endpoint (hono on 127.0.0.1) that records every request it gets, raw body included, and
 * answers what the test says: the stand-in for a webhook, chat service or alert manager in the
 * notification tests.
 */
import { Hono } from "hono";
import { serve } from "../../agent/runtime/serve.ts";

export interface Captured {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface CaptureServer {
  url: string;
  requests: Captured[];
  /** Sets the answer for the next requests (default 200 "ok"). */
  answer(status: number, body?: string, delayMs?: number): void;
  /** Resolves when `n` requests have arrived. */
  received(n: number, timeoutMs?: number): Promise<Captured[]>;
  stop(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: Captured[] = [];
  let reply = { status: 200, body: "ok", delayMs: 0 };
  const waiters: Array<{ n: number; res: () => void }> = [];
  const app = new Hono();
  app.all("*", async (c) => {
    const body = await c.req.text();
    const url = new URL(c.req.url);
    requests.push({ method: c.req.method, path: url.pathname + url.search, headers: Object.fromEntries(c.req.raw.headers), body });
    for (const w of waiters.filter((w) => requests.length >= w.n)) w.res();
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    return c.body(reply.body, reply.status as 200);
  });
  const server = await serve(app.fetch, "127.0.0.1", 0);
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    answer(status, body = "", delayMs = 0) {
      reply = { status, body, delayMs };
    },
    received(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`expected ${n} requests, got ${requests.length}`)), timeoutMs);
        waiters.push({ n, res: () => (clearTimeout(t), res(requests)) });
      });
    },
    stop: () => server.close(),
  };
}
