/**
 * The per-object switches Flux users put on their manifests (or on the live objects), and the
 * selector test Flux applies to them: a key matches when the label OR the annotation of that name
 * equals the value, compared case-insensitively (Go's strings.EqualFold), so `ssa: ignore` works too.
 */

export const GROUP = "kustomize.toolkit.fluxcd.io";

export const KEYS = {
  reconcile: `${GROUP}/reconcile`,
  ssa: `${GROUP}/ssa`,
  force: `${GROUP}/force`,
  prune: `${GROUP}/prune`,
  ownerName: `${GROUP}/name`,
  ownerNamespace: `${GROUP}/namespace`,
} as const;

export type Selector = Record<string, string>;

/** Not applied at all: neither tracked in the inventory nor pruned. */
export const EXCLUDE_SELECTORS: Selector[] = [{ [KEYS.reconcile]: "disabled" }, { [KEYS.ssa]: "Ignore" }];
/** Applied only when the object does not exist yet. */
export const IF_NOT_PRESENT: Selector = { [KEYS.ssa]: "IfNotPresent" };
/** Applied without taking fields back from other managers (no metadata cleanup). */
export const MERGE: Selector = { [KEYS.ssa]: "Merge" };
/** Recreated when an immutable field changes. */
export const FORCE: Selector = { [KEYS.force]: "enabled" };
/** Never deleted by garbage collection. */
export const PRUNE_EXCLUDE_SELECTORS: Selector[] = [{ [KEYS.prune]: "disabled" }, { [KEYS.reconcile]: "disabled" }];

export interface Labelled {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** True when any key of the selector is a label or an annotation with an equal (case-folded) value. */
export function anyInMetadata(obj: Labelled | undefined, selector: Selector): boolean {
  if (!obj?.metadata) return false;
  const { labels = {}, annotations = {} } = obj.metadata;
  for (const [k, v] of Object.entries(selector)) {
    const want = v.toLowerCase();
    if (labels[k]?.toLowerCase() === want || annotations[k]?.toLowerCase() === want) return true;
  }
  return false;
}

export function anySelector(obj: Labelled | undefined, selectors: Selector[]): boolean {
  return selectors.some((s) => anyInMetadata(obj, s));
}
