/**
 * Garbage collection of stale objects (in the old inventory, not in the new one), as Flux does it:
 * an object is deleted only when the live object carries BOTH owner labels with this Kustomization's
 * name and namespace (so an object someone else adopted is never deleted), and never when annotated or
 * labelled `prune: disabled` or `reconcile: disabled`. Objects already gone count as deleted. Deletion
 * runs in reverse apply order (kinds applied last go first; Namespaces and CRDs last) with background
 * propagation; objects of the same kind are deleted concurrently.
 */
import type { KubeClient } from "../kube/client.ts";
import type { ObjectKey } from "../kube/types.ts";
import { formatRef } from "../core/ref.ts";
import { anySelector, KEYS, PRUNE_EXCLUDE_SELECTORS } from "./annotations.ts";
import { serverMessage } from "./apply-error.ts";
import { changeSetEntry, type ChangeSet, type ChangeSetEntry } from "./change-set.ts";
import { compareObjects, kindRank } from "./kind-order.ts";
import { mapLimit } from "./map-limit.ts";

export const DEFAULTS = {
  propagationPolicy: "Background" as const,
  concurrency: 8,
};

export interface PruneOptions {
  /** The Kustomization that owns the objects: both owner labels must match it. */
  owner: { name: string; namespace: string };
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  concurrency?: number;
}

/** Some deletions failed; the change set holds what was done. Worded as Flux's DeleteAll. */
export class PruneError extends Error {
  readonly changeSet: ChangeSet;
  readonly failures: string[];
  constructor(failures: string[], changeSet: ChangeSet) {
    super(`delete failed, errors: ${failures.map((f) => `${f};`).join("")}`);
    this.name = "PruneError";
    this.failures = failures;
    this.changeSet = changeSet;
  }
}

const asSubject = (k: ObjectKey) => ({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: k.name, namespace: k.namespace } });

/** Deletes the stale objects this Kustomization owns; returns `deleted`/`skipped` entries. */
export async function prune(client: KubeClient, stale: readonly ObjectKey[], opts: PruneOptions): Promise<ChangeSet> {
  const sorted = [...stale].sort((a, b) => compareObjects(asSubject(b), asSubject(a)));
  // Groups of one kind rank, in reverse apply order; within a group order does not matter.
  const groups: ObjectKey[][] = [];
  for (const k of sorted) {
    const last = groups.at(-1);
    if (last && kindRank(last[0]!.kind) === kindRank(k.kind) && last[0]!.kind === k.kind) last.push(k);
    else groups.push([k]);
  }
  const entries: ChangeSetEntry[] = [];
  const failures: string[] = [];
  for (const group of groups) {
    const results = await mapLimit(group, opts.concurrency ?? DEFAULTS.concurrency, (key) => deleteOne(client, key, opts));
    results.forEach((r, i) => {
      const key = group[i]!;
      if (r?.ok) entries.push(changeSetEntry(asSubject(key), r.value));
      else failures.push(r ? messageFor(key, r.error) : `${refOf(key)} delete failed: not attempted`);
    });
  }
  if (failures.length) throw new PruneError(failures, { entries });
  return { entries };
}

const refOf = (k: ObjectKey) => formatRef({ kind: k.kind, metadata: { name: k.name, namespace: k.namespace } });

function messageFor(key: ObjectKey, err: unknown): string {
  return err instanceof Error && err.message.startsWith(refOf(key)) ? err.message : `${refOf(key)} delete failed: ${serverMessage(err)}`;
}

async function deleteOne(client: KubeClient, key: ObjectKey, opts: PruneOptions): Promise<"deleted" | "skipped"> {
  let live;
  try {
    live = await client.get(key);
  } catch (err) {
    throw new Error(`${refOf(key)} query failed: ${serverMessage(err)}`, { cause: err });
  }
  if (!live) return "deleted";
  if (!isOwnedBy(live.metadata.labels, opts.owner)) return "skipped";
  if (anySelector(live, PRUNE_EXCLUDE_SELECTORS)) return "skipped";
  await client.delete(key, { propagationPolicy: opts.propagationPolicy ?? DEFAULTS.propagationPolicy });
  return "deleted";
}

/** Both owner labels present with exactly this Kustomization's name and namespace. */
export function isOwnedBy(labels: Record<string, string> | undefined, owner: { name: string; namespace: string }): boolean {
  return labels?.[KEYS.ownerName] === owner.name && labels?.[KEYS.ownerNamespace] === owner.namespace;
}
