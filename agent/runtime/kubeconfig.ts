/**
 * Reads a kubeconfig the way kubectl resolves it, for the cases the agent meets in practice: an explicit
 * file, KUBECONFIG (the first file that exists), ~/.kube/config, or in-cluster (the pod's
 * ServiceAccount token, CA and namespace). From the current (or named) context it takes the server, the
 * CA (data or file), insecure-skip-tls-verify, tls-server-name, and the user's token, tokenFile
 * (re-read every minute: bound ServiceAccount tokens rotate), client certificate and key (data or file)
 * or basic auth. A user with `exec` or `auth-provider` is flagged for client-node.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import process from "node:process";
import { parseDocuments } from "../yaml/parse.ts";

export const DEFAULTS = {
  tokenFileRefreshMs: 60_000,
  inClusterDir: "/var/run/secrets/kubernetes.io/serviceaccount",
};

export interface ResolvedKubeconfig {
  /** The file read; undefined in-cluster. */
  file?: string;
  server: string;
  context: string;
  user: string;
  namespace?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  basic?: { username: string; password: string };
  /** The bearer token now (token files are re-read periodically). */
  token(): string | undefined;
  /** exec / auth-provider users: credentials come from @kubernetes/client-node. */
  needsClientNode: boolean;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Dict = Record<string, unknown>;

export function readKubeconfig(opts: { kubeconfig?: string; context?: string } = {}): ResolvedKubeconfig {
  const file = opts.kubeconfig ?? firstExisting((process.env.KUBECONFIG ?? "").split(":").filter(Boolean)) ?? firstExisting([join(homedir(), ".kube", "config")]);
  if (!file) {
    const inCluster = readInCluster();
    if (inCluster) return inCluster;
    throw new Error("Cannot find a kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run inside a cluster");
  }
  if (!existsSync(file)) throw new Error(`Cannot read the kubeconfig ${file}: the file does not exist`);
  let doc: Dict;
  try {
    doc = (parseDocuments(readFileSync(file, "utf8"), file)[0] ?? {}) as Dict;
  } catch (err) {
    throw new Error(`Cannot read the kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
  }
  const contextName = opts.context ?? (doc["current-context"] as string | undefined);
  if (!contextName) throw new Error(`Cannot use the kubeconfig ${file}: it has no current-context; pass --context`);
  const context = find<Dict>(doc.contexts, contextName, "context", file);
  const clusterName = context.cluster as string;
  const cluster = find<Dict>(doc.clusters, clusterName, "cluster", file);
  const userName = (context.user as string | undefined) ?? "";
  const user = userName ? find<Dict>(doc.users, userName, "user", file) : {};
  const base = dirname(file);
  const readRel = (p: unknown) => (typeof p === "string" && p ? readFileSync(isAbsolute(p) ? p : join(base, p), "utf8") : undefined);
  const b64 = (v: unknown) => (typeof v === "string" && v ? new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0))) : undefined);
  const tokenFile = typeof user.tokenFile === "string" ? (isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile)) : undefined;
  return {
    file,
    server: String(cluster.server ?? ""),
    context: contextName,
    user: userName,
    namespace: context.namespace as string | undefined,
    ca: b64(cluster["certificate-authority-data"]) ?? readRel(cluster["certificate-authority"]),
    cert: b64(user["client-certificate-data"]) ?? readRel(user["client-certificate"]),
    key: b64(user["client-key-data"]) ?? readRel(user["client-key"]),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: cluster["tls-server-name"] as string | undefined,
    basic: typeof user.username === "string" ? { username: user.username, password: String(user.password ?? "") } : undefined,
    token: typeof user.token === "string" ? () => user.token as string : tokenFile ? cachedFile(tokenFile) : () => undefined,
    needsClientNode: Boolean(user.exec || user["auth-provider"]),
  };
}

function readInCluster(): ResolvedKubeconfig | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  const dir = DEFAULTS.inClusterDir;
  if (!host || !port || !existsSync(join(dir, "token"))) return undefined;
  const ns = existsSync(join(dir, "namespace")) ? readFileSync(join(dir, "namespace"), "utf8").trim() : undefined;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    context: "in-cluster",
    user: "serviceaccount",
    namespace: ns,
    ca: readFileSync(join(dir, "ca.crt"), "utf8"),
    token: cachedFile(join(dir, "token")),
    needsClientNode: false,
  };
}

/** A token file's content, re-read at most every minute (bound ServiceAccount tokens rotate). */
export function tokenFileReader(path: string): () => string {
  return cachedFile(path);
}

function cachedFile(path: string): () => string {
  let value = "";
  let at = 0;
  return () => {
    if (!value || Date.now() - at > DEFAULTS.tokenFileRefreshMs) {
      value = readFileSync(path, "utf8").trim();
      at = Date.now();
    }
    return value;
  };
}

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

function find<T extends Dict>(list: unknown, name: string, what: string, file: string): T {
  const entry = (Array.isArray(list) ? (list as Array<Named<T>>) : []).find((e) => e.name === name);
  const body = entry?.[what] as T | undefined;
  if (!body) throw new Error(`Cannot use the kubeconfig ${file}: no ${what} named "${name}"`);
  return body;
}
