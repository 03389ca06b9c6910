/**
 * The apply stage's public API for the Kustomization reconciler: staged server-side apply with change
 * sets, Flux-format inventories, pruning of stale objects and the deletion policy.
 */
export { applyAll, withOwnerLabels, DEFAULTS as APPLY_DEFAULTS, type ApplyAllOptions } from "./apply-all.ts";
export { ApplyError, isImmutableError, type ApplyFailure, type FailurePhase } from "./apply-error.ts";
export { KEYS as ANNOTATIONS, anyInMetadata } from "./annotations.ts";
export {
  changeSetEntry,
  changeSetMap,
  formatChangeSet,
  hasChanged,
  type ChangeAction,
  type ChangeSet,
  type ChangeSetEntry,
} from "./change-set.ts";
export { deletesOnFinalize, finalizeInventory, waitForTermination, type DeletionPolicy, type FinalizeOptions } from "./deletion-policy.ts";
export { hasDrifted, type DriftCheck } from "./drift.ts";
export {
  entryKey,
  entryRef,
  inventoryEntry,
  inventoryFromChangeSet,
  inventoryOf,
  keyOf,
  objMetadataId,
  parseObjMetadataId,
  skippedEntries,
  staleObjects,
  type Inventory,
  type InventoryEntry,
} from "./inventory.ts";
export { compareObjects, sortObjects, stageOf, type ApplyStage } from "./kind-order.ts";
export { defaultCleanupRules, type CleanupRules } from "./metadata-cleanup.ts";
export { isOwnedBy, prune, PruneError, type PruneOptions } from "./prune.ts";
