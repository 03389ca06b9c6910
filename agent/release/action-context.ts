/**
 * What every Helm action is given (STYLE.md habit 2: I/O as parameters): the client acting for the tenant,
 * the release store, the namespace the release lives in, the tenant's allowed cluster-scoped kinds, and a
 * clock. `releaseObjects` turns a stored manifest or hook into Kubernetes objects that passed the tenant
 * guard, so every action refuses an object outside the tenant's namespace before its first write.
 */
import { formatRef } from "../core/ref.ts";
import { TerminalError } from "../core/errors.ts";
import { guardObjects, kubeObjects } from "../apply/tenant-guard.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import { parseDocuments } from "../yaml/parse.ts";
import type { Release } from "../helm/release-codec.ts";
import type { ReleaseStore } from "./release-store.ts";
import type { ObjectCache } from "./object-cache.ts";

export const DEFAULTS = {
  /** The field manager helm-controller gives Helm 4's server-side apply (kube.ManagedFieldsManager). */
  fieldManager: "helm-controller",
  /** Helm's and helm-controller's default timeout for an action, its hooks and its wait. */
  timeoutMs: 5 * 60_000,
  pollMs: 1_000,
} as const;

export interface ActionContext {
  /** The identity the action runs as (the tenant's, or the HelmRelease's serviceAccountName). */
  client: KubeClient;
  /** Where the release's Secrets live (HelmRelease storageNamespace). */
  store: ReleaseStore;
  /** The release namespace (HelmRelease targetNamespace): objects without a namespace land here. */
  namespace: string;
  /** Cluster-scoped kinds the platform team allowed this tenant (--allow-cluster-kinds). */
  allowedClusterKinds?: string[];
  fieldManager?: string;
  now?: () => Date;
  /** How often hooks, waits and deletions are polled. */
  pollMs?: number;
  /** Said of what Helm only logs (a kept resource, a skipped CRD). */
  log?: (line: string) => void;
  /** The watch-fed copy of the release namespace's objects: waits and ownership checks read it first. */
  cache?: ObjectCache;
}

export const fieldManagerOf = (ctx: ActionContext) => ctx.fieldManager ?? DEFAULTS.fieldManager;
export const nowOf = (ctx: ActionContext) => (ctx.now ?? (() => new Date()))();
export const pollOf = (ctx: ActionContext) => ctx.pollMs ?? DEFAULTS.pollMs;

/** A release's manifest (or a hook's) as objects, namespaces filled in, refused outside the tenant. */
export async function releaseObjects(ctx: ActionContext, manifest: string, self: string): Promise<KubeObject[]> {
  const docs = parseDocuments(manifest, self).filter((d) => d !== null && d !== undefined) as Array<{ apiVersion?: unknown; kind?: unknown; metadata?: unknown }>;
  return guardObjects(ctx.client, kubeObjects(docs, self), { namespace: ctx.namespace, allowedClusterKinds: ctx.allowedClusterKinds ?? [], self });
}

/**
 * Checks the whole release, manifest and every hook, against the tenant guard at once, so a refusal
 * names every offending object and comes before the release record or any object is written.
 */
export async function guardRelease(ctx: ActionContext, release: Release): Promise<{ objects: KubeObject[] }> {
  const self = `release ${release.name}`;
  if (release.namespace !== ctx.namespace) {
    // A record in the tenant's storage may name any namespace (a copy of another cluster's release).
    throw new TerminalError("AccessDenied", `${self}: refused before applying anything: its namespace is ${release.namespace}, this agent only acts in namespace ${ctx.namespace}`);
  }
  const problems: string[] = [];
  let objects: KubeObject[] = [];
  try {
    objects = await releaseObjects(ctx, release.manifest, self);
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const h of release.hooks ?? []) {
    try {
      await releaseObjects(ctx, h.manifest, `${self} hook ${h.path}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new TerminalError("AccessDenied", problems.join("; "));
  return { objects };
}

export function keyOf(obj: KubeObject): ObjectKey {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name!, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) };
}

/** Group, kind, namespace and name: how Helm matches an object of the old manifest to the new one. */
export function identity(obj: KubeObject): string {
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.slice(0, obj.apiVersion.indexOf("/")) : "";
  return `${group}|${obj.kind}|${obj.metadata.namespace ?? ""}|${obj.metadata.name ?? ""}`;
}

export const refOf = (obj: KubeObject) => formatRef(obj);

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
