/**
 * What every source reconciler (GitRepository, Bucket, OCIRepository) does the same way: read referenced
 * Secrets, turn them into TLS settings, store an artifact atomically and garbage-collect, report success
 * with ArtifactInStorage, and on failure set the kind's negative condition while keeping the last good
 * artifact in status.
 */
import { TransientError } from "../core/errors.ts";
import type { TlsOptions } from "../core/fetch.ts";
import { formatRef } from "../core/ref.ts";
import { MissingSecretError, readSecret } from "../kube/secret.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { Artifact } from "../api/common.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Condition } from "../status/conditions.ts";
import type { FluxObject, ObjectStatus, ReconcileContext, ReconcileSuccess } from "./controller.ts";
import { formatTime } from "../core/time.ts";

/** A referenced Secret's decoded data; a missing Secret is an AuthenticationFailed retry, not a crash. */
export async function readSourceSecret(ctx: ReconcileContext, obj: FluxObject, name: string): Promise<Record<string, string>> {
  try {
    return await readSecret(ctx.client, obj.metadata.namespace!, name, formatRef(obj));
  } catch (err) {
    if (err instanceof MissingSecretError) throw new TransientError("AuthenticationFailed", err.message);
    throw err;
  }
}

/** The Secret object itself (base64 data), for parsers that take it whole. */
export async function readRawSecret(ctx: ReconcileContext, obj: FluxObject, name: string): Promise<KubeObject & { data?: Record<string, string> }> {
  const ns = obj.metadata.namespace!;
  const s = await ctx.client.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name });
  if (!s) throw new TransientError("AuthenticationFailed", `Secret/${ns}/${name} referenced by ${formatRef(obj)} not found: create it or fix the reference`);
  return s as KubeObject & { data?: Record<string, string> };
}

/** Flux's TLS keys in a Secret: ca.crt (or caFile), tls.crt, tls.key. */
export function tlsFromSecret(secret: Record<string, string>): TlsOptions {
  return { ca: secret["ca.crt"] ?? secret.caFile, cert: secret["tls.crt"], key: secret["tls.key"] };
}

export async function storeArtifact(
  store: ArtifactStore,
  obj: FluxObject,
  file: string,
  bytes: Uint8Array,
  meta: { revision: string; digest: string; metadata?: Record<string, string> },
): Promise<Artifact> {
  const id = { kind: obj.kind, namespace: obj.metadata.namespace!, name: obj.metadata.name! };
  try {
    const stored = await store.put(id, file, bytes, meta);
    await store.gc(id, file);
    return stored;
  } catch (err) {
    throw new TransientError("StorageOperationFailed", `${formatRef(obj)}: cannot store the artifact: ${(err as Error).message}`, { cause: err });
  }
}

/** Ready=True "stored artifact for revision '…'" with ArtifactInStorage, clearing the failure conditions. */
export function sourceSuccess(
  artifact: Artifact,
  status: Partial<ObjectStatus>,
  extraConditions: Array<Omit<Condition, "lastTransitionTime">> = [],
): ReconcileSuccess {
  const message = `stored artifact for revision '${artifact.revision}'`;
  return {
    reason: "Succeeded",
    message,
    status: { artifact, ...status },
    conditions: [{ type: "ArtifactInStorage", status: "True", reason: "Succeeded", message }, ...extraConditions],
    clearConditions: ["FetchFailed", "ArtifactOutdated", "StorageOperationFailed", "IncludeUnavailable"],
  };
}

/**
 * The negative condition for a failure (FetchFailed unless the error's reason names another type),
 * replacing older ones; status.artifact is left as it is, so consumers keep the last good artifact.
 */
export function sourceFailure(obj: FluxObject, err: unknown, ctx: ReconcileContext, typeFor: (reason: string) => { type: string; status: "True" | "False" } = () => ({ type: "FetchFailed", status: "True" })) {
  const reason = err instanceof Error && "reason" in err ? String((err as { reason: string }).reason) : "FetchFailed";
  const message = err instanceof Error ? err.message : String(err);
  const { type, status } = typeFor(reason);
  const conds = (ctx.status().conditions ?? []).filter((c) => !["FetchFailed", "IncludeUnavailable", "SourceVerified"].includes(c.type));
  const now = formatTime(ctx.now());
  conds.push({ type, status, reason, message, lastTransitionTime: now, observedGeneration: obj.metadata.generation });
  return { conditions: conds };
}
