/**
 * The status page (`rivulet run --status-page`): a read-only look at the tenant on the agent's HTTP
 * port. One HTML page with a small script and a style sheet (no build step, embedded as strings so a
 * compiled binary carries them), the JSON it reads, and a server-sent event stream that sends a new
 * snapshot whenever the snapshot changed. Every answer comes from the port's snapshot (the controllers'
 * caches and the kept events), so looking costs no API request; nothing is written. The page builds its
 * DOM with textContent only, and the strict Content-Security-Policy refuses inline script, so a message
 * that holds markup stays text.
 */
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { StatusSnapshot } from "../status/status-snapshot.ts";
import { STATUS_PAGE_HTML } from "./status-page-html.ts";
import { STATUS_PAGE_SCRIPT } from "./status-page-script.ts";
import { STATUS_PAGE_STYLE } from "./status-page-style.ts";

export const DEFAULTS = {
  /** How often an open stream compares the snapshot with the one it sent last. */
  pollMs: 1_000,
  /** A comment line this often keeps an idle stream open (Bun closes a connection idle for 10 s). */
  keepAliveMs: 5_000,
  /** Open streams at once; more are answered 503 and the page falls back to polling. */
  maxStreams: 16,
};

export interface StatusPagePort {
  snapshot(): StatusSnapshot;
}

export type StatusPageOptions = Partial<typeof DEFAULTS>;

const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

export function mountStatusPage(app: Hono, port: StatusPagePort, o: StatusPageOptions = {}): void {
  const opts = { ...DEFAULTS, ...o };
  let streams = 0;
  const asset = (body: string, type: string) => () => new Response(body, { headers: { ...SECURITY_HEADERS, "Content-Type": type } });
  app.get("/status", (c) => c.redirect("/status/", 301));
  app.get("/status/", asset(STATUS_PAGE_HTML, "text/html; charset=utf-8"));
  app.get("/status/app.js", asset(STATUS_PAGE_SCRIPT, "text/javascript; charset=utf-8"));
  app.get("/status/style.css", asset(STATUS_PAGE_STYLE, "text/css; charset=utf-8"));
  app.get("/status/api/objects", (c) => {
    const s = port.snapshot();
    return c.json({ namespace: s.namespace, objects: s.objects }, 200, SECURITY_HEADERS);
  });
  app.get("/status/api/events", (c) => c.json({ events: port.snapshot().events }, 200, SECURITY_HEADERS));
  app.get("/status/api/stream", (c) => {
    if (streams >= opts.maxStreams) return c.text("too many open status streams\n", 503, SECURITY_HEADERS);
    streams++;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    return streamSSE(c, async (stream) => {
      let released = false;
      const release = () => void (released || ((released = true), streams--));
      stream.onAbort(release);
      try {
        let sent = "";
        let quietMs = 0;
        while (!stream.aborted && !stream.closed) {
          const data = JSON.stringify(port.snapshot());
          if (data !== sent) {
            await stream.writeSSE({ event: "snapshot", data });
            sent = data;
            quietMs = 0;
          } else if ((quietMs += opts.pollMs) >= opts.keepAliveMs) {
            await stream.write(": keep-alive\n\n");
            quietMs = 0;
          }
          await stream.sleep(opts.pollMs);
        }
      } finally {
        release();
      }
    });
  });
}
