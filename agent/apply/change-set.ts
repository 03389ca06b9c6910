/**
 * What an apply or a prune did, as plain data (fluxcd/pkg ssa ChangeSet): one entry per object with
 * the action taken. The message Flux puts into events lists one `Kind/ns/name action` line per object.
 */
import { formatRef, splitApiVersion } from "../core/ref.ts";

export type ChangeAction = "created" | "configured" | "unchanged" | "deleted" | "skipped";

export interface ChangeSetEntry {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects (formatRef). */
  ref: string;
  action: ChangeAction;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ChangeSet {
  entries: ChangeSetEntry[];
}

export interface EntrySubject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}

export function changeSetEntry(obj: EntrySubject, action: ChangeAction): ChangeSetEntry {
  const entry: ChangeSetEntry = {
    ref: formatRef(obj),
    action,
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? "",
  };
  if (obj.metadata.namespace) entry.namespace = obj.metadata.namespace;
  return entry;
}

/** True for the actions that changed the cluster; these are what Flux reports in events. */
export function hasChanged(action: ChangeAction): boolean {
  return action === "created" || action === "configured" || action === "deleted";
}

/**
 * One `Kind/ns/name action` line per entry, as Flux's ChangeSet.String(). With `changedOnly`, only
 * entries that changed the cluster (the event Flux emits after an apply or a prune).
 */
export function formatChangeSet(cs: ChangeSet, opts: { changedOnly?: boolean } = {}): string {
  return cs.entries
    .filter((e) => !opts.changedOnly || hasChanged(e.action))
    .map((e) => `${e.ref} ${e.action}`)
    .join("\n");
}

/** Entries as a map from ref to action (Flux's ToMap), e.g. for the Kustomization's log line. */
export function changeSetMap(cs: ChangeSet): Record<string, ChangeAction> {
  const out: Record<string, ChangeAction> = {};
  for (const e of cs.entries) out[e.ref] = e.action;
  return out;
}

/** The API group of an entry ("" for core kinds), as inventory ids need it. */
export function entryGroup(e: Pick<ChangeSetEntry, "apiVersion">): string {
  return splitApiVersion(e.apiVersion).group;
}
