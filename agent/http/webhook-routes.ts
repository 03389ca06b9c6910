/**
 * The receiver's HTTP surface: `/hook/<digest>` on any method, as notification-controller's receiver
 * server serves it, mounted on the agent's probe/metrics app or on an app of its own
 * (`rivulet run --receiver-addr`). This layer makes the hook survive a flood before any request reaches
 * the API server:
 * - bodies over `maxBodyBytes` (Flux's 3 MiB) are refused with 413, by Content-Length before reading
 *   and by counting while reading, so an oversized body is never held whole;
 * - a token bucket (`ratePerSecond`, `burst`) answers 429 with Retry-After once it is empty;
 * - at most `maxInFlight` calls are handled at once; more are answered 503 with Retry-After;
 * - a body not received within `readTimeoutMs` (Flux's 30 s read timeout) is answered 408, so a slow
 *   sender cannot hold one of those places.
 * What a call means (which Receiver, which check, which objects) is the port's business (agent/receiver
 * through the composition root); replies carry no body, as Flux's, so nothing about a check leaks.
 */
import { Hono } from "hono";
import type { Logger } from "../core/logger.ts";
import { concat } from "../core/bytes.ts";

export const DEFAULTS = {
  maxBodyBytes: 3 * 1024 * 1024,
  ratePerSecond: 50,
  burst: 100,
  maxInFlight: 8,
  readTimeoutMs: 30_000,
};

export type WebhookLimits = typeof DEFAULTS;

/** Handles one call that passed the limits: the status code to answer and why (logged). */
export interface WebhookPort {
  handle(path: string, req: { headers: Headers; body: Uint8Array }): Promise<{ status: number; message: string }>;
}

export interface WebhookRouteOptions {
  limits?: Partial<WebhookLimits>;
  log?: Logger;
  now?: () => number;
  /** Called with each answered status code (metrics, tests). */
  onAnswer?(status: number): void;
}

export function mountWebhooks(app: Hono, port: WebhookPort, o: WebhookRouteOptions = {}): void {
  const limits = { ...DEFAULTS, ...o.limits };
  const now = o.now ?? (() => Date.now());
  const bucket = { tokens: limits.burst, at: now() };
  let inFlight = 0;
  const answer = (status: number, headers?: Record<string, string>) => {
    o.onAnswer?.(status);
    return new Response(null, { status, headers });
  };
  app.all("/hook/*", async (c) => {
    const t = now();
    bucket.tokens = Math.min(limits.burst, bucket.tokens + ((t - bucket.at) / 1000) * limits.ratePerSecond);
    bucket.at = t;
    if (bucket.tokens < 1) return answer(429, { "Retry-After": "1" });
    bucket.tokens -= 1;
    if (inFlight >= limits.maxInFlight) return answer(503, { "Retry-After": "1" });
    inFlight++;
    try {
      const declared = Number(c.req.header("Content-Length") ?? "0");
      if (declared > limits.maxBodyBytes) return answer(413);
      const body = await readCapped(c.req.raw.body, limits.maxBodyBytes, limits.readTimeoutMs);
      if (body === "too large") return answer(413);
      if (body === "too slow") return answer(408);
      const url = new URL(c.req.url);
      // Flux looks the Receiver up by the whole request URI: a query string matches no hook.
      const r = await port.handle(url.pathname + url.search, { headers: c.req.raw.headers, body });
      (r.status < 400 ? o.log?.info : o.log?.error)?.(r.message, { status: r.status });
      return answer(r.status);
    } catch (err) {
      o.log?.error("webhook handling failed", { error: err instanceof Error ? err.message : String(err) });
      return answer(500);
    } finally {
      inFlight--;
    }
  });
}

/** The whole body; "too large" once it exceeds max bytes, "too slow" after timeoutMs (reading stops there). */
async function readCapped(stream: ReadableStream<Uint8Array> | null, max: number, timeoutMs: number): Promise<Uint8Array | "too large" | "too slow"> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"too slow">((res) => (timer = setTimeout(() => res("too slow"), timeoutMs)));
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "too slow") return stop(reader, next);
      if (next.done) break;
      size += next.value.byteLength;
      if (size > max) return stop(reader, "too large");
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return concat(chunks);
}

function stop<T>(reader: { cancel(): Promise<void> }, why: T): T {
  void reader.cancel().catch(() => {});
  return why;
}

/** An app serving only the hooks, for a receiver address of its own (anything else is 404). */
export function createWebhookApp(port: WebhookPort, o: WebhookRouteOptions = {}): Hono {
  const app = new Hono();
  mountWebhooks(app, port, o);
  return app;
}
