/**
 * The Secrets a source object refers to (credentials, TLS, trust material), read the same way by every
 * source kind: a missing Secret is an AuthenticationFailed retry, not a crash.
 */
import { TransientError } from "../core/errors.ts";
import type { TlsOptions } from "../core/fetch.ts";
import { formatRef } from "../core/ref.ts";
import { MissingSecretError, readSecret } from "../kube/secret.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ReconcileContext } from "./reconciler.ts";

/** A referenced Secret's decoded data. */
export async function readSourceSecret(ctx: Pick<ReconcileContext<unknown>, "client">, obj: KubeObject, name: string): Promise<Record<string, string>> {
  try {
    return await readSecret(ctx.client, obj.metadata.namespace!, name, formatRef(obj));
  } catch (err) {
    if (err instanceof MissingSecretError) throw new TransientError("AuthenticationFailed", err.message);
    throw err;
  }
}

/** The Secret object itself (base64 data), for parsers that take it whole. */
export async function readRawSecret(ctx: Pick<ReconcileContext<unknown>, "client">, obj: KubeObject, name: string): Promise<KubeObject & { data?: Record<string, string> }> {
  const ns = obj.metadata.namespace!;
  const s = await ctx.client.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name });
  if (!s) throw new TransientError("AuthenticationFailed", `Secret/${ns}/${name} referenced by ${formatRef(obj)} not found: create it or fix the reference`);
  return s as KubeObject & { data?: Record<string, string> };
}

/** Flux's TLS keys in a Secret: ca.crt (or caFile), tls.crt, tls.key. */
export function tlsFromSecret(secret: Record<string, string>): TlsOptions {
  return { ca: secret["ca.crt"] ?? secret.caFile, cert: secret["tls.crt"], key: secret["tls.key"] };
}
