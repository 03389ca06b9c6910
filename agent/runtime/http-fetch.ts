/**
 * A fetch bound to TLS settings (custom CA, client certificate) on each runtime: Bun's fetch `tls`
 * option, Deno's HttpClient, and on Node a node:https bridge. Without TLS settings it is the runtime's
 * own fetch. A proxy URL (notification Providers' proxy settings) goes to Bun's fetch `proxy` option and
 * Deno's HttpClient; Node's fetch has no proxy option, so there it is an error, not a silent direct call.
 */
import { request } from "node:https";
import type { Fetch, TlsOptions } from "../core/fetch.ts";

export function createFetch(tls: TlsOptions = {}, proxy?: string): Fetch {
  const custom = Boolean(tls.ca || tls.cert || tls.key || tls.insecureSkipVerify);
  if (!custom && !proxy) return (input, init) => fetch(input, init);
  const g = globalThis as unknown as {
    Bun?: unknown;
    Deno?: { createHttpClient(o: { caCerts?: string[]; cert?: string; key?: string; proxy?: { url: string } }): unknown };
  };
  if (g.Bun) {
    const opt = custom ? { tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecureSkipVerify } } : {};
    return (input, init) => fetch(input, { ...init, ...opt, ...(proxy ? { proxy } : {}) } as RequestInit);
  }
  if (g.Deno) {
    if (tls.insecureSkipVerify) throw new Error("Cannot skip TLS verification on Deno: run with --unsafely-ignore-certificate-errors instead");
    const client = g.Deno.createHttpClient({ caCerts: tls.ca ? [tls.ca] : undefined, cert: tls.cert, key: tls.key, proxy: proxy ? { url: proxy } : undefined });
    return (input, init) => fetch(input, { ...init, client } as RequestInit);
  }
  if (proxy) throw new Error("Cannot send through a proxy on Node: run the agent on Bun or Deno");
  return nodeHttpsFetch(tls);
}

function nodeHttpsFetch(tls: TlsOptions): Fetch {
  return async (input, init) => {
    const req = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    const url = new URL(req.url);
    if (url.protocol !== "https:") return fetch(req);
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const r = request(
        url,
        {
          method: req.method,
          headers: Object.fromEntries(req.headers),
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: !tls.insecureSkipVerify,
          signal: req.signal,
        },
        (res) => {
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              res.on("data", (c: Uint8Array) => controller.enqueue(new Uint8Array(c)));
              res.on("end", () => controller.close());
              res.on("error", (e) => controller.error(e));
            },
          });
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
            else if (v !== undefined) headers.set(k, String(v));
          }
          const nullBody = res.statusCode === 204 || res.statusCode === 304 || req.method === "HEAD";
          resolve(new Response(nullBody ? null : stream, { status: res.statusCode, statusText: res.statusMessage, headers }));
        },
      );
      r.on("error", reject);
      if (body) r.write(body);
      r.end();
    });
  };
}
