/**
 * Builds the KubeClient transport from a kubeconfig with @kubernetes/client-node 1.4.0 (pinned:
 * DESIGN.md), which resolves contexts, tokens, client certificates, exec plugins and in-cluster config.
 * Requests go out over node:https with the CA and credentials client-node puts on the request options,
 * through one keep-alive agent, which verifies the CA on Bun, Deno and Node alike.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { Agent, request, type RequestOptions } from "node:https";
import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import type { KubeRequest, KubeResponse, Transport } from "../kube/transport.ts";

export interface ClusterConnection {
  transport: Transport;
  server: string;
  /** The context's namespace, when it names one. */
  namespace?: string;
  user: string;
  context: string;
}

export interface ConnectOptions {
  /** A kubeconfig file; default: KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  context?: string;
}

export function connect(opts: ConnectOptions = {}): ClusterConnection {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(
      `Cannot find a cluster in the kubeconfig${opts.kubeconfig ? ` ${opts.kubeconfig}` : ""}: set --kubeconfig or KUBECONFIG, or run inside a cluster`,
    );
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const base = new URL(cluster.server);
  const isHttps = base.protocol === "https:";

  const transport: Transport = async (req: KubeRequest) => {
    const url = new URL(req.path, base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = req.body === undefined ? undefined : new TextEncoder().encode(req.body);
    // An explicit Content-Length: chunked request bodies on reused keep-alive sockets came back as
    // "400 Bad Request" under Bun's node:https.
    const lengths: Record<string, string> = body ? { "Content-Length": String(body.byteLength) } : {};
    const o: RequestOptions = { method: req.method, headers: { Accept: "application/json", ...req.headers, ...lengths } };
    // Sets ca/cert/key and the Authorization header (refreshing exec/OIDC tokens when they expire).
    await kc.applyToHTTPSOptions(o);
    if (isHttps) o.agent = agent;
    const res: IncomingMessage = await new Promise((resolve, reject) => {
      const r = (isHttps ? request : httpRequest)(url, o, resolve);
      r.on("error", (err) => reject(new Error(`Cannot reach the Kubernetes API at ${base.origin}: ${err.message}`, { cause: err })));
      if (req.signal) {
        if (req.signal.aborted) r.destroy(new Error("aborted"));
        req.signal.addEventListener("abort", () => r.destroy(new Error("aborted")), { once: true });
      }
      if (body) r.write(body);
      r.end();
    });
    return wrap(res);
  };
  return { transport, server: cluster.server, namespace: ctx?.namespace, user: kc.getCurrentUser()?.name ?? "", context: kc.getCurrentContext() };
}

function wrap(res: IncomingMessage): KubeResponse {
  return {
    status: res.statusCode ?? 0,
    async text() {
      const chunks: Uint8Array[] = [];
      for await (const c of res) chunks.push(c as Uint8Array);
      return new TextDecoder().decode(concat(chunks));
    },
    async *lines() {
      const dec = new TextDecoder();
      let buf = "";
      try {
        for await (const c of res) {
          buf += dec.decode(c as Uint8Array, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            yield buf.slice(0, nl);
            buf = buf.slice(nl + 1);
          }
        }
      } finally {
        res.destroy();
      }
      if (buf.trim()) yield buf;
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
