/**
 * The drift decision: does an object need a request to the API server at all? Pure and small so the
 * reconciler can swap it. The rules, most common first:
 *
 * - rivulet applied this object (a record exists), the desired hash is unchanged and the live copy has the
 *   recorded resourceVersion: "no".
 * - Same, but the resourceVersion moved (status updates, other managers' fields): "no" when the hash of
 *   what our field manager owns is unchanged. An edit of one of our fields either changes its value or
 *   moves its ownership to the editor; both change that hash.
 * - The desired hash changed: "desired-changed".
 * - The ignore rules changed since the record: "unknown" (an edit made while a field was ignored left no
 *   trace in the hashes).
 * - The object is gone, was recreated (new uid), or our owned fields changed: "live-drifted".
 * - No record (first reconcile after a start): "no" only when the normalized desired object equals the
 *   normalized projection of what we own, field for field; anything else is "unknown" and costs one
 *   dry-run, never a wrong "no".
 * - The kind's watch has not listed yet, or the object is being deleted: "unknown".
 */
import type { KubeObject } from "../kube/types.ts";
import { canonicalText } from "./canonical.ts";
import { removeIgnored } from "./drift-ignore.ts";
import type { PointerTrie } from "./fields-v1.ts";
import type { SlimObject } from "./slim-object.ts";

export type Decision = "no" | "desired-changed" | "live-drifted" | "unknown";

/** What rivulet knew right after it applied (or confirmed) an object. */
export interface AppliedRecord {
  desiredHash: string;
  uid: string;
  resourceVersion: string;
  /** Hash of the owned projection with the ignore rules of that time removed. */
  liveHash: string;
  /** The ignore rules of that time (ignoreKey); other rules make the liveHash incomparable. */
  ignoreKey: string;
}

export interface CacheEntry {
  /** The kind's watch has listed at least once, so a missing `live` means the object does not exist. */
  synced: boolean;
  live?: SlimObject;
  record?: AppliedRecord;
  /** Hash of the desired object as it will be applied (object-hash.ts). */
  desiredHash: string;
  /** Hash of the live owned projection with `ignore` removed, computed like AppliedRecord.liveHash. */
  liveHash?: string;
  /** Ignored paths for this object (drift-ignore.ts). */
  ignore?: PointerTrie;
}

/**
 * Identifies a set of ignored paths. A field edited while it was ignored leaves no trace in the hashes,
 * so when the rules change the record no longer proves anything.
 */
export function ignoreKey(ignore: PointerTrie | undefined): string {
  if (!ignore) return "";
  const walk = (t: PointerTrie): string =>
    `${t.end ? "!" : ""}{${[...t.children.keys()].sort().map((k) => `${JSON.stringify(k)}:${walk(t.children.get(k)!)}`).join(",")}}`;
  return walk(ignore);
}

export type NeedsApply = (desired: KubeObject, entry: CacheEntry) => Decision;

export const needsApply: NeedsApply = (desired, entry) => {
  if (!entry.synced) return "unknown";
  const live = entry.live;
  const rec = entry.record;
  if (!live) return rec ? "live-drifted" : "desired-changed";
  if (live.deleting) return "unknown";
  if (rec) {
    if (rec.uid !== live.uid) return "live-drifted";
    if (rec.desiredHash !== entry.desiredHash) return "desired-changed";
    if (rec.ignoreKey !== ignoreKey(entry.ignore)) return "unknown";
    if (rec.resourceVersion === live.resourceVersion) return "no";
    return entry.liveHash !== undefined && rec.liveHash === entry.liveHash ? "no" : "live-drifted";
  }
  if (live.owned === undefined) return "unknown";
  return sameOwned(desired, live.owned, entry.ignore) ? "no" : "unknown";
};

/** The cold-start check: desired, normalized, equals the owned projection field for field. */
export function sameOwned(desired: KubeObject, owned: string, ignore?: PointerTrie): boolean {
  const want = canonicalText(removeIgnored(desired, ignore));
  const have = ignore ? canonicalText(removeIgnored(JSON.parse(owned), ignore)) : owned;
  return want === have;
}
