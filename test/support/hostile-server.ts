/**
 * Loopback servers that speak a protocol and then misbehave, for the network clients' adversarial tests
 * (issue 25 item 6): a Hono app of the test's own on 127.0.0.1, plus the bodies a hostile server sends:
 * an endless stream (produced only as fast as the client reads, counted so a test can tell a client that
 * stopped early from one that drained everything), a one-byte-per-interval drip, and an HTTPS server with
 * a self-signed certificate (made by openssl for the test) that no client trusts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { serve } from "../../agent/runtime/serve.ts";

export interface HostileServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** Every request seen: method, path with query, and its headers (lower-case names). */
  requests: Array<{ method: string; path: string; headers: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startHostileServer(app: Hono): Promise<HostileServer> {
  const requests: HostileServer["requests"] = [];
  const served = await serve(
    (req) => {
      const u = new URL(req.url);
      requests.push({ method: req.method, path: u.pathname + u.search, headers: Object.fromEntries(req.headers) });
      return app.fetch(req);
    },
    "127.0.0.1",
    0,
  );
  return { url: `http://127.0.0.1:${served.port}`, host: `127.0.0.1:${served.port}`, port: served.port, requests, close: () => served.close() };
}

export interface Counted {
  stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the runtime so far (the client has read about this much, plus socket buffers). */
  sent(): number;
}

/** A body that never ends: `prefix`, then `chunk` again and again, produced on demand. */
export function endlessBody(chunk: Uint8Array, prefix: Uint8Array = new Uint8Array(0)): Counted {
  let sent = 0;
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = first && prefix.length > 0 ? prefix : chunk;
      first = false;
      sent += next.length;
      controller.enqueue(next);
    },
  });
  return { stream, sent: () => sent };
}

/** One byte every `intervalMs` (default 1 s), then the end when `bytes` runs out (it never does if long). */
export function dripBody(bytes: Uint8Array, intervalMs = 1000): Counted {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= bytes.length) return controller.close();
      if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
      controller.enqueue(bytes.subarray(i, i + 1));
      i++;
    },
  });
  return { stream, sent: () => i };
}

/** Bytes of `n` repetitions of `text`. */
export function repeat(text: string, n: number): Uint8Array {
  return new TextEncoder().encode(text.repeat(n));
}

export interface SelfSignedServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  host: string;
  /** The certificate, for a test that trusts it explicitly. */
  certPem: string;
  requests: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 whose certificate is self-signed (CN and SAN 127.0.0.1), answering 200 "ok". */
export async function startSelfSignedServer(): Promise<SelfSignedServer> {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    const key = readFileSync(join(dir, "key.pem"), "utf8");
    const certPem = readFileSync(join(dir, "cert.pem"), "utf8");
    const state = { requests: 0 };
    const server = createHttpsServer({ key, cert: certPem }, (_req, res) => {
      state.requests++;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as { port: number }).port;
    return {
      url: `https://127.0.0.1:${port}`,
      host: `127.0.0.1:${port}`,
      certPem,
      get requests() {
        return state.requests;
      },
      close: () => new Promise((res) => server.close(() => res())),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
