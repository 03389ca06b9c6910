/**
 * HelmRelease drift detection (helm-controller's internal/action/diff.go and correct_cluster_drift.go,
 * read, not copied): the deployed release's manifest objects compared with the cluster, and, in mode
 * `enabled`, the drifted ones applied again with server-side apply as the release's field manager.
 *
 * The comparison goes through the same live cache as the Kustomization's (agent/diff): an object whose
 * desired state and owned live fields are unchanged since it was last confirmed needs no request at all,
 * so an unchanged release costs no dry-run. Anything else (an edit, a deletion, no record after a start,
 * no cache) is settled by a server-side dry-run, as Flux does for every object: only what that dry-run
 * says would change counts as drift.
 *
 * Objects annotated `helm.toolkit.fluxcd.io/driftDetection: disabled` are left out, and the fields of
 * spec.driftDetection.ignore are removed from both sides before comparing. Messages name objects and
 * count fields; they never carry a value, so a Secret's drift shows no secret data.
 */
import { messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import { ignoreTrie, removeIgnored, parsePointer, type IgnoreRule } from "../diff/drift-ignore.ts";
import { changedPaths } from "../diff/changed-paths.ts";
import { normalizeObject } from "../diff/canonical.ts";
import type { Release } from "../helm/release-codec.ts";
import { releaseObjects, type ActionContext } from "../release/action-context.ts";
import { withOwnership } from "../release/ownership.ts";

/** An object with this annotation set to "disabled" is never checked for drift (helm-controller's). */
export const DRIFT_DETECTION_ANNOTATION = "helm.toolkit.fluxcd.io/driftDetection";

export const DEFAULTS = {
  /** Longest wait for the live cache to list a newly seen kind before deciding without it. */
  cacheSyncMs: 5_000,
};

/** One drifted object: gone from the cluster (`removed`), or with fields that differ (`changed`). */
export type ObjectDrift =
  | { type: "removed"; desired: KubeObject }
  | { type: "changed"; desired: KubeObject; additions: number; changes: number; removals: number };

export interface ReleaseDrift {
  drifted: ObjectDrift[];
  /** Requests to the API server this comparison made (0 when the cache settled every object). */
  requests: number;
}

/** The live cache as drift detection uses it; undefined or not ready means every object is dry-run. */
export interface DriftCache {
  cache: LiveCache | undefined;
  ready: boolean;
}

/** The objects of a release that drift detection looks at: its manifest, as applied, minus the exempted. */
export async function releaseDriftObjects(actx: ActionContext, rls: Release): Promise<KubeObject[]> {
  const objects = await releaseObjects(actx, rls.manifest, `release ${rls.name}`);
  return objects
    .filter((o) => o.metadata.annotations?.[DRIFT_DETECTION_ANNOTATION] !== "disabled")
    .map((o) => withOwnership(o, { name: rls.name, namespace: rls.namespace }));
}

/** Compares `objects` with the cluster (see the module comment); nothing is written. */
export async function detectReleaseDrift(o: {
  client: KubeClient;
  objects: readonly KubeObject[];
  ignore: readonly IgnoreRule[] | undefined;
  fieldManager: string;
  cache: DriftCache;
}): Promise<ReleaseDrift> {
  const cache = o.cache.ready ? o.cache.cache : undefined;
  if (cache) {
    const kinds = new Map<string, { apiVersion: string; kind: string }>();
    for (const x of o.objects) if (x.metadata.namespace) kinds.set(`${x.apiVersion}/${x.kind}`, { apiVersion: x.apiVersion, kind: x.kind });
    // A kind seen for the first time is listed before deciding; a slow list only means dry-runs.
    await Promise.race([cache.watchKinds([...kinds.values()]).catch(() => undefined), new Promise((r) => setTimeout(r, DEFAULTS.cacheSyncMs))]);
  }
  const drifted: ObjectDrift[] = [];
  let requests = 0;
  for (const desired of o.objects) {
    const trie = ignoreTrie(o.ignore, desired);
    if (cache && cache.decide(desired, trie) === "no") continue;
    const key = { apiVersion: desired.apiVersion, kind: desired.kind, name: desired.metadata.name!, ...(desired.metadata.namespace ? { namespace: desired.metadata.namespace } : {}) };
    requests++;
    const live = await o.client.get(key);
    if (!live) {
      drifted.push({ type: "removed", desired });
      continue;
    }
    requests++;
    const dry = await o.client.apply(desired, { fieldManager: o.fieldManager, force: true, dryRun: true });
    const counts = fieldChanges(removeIgnored(comparable(live), trie), removeIgnored(comparable(dry), trie));
    if (counts.additions + counts.changes + counts.removals === 0) {
      // Confirmed in sync: the next reconcile takes the cache's fast path.
      cache?.record(dry, desired, trie);
      continue;
    }
    drifted.push({ type: "changed", desired, ...counts });
  }
  return { drifted, requests };
}

/**
 * Applies the drifted objects again (created when removed), forced, as the release's field manager,
 * without their ignored fields;
 * returns the change set lines ("Deployment/ns/name configured") and the errors, each naming its object.
 */
export async function correctReleaseDrift(o: {
  client: KubeClient;
  drifted: readonly ObjectDrift[];
  ignore: readonly IgnoreRule[] | undefined;
  fieldManager: string;
  cache: DriftCache;
}): Promise<{ corrected: string[]; errors: string[] }> {
  const corrected: string[] = [];
  const errors: string[] = [];
  for (const d of o.drifted) {
    const trie = ignoreTrie(o.ignore, d.desired);
    // An ignored field is left out of a correction, so whatever another manager set there stays; a
    // removed object is created whole.
    const body = d.type === "changed" && trie ? (removeIgnored(d.desired, trie) as KubeObject) : d.desired;
    try {
      const answer = await o.client.apply(body, { fieldManager: o.fieldManager, force: true });
      if (o.cache.ready) o.cache.cache?.record(answer, d.desired, trie);
      corrected.push(`${formatRef(d.desired)} ${d.type === "removed" ? "created" : "configured"}`);
    } catch (err) {
      errors.push(`${formatRef(d.desired)} apply failed: ${messageOf(err)}`);
    }
  }
  return { corrected, errors };
}

/** helm-controller's summary of a diff set: one line per object, fields counted, never shown. */
export function summarizeDrift(drifted: readonly ObjectDrift[]): string {
  return drifted
    .map((d) => (d.type === "removed" ? `${formatRef(d.desired)} removed` : `${formatRef(d.desired)} changed (${d.additions} additions, ${d.changes} changes, ${d.removals} removals)`))
    .join("\n");
}

/**
 * Counts what applying would do to the live object: a field the dry-run has and the live object lacks
 * is an addition, the reverse a removal, a different value a change.
 */
export function fieldChanges(live: unknown, dry: unknown): { additions: number; changes: number; removals: number } {
  const before = normalizeObject(live);
  const after = normalizeObject(dry);
  const out = { additions: 0, changes: 0, removals: 0 };
  for (const path of changedPaths(before, after)) {
    const had = has(before, path);
    const gets = has(after, path);
    if (!had && gets) out.additions++;
    else if (had && !gets) out.removals++;
    else out.changes++;
  }
  return out;
}

function has(value: unknown, pointer: string): boolean {
  if (pointer === "/") return value !== undefined;
  let cur: unknown = value;
  for (const seg of parsePointer(pointer)) {
    if (typeof cur !== "object" || cur === null || !(seg in cur)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur !== undefined;
}

/** The object without what the server keeps for itself (status, managedFields, versions). */
function comparable(o: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...meta } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata: meta } as KubeObject;
}
