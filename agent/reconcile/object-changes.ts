/**
 * What a change to a watched Flux object means to the controller: whether it starts a reconcile, whether
 * it publishes something new to the object's users, and whether nothing is owed on it.
 */
import type { FluxObject } from "./reconciler.ts";
import { findCondition, TYPES } from "../status/conditions.ts";

/** The annotation `flux reconcile` sets to ask for a reconcile now. */
export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";

/** Why an object was (re)queued by a watch event: only these changes start a reconcile. */
export function needsReconcile(old: FluxObject | undefined, cur: FluxObject): boolean {
  if (!old) return true;
  if (old.metadata.generation !== cur.metadata.generation) return true;
  if ((old.metadata.annotations?.[REQUESTED_AT] ?? "") !== (cur.metadata.annotations?.[REQUESTED_AT] ?? "")) return true;
  if (!old.metadata.deletionTimestamp && cur.metadata.deletionTimestamp) return true;
  return false;
}

/**
 * What an object publishes to its users: a source's status.artifact, or an ImageRepository's scanned tags
 * (their revision; the scan time changes on every scan, the revision only with the tags), or an
 * ImagePolicy's latest image (so automations write a new image at once, not at their next interval), or
 * an ImageUpdateAutomation's pushed commit (so its GitRepository fetches it at once).
 */
function published(obj: FluxObject | undefined): unknown {
  const s = obj?.status;
  return s?.artifact ?? (s?.lastScanResult as { revision?: string } | undefined)?.revision ?? s?.latestRef ?? s?.lastPushCommit;
}

/** Whether `cur` publishes something (see published) that `old` did not publish the same. */
export function publishedChanged(old: FluxObject | undefined, cur: FluxObject): boolean {
  const now = published(cur);
  return Boolean(now) && JSON.stringify(published(old)) !== JSON.stringify(now);
}

/**
 * Whether nothing is owed on the object: Ready=True at its current generation, and a reconcile request
 * (if any) already handled. Only such an object may wait for its interval after a leadership term change.
 */
export function settled(obj: FluxObject): boolean {
  const ready = findCondition(obj.status?.conditions, TYPES.Ready);
  const requested = obj.metadata.annotations?.[REQUESTED_AT];
  return (
    ready?.status === "True" &&
    obj.status?.observedGeneration === obj.metadata.generation &&
    (!requested || obj.status?.lastHandledReconcileAt === requested) &&
    !obj.metadata.deletionTimestamp
  );
}
