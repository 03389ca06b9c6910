/**
 * "Has this object changed?": the one decision that lets an apply skip unchanged objects so their
 * resourceVersion is not bumped. Like fluxcd/pkg ssa, it compares the server-side dry-run result with
 * the live object: labels and annotations, then everything except metadata and status. Kept behind the
 * DriftCheck type so a detector that needs no dry-run (agent/diff) can replace it.
 *
 * Equality is Kubernetes' apiequality.Semantic.DeepEqual on decoded JSON: exact, except that absent
 * labels or annotations equal empty ones.
 */
import type { KubeObject } from "../kube/types.ts";

/** Decides whether applying `desired` (the dry-run result) would change the live object. */
export type DriftCheck = (live: KubeObject | undefined, dryRun: KubeObject) => boolean;

export const hasDrifted: DriftCheck = (live, dryRun) => {
  // No resourceVersion in the dry-run answer: the object does not exist yet.
  if (!live || !dryRun.metadata.resourceVersion) return true;
  if (!mapEqual(dryRun.metadata.labels, live.metadata.labels)) return true;
  if (!mapEqual(dryRun.metadata.annotations, live.metadata.annotations)) return true;
  return !deepEqual(withoutMetaAndStatus(dryRun), withoutMetaAndStatus(live));
};

function withoutMetaAndStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

/**
 * Deep equality of JSON values. Map keys must match exactly, as for Go maps decoded from JSON; the only
 * nil-versus-empty case that occurs (absent labels or annotations) is handled by the caller.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => k in bo && deepEqual(ao[k], bo[k]));
}

/** Equality of two string maps where an absent map equals an empty one. */
export function mapEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return deepEqual(a ?? {}, b ?? {});
}
