/**
 * The Kustomization's inventory (status.inventory): which objects it applied, in Flux's format so a
 * Kustomization can move between Flux and rivulet. An id is cli-utils' ObjMetadata string
 * `<namespace>_<name>_<group>_<Kind>` (empty namespace for cluster-scoped objects, empty group for core
 * kinds; a `:` in an RBAC object's name is written `__`), and `v` is the API version without its group.
 */
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import { formatRef, splitApiVersion } from "../core/ref.ts";
import type { ChangeSet } from "./change-set.ts";

export interface InventoryEntry {
  id: string;
  v: string;
}

export interface Inventory {
  entries: InventoryEntry[];
}

export interface ObjMetadata {
  namespace: string;
  name: string;
  group: string;
  kind: string;
}

const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
const isRbac = (group: string, kind: string) => group === RBAC_GROUP && RBAC_KINDS.has(kind);

export function objMetadataId(m: ObjMetadata): string {
  const name = isRbac(m.group, m.kind) ? m.name.replaceAll(":", "__") : m.name;
  return `${m.namespace}_${name}_${m.group}_${m.kind}`;
}

/** Parses an id back; throws on ids with the wrong number of fields, as cli-utils does. */
export function parseObjMetadataId(id: string): ObjMetadata {
  const first = id.indexOf("_");
  const last = id.lastIndexOf("_");
  const rest = first < 0 ? "" : id.slice(first + 1, last);
  const groupAt = rest.lastIndexOf("_");
  if (first < 0 || last <= first || groupAt < 0) throw new Error(`Cannot parse the inventory id "${id}": expected <namespace>_<name>_<group>_<Kind>`);
  const namespace = id.slice(0, first);
  const kind = id.slice(last + 1);
  const group = rest.slice(groupAt + 1);
  let name = rest.slice(0, groupAt);
  if (isRbac(group, kind)) name = name.replaceAll("__", ":");
  if (name.includes("_") || !name || !kind) {
    throw new Error(`Cannot parse the inventory id "${id}": expected <namespace>_<name>_<group>_<Kind>`);
  }
  return { namespace, name, group, kind };
}

interface Identified {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}

export function inventoryEntry(obj: Identified): InventoryEntry {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return {
    id: objMetadataId({ namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "", group, kind: obj.kind }),
    v: version,
  };
}

/** The inventory of a set of objects, in the given order, without duplicates. */
export function inventoryOf(objects: readonly Identified[]): Inventory {
  const seen = new Set<string>();
  const entries: InventoryEntry[] = [];
  for (const o of objects) {
    const e = inventoryEntry(o);
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    entries.push(e);
  }
  return { entries };
}

/** The inventory after an apply: every object of the change set except the skipped ones. */
export function inventoryFromChangeSet(cs: ChangeSet): Inventory {
  return inventoryOf(
    cs.entries
      .filter((e) => e.action !== "skipped")
      .map((e) => ({ apiVersion: e.apiVersion, kind: e.kind, metadata: { name: e.name, namespace: e.namespace } })),
  );
}

/** `next`'s entries, then those of `old` it lacks: an id is listed once, with `next`'s version. */
export function mergeInventories(next: Inventory, old: Inventory | undefined): Inventory {
  const ids = new Set(next.entries.map((e) => e.id));
  return { entries: [...next.entries, ...(old?.entries ?? []).filter((e) => !ids.has(e.id))] };
}

/**
 * The write-ahead inventory of an apply: the recorded inventory with every object about to be written
 * added, to be saved before the first write, so that whatever a crash leaves behind mid-apply is listed
 * and the next reconcile's prune (or the finalizer) finds it. Undefined when the recorded inventory
 * already lists every object (ids compared: a version change alone adds nothing), so a no-op or an
 * in-place upgrade costs no write.
 */
export function writeAheadInventory(recorded: Inventory | undefined, objects: readonly Identified[]): Inventory | undefined {
  const known = new Set((recorded?.entries ?? []).map((e) => e.id));
  const next = inventoryOf(objects);
  if (next.entries.every((e) => known.has(e.id))) return undefined;
  return mergeInventories(recorded ?? { entries: [] }, next);
}

/** The object an inventory entry names, with the API version stored in the entry. */
export function entryKey(e: InventoryEntry): ObjectKey {
  const m = parseObjMetadataId(e.id);
  const key: ObjectKey = { apiVersion: m.group ? `${m.group}/${e.v}` : e.v, kind: m.kind, name: m.name };
  if (m.namespace) key.namespace = m.namespace;
  return key;
}

/** `Kind/ns/name` of an inventory entry, for messages. */
export function entryRef(e: InventoryEntry): string {
  const k = entryKey(e);
  return formatRef({ kind: k.kind, metadata: { name: k.name, namespace: k.namespace } });
}

/**
 * Stale objects: in the old inventory, not in the new one, and not skipped in this apply (Flux: skipped
 * objects are neither tracked nor pruned). Each keeps the version stored in the old entry.
 */
export function staleObjects(oldInv: Inventory | undefined, newInv: Inventory, skipped: readonly InventoryEntry[] = []): ObjectKey[] {
  const keep = new Set([...newInv.entries, ...skipped].map((e) => e.id));
  return (oldInv?.entries ?? []).filter((e) => !keep.has(e.id)).map(entryKey);
}

/** Inventory entries of the skipped objects of a change set (to pass to staleObjects). */
export function skippedEntries(cs: ChangeSet): InventoryEntry[] {
  return cs.entries
    .filter((e) => e.action === "skipped")
    .map((e) => inventoryEntry({ apiVersion: e.apiVersion, kind: e.kind, metadata: { name: e.name, namespace: e.namespace } }));
}

/** ObjectKey of a built object (for prune and health). */
export function keyOf(obj: KubeObject): ObjectKey {
  const key: ObjectKey = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? "" };
  if (obj.metadata.namespace) key.namespace = obj.metadata.namespace;
  return key;
}
