/**
 * A ServiceAccount's token from the TokenRequest API, minted with another identity's client (the host's,
 * which needs only `create serviceaccounts/token` in the ServiceAccount's namespace) and renewed once 80%
 * of its life has passed, as the kubelet renews a pod's projected token. The token is only ever handed
 * to a transport: it never reaches a log line, an error message, an event or a status.
 */
import type { KubeClient } from "./client.ts";

export const DEFAULTS = {
  expirationSeconds: 3600,
  /** Renew once this share of the token's life has passed. */
  renewAt: 0.8,
};

export interface MintedToken {
  token: string;
  /** When the API server says it expires (ms since the epoch). */
  expiresAt: number;
}

/** One TokenRequest for system:serviceaccount:NS:NAME (the ServiceAccount must exist). */
export async function requestToken(client: KubeClient, namespace: string, name: string, expirationSeconds = DEFAULTS.expirationSeconds, now = Date.now()): Promise<MintedToken> {
  const tr = (await client.raw("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds },
  })) as { status?: { token?: string; expirationTimestamp?: string } };
  const token = tr.status?.token;
  if (!token) throw new Error(`Cannot get a token for ServiceAccount ${namespace}/${name}: the TokenRequest answer holds none`);
  const at = Date.parse(tr.status?.expirationTimestamp ?? "");
  return { token, expiresAt: Number.isFinite(at) ? at : now + expirationSeconds * 1000 };
}

export interface TokenSourceOptions {
  expirationSeconds?: number;
  now?: () => number;
  /** Called after each mint that failed or succeeded (readiness, metrics); never with the token. */
  onResult?(error: Error | undefined): void;
}

/**
 * The current token for a transport: minted on first use, renewed at 80% of its life; concurrent callers
 * share one request. A failed renewal keeps the old token while it is still valid (the next call tries
 * again), so a passing API hiccup does not stop a tenant.
 */
export function serviceAccountTokenSource(client: KubeClient, namespace: string, name: string, o: TokenSourceOptions = {}): () => Promise<string> {
  const now = o.now ?? (() => Date.now());
  const life = o.expirationSeconds ?? DEFAULTS.expirationSeconds;
  let current: (MintedToken & { renewAt: number }) | undefined;
  let pending: Promise<string> | undefined;
  const mint = async (): Promise<string> => {
    const started = now();
    try {
      const t = await requestToken(client, namespace, name, life, started);
      current = { ...t, renewAt: started + (t.expiresAt - started) * DEFAULTS.renewAt };
      o.onResult?.(undefined);
      return t.token;
    } catch (err) {
      const e = new Error(`Cannot get a token for ServiceAccount ${namespace}/${name}: ${(err as Error).message}`, { cause: err });
      o.onResult?.(e);
      if (current && now() < current.expiresAt) return current.token;
      throw e;
    } finally {
      pending = undefined;
    }
  };
  return () => {
    if (current && now() < current.renewAt) return Promise.resolve(current.token);
    return (pending ??= mint());
  };
}
