/**
 * Builds the KubeClient transport from a kubeconfig. Requests go out over node:https through one
 * keep-alive agent, which verifies the CA on Bun, Deno and Node alike.
 *
 * Credentials: the common kubeconfigs (a bearer token or token file, client certificates, CA data or
 * file, and the in-cluster ServiceAccount) are read by kubeconfig.ts, so the agent does not load
 * @kubernetes/client-node (~43 MiB resident under Bun) for them; exec plugins and auth providers go
 * through client-node 1.4.0 (pinned: DESIGN.md), loaded only then.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { Agent, request, type RequestOptions } from "node:https";
import { readKubeconfig, type ResolvedKubeconfig } from "./kubeconfig.ts";
import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import type { KubeRequest, KubeResponse, Transport } from "../kube/transport.ts";
import { concat } from "../core/bytes.ts";

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
  /**
   * Another identity on the same cluster: the kubeconfig's server and CA, this bearer token and nothing
   * of the kubeconfig's user (no client certificate, token or exec plugin). A multi-tenant host gives each
   * tenant its own token this way.
   */
  bearer?: () => string | Promise<string>;
}

export function connect(opts: ConnectOptions = {}): ClusterConnection {
  const cfg = readKubeconfig(opts);
  const base = new URL(cfg.server);
  const isHttps = base.protocol === "https:";
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let clientNode: Promise<KubeConfig> | undefined;

  /** TLS material and the Authorization header for one request. */
  const credentials = async (o: RequestOptions): Promise<void> => {
    if (opts.bearer) {
      o.ca = cfg.ca;
      if (cfg.insecureSkipTlsVerify) o.rejectUnauthorized = false;
      if (cfg.tlsServerName) o.servername = cfg.tlsServerName;
      o.headers = { ...(o.headers as Record<string, string>), Authorization: `Bearer ${await opts.bearer()}` };
      return;
    }
    if (cfg.needsClientNode) {
      // Exec plugins, OIDC and cloud auth providers: client-node resolves (and refreshes) them.
      clientNode ??= import("@kubernetes/client-node").then((m) => {
        const kc = new m.KubeConfig();
        if (cfg.file) kc.loadFromFile(cfg.file);
        else kc.loadFromDefault();
        if (opts.context) kc.setCurrentContext(opts.context);
        return kc;
      });
      await (await clientNode).applyToHTTPSOptions(o);
      return;
    }
    o.ca = cfg.ca;
    o.cert = cfg.cert;
    o.key = cfg.key;
    if (cfg.insecureSkipTlsVerify) o.rejectUnauthorized = false;
    if (cfg.tlsServerName) o.servername = cfg.tlsServerName;
    const token = cfg.token();
    const headers = (o.headers ?? {}) as Record<string, string>;
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (cfg.basic) headers.Authorization = `Basic ${btoa(`${cfg.basic.username}:${cfg.basic.password}`)}`;
    o.headers = headers;
  };

  const transport: Transport = async (req: KubeRequest) => {
    const url = new URL(req.path, base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = req.body === undefined ? undefined : new TextEncoder().encode(req.body);
    // An explicit Content-Length: chunked request bodies on reused keep-alive sockets came back as
    // "400 Bad Request" under Bun's node:https.
    const lengths: Record<string, string> = body ? { "Content-Length": String(body.byteLength) } : {};
    const o: RequestOptions = { method: req.method, headers: { Accept: "application/json", ...req.headers, ...lengths } };
    await credentials(o);
    if (isHttps) o.agent = agent;
    const res: IncomingMessage = await new Promise((resolve, reject) => {
      const r = (isHttps ? request : httpRequest)(url, o, resolve);
      r.on("error", (err) => reject(new Error(`Cannot reach the Kubernetes API at ${base.origin}: ${err.message}`, { cause: err })));
      const signal = req.signal;
      if (signal) {
        // The request, the response and the promise are each ended here instead of relying on the
        // request's "error" event: an aborted watch was seen hanging for minutes under Deno (CI, the
        // 410 Gone watch test), which points at one of them not ending after the request's destroy.
        let answer: IncomingMessage | undefined;
        r.on("response", (res: IncomingMessage) => (answer = res));
        const onAbort = () => {
          const err = new Error("aborted");
          r.destroy(err);
          answer?.destroy(err);
          reject(err);
        };
        if (signal.aborted) onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        // The signal usually outlives the request (the agent's own, for every watch): without this, each
        // request would leave a listener holding it on the signal until the agent stops.
        let released = false;
        const release = () => {
          if (!released) signal.removeEventListener("abort", onAbort);
          released = true;
        };
        r.on("close", release);
        r.on("response", (res: IncomingMessage) => res.on("close", release));
      }
      if (body) r.write(body);
      r.end();
    });
    return wrap(res);
  };
  return { transport, server: cfg.server, namespace: cfg.namespace, user: cfg.user, context: cfg.context };
}

export type { ResolvedKubeconfig };

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

