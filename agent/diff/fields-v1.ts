/**
 * The `fieldsV1` format of `metadata.managedFields` (structured-merge-diff): which fields a field manager
 * owns. Keys are path elements: `f:<name>` a field of a struct or map, `k:<json>` a list item picked by its
 * key fields, `v:<json>` a set item picked by value, `i:<n>` a list item by index, and `.` marks the node
 * itself as owned. A node with no children is owned whole (a scalar, or an atomic struct or list).
 *
 * `ownedFields` projects an object down to what one manager owns: rivulet's slim live copy and the input
 * of the live hash. Limits: ownership of list items is matched by deep equality of key fields; an owned
 * field that is absent from the object is left out (so its removal changes the projection).
 */
import type { KubeObject } from "../kube/types.ts";

export interface FieldNode {
  /** `.` was present: the node itself (a map or list item) is owned. */
  self: boolean;
  /** Children by raw path element (`f:spec`, `k:{"name":"c"}`, `v:"x"`, `i:0`). */
  children: Map<string, FieldNode>;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a fieldsV1 value into a tree; throws on anything that is not the format. */
export function parseFieldsV1(raw: unknown, path = ""): FieldNode {
  if (!isRecord(raw)) throw new Error(`Cannot parse fieldsV1: ${path || "the root"} is not an object`);
  const node: FieldNode = { self: false, children: new Map() };
  for (const [key, value] of Object.entries(raw)) {
    if (key === ".") {
      node.self = true;
      continue;
    }
    const kind = key.slice(0, 2);
    if (kind !== "f:" && kind !== "k:" && kind !== "v:" && kind !== "i:") {
      throw new Error(`Cannot parse fieldsV1: unknown path element "${key}" at ${path || "the root"}`);
    }
    if (kind === "k:" || kind === "v:") {
      try {
        JSON.parse(key.slice(2));
      } catch (cause) {
        throw new Error(`Cannot parse fieldsV1: path element "${key}" at ${path || "the root"} holds invalid JSON`, { cause });
      }
    }
    if (kind === "i:" && !/^\d+$/.test(key.slice(2))) {
      throw new Error(`Cannot parse fieldsV1: path element "${key}" at ${path || "the root"} is not an index`);
    }
    node.children.set(key, parseFieldsV1(value, `${path}.${key}`));
  }
  return node;
}

/** The tree back in fieldsV1 form (for tests and for diagnostics). */
export function formatFieldsV1(node: FieldNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node.self) out["."] = {};
  for (const [k, c] of node.children) out[k] = formatFieldsV1(c);
  return out;
}

/** Union of two trees: what either owns. */
export function mergeFieldNodes(a: FieldNode, b: FieldNode): FieldNode {
  const out: FieldNode = { self: a.self || b.self, children: new Map(a.children) };
  for (const [k, c] of b.children) {
    const mine = out.children.get(k);
    out.children.set(k, mine ? mergeFieldNodes(mine, c) : c);
  }
  return out;
}

/**
 * What `manager` owns by server-side apply on the main resource (not on status), across every apiVersion
 * entry; undefined when it owns nothing.
 */
export function managerFields(obj: KubeObject, manager: string): FieldNode | undefined {
  const entries = (obj.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  let tree: FieldNode | undefined;
  for (const e of entries) {
    if (e.manager !== manager || e.operation !== "Apply" || (e.subresource ?? "") !== "") continue;
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") continue;
    const t = parseFieldsV1(e.fieldsV1 ?? {});
    tree = tree ? mergeFieldNodes(tree, t) : t;
  }
  return tree;
}

/** Ignored paths as a trie of JSON-pointer segments; a node with `end` drops the whole subtree. */
export interface PointerTrie {
  end: boolean;
  children: Map<string, PointerTrie>;
}

/**
 * The part of `value` the tree owns. `ignore` drops subtrees addressed by JSON pointer (list items by
 * their index in `value`, or `*` for every item).
 */
export function projectFields(value: unknown, node: FieldNode, ignore?: PointerTrie): unknown {
  if (node.children.size === 0) return value;
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of node.children) {
      if (!key.startsWith("f:")) continue;
      const name = key.slice(2);
      if (!Object.hasOwn(value, name)) continue;
      const ig = ignore?.children.get(name);
      if (ig?.end) continue;
      out[name] = projectFields(value[name], child, ig);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const matchers = [...node.children].map(([key, child]) => ({ match: itemMatcher(key), child }));
    const out: unknown[] = [];
    // Live order is kept: a reordered list is a change a dry-run would revert.
    value.forEach((item, index) => {
      const m = matchers.find((x) => x.match(item, index));
      if (!m) return;
      const ig = ignore?.children.get(String(index)) ?? ignore?.children.get("*");
      if (ig?.end) return;
      out.push(projectFields(item, m.child, ig));
    });
    return out;
  }
  return value;
}

/** Projects a whole object: what `fields` owns, plus apiVersion, kind, name and namespace to name it. */
export function ownedFields(obj: KubeObject, fields: FieldNode, ignore?: PointerTrie): KubeObject {
  const projected = projectFields(obj, fields, ignore) as Record<string, unknown>;
  const meta = isRecord(projected.metadata) ? projected.metadata : {};
  const named: Record<string, unknown> = { name: obj.metadata.name };
  if (obj.metadata.namespace) named.namespace = obj.metadata.namespace;
  return { ...projected, apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...named, ...meta } };
}

function itemMatcher(key: string): (item: unknown, index: number) => boolean {
  const kind = key.slice(0, 2);
  const body = key.slice(2);
  if (kind === "i:") {
    const n = Number(body);
    return (_item, index) => index === n;
  }
  if (kind === "v:") {
    const v = JSON.parse(body) as unknown;
    return (item) => deepEqual(item, v);
  }
  if (kind === "k:") {
    const k = JSON.parse(body) as Record<string, unknown>;
    const entries = Object.entries(k);
    return (item) => isRecord(item) && entries.every(([f, v]) => deepEqual(item[f], v));
  }
  return () => false;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a as object);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}
