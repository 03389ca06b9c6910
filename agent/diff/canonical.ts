/**
 * Canonical form of desired and live objects, so that two objects the API server would store the same way
 * hash the same: map keys sorted, quantities in the server's canonical text (quantity.ts), the defaults the
 * server adds to fields we set (`protocol: TCP` on container and Service ports, which 1.20's SSA even
 * requires), Secret `stringData` folded into base64 `data`, and build noise dropped (`status` on kinds
 * other than CRDs, `creationTimestamp: null`, managedFields, resourceVersion and other server-owned
 * metadata).
 *
 * Limits: list order is kept, also for keyed lists (containers, env). SSA does not restore the order of a
 * keyed list someone reordered (measured on 1.20: a dry-run then reports no change), so a reorder costs one
 * dry-run that finds nothing; sorting instead would make desired lists in a non-key order (most env lists)
 * miss the cold-start comparison. Order never hides drift either way. Integer and
 * string forms of int-or-string fields are kept apart because the server keeps them apart
 * (`targetPort: "8080"` is a port name, and invalid).
 */
import { canonicalQuantity } from "./quantity.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Metadata the server owns; never part of what we compare. */
export const SERVER_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/** Keys whose map values are quantities, by the key of the map's parent ("resources" holds limits/requests). */
const QUANTITY_MAPS = new Set(["limits", "requests", "hard", "capacity", "allocatable", "overhead", "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]);
/** Single quantity fields (emptyDir.sizeLimit). */
const QUANTITY_FIELDS = new Set(["sizeLimit"]);

/** A normalized deep copy of `obj`: see the module comment for what changes. */
export function normalizeObject(obj: unknown): Json {
  if (!isRecord(obj)) return normalizeValue(obj, []);
  const copy: Record<string, unknown> = { ...obj };
  const kind = typeof copy.kind === "string" ? copy.kind : "";
  if (kind !== "CustomResourceDefinition") delete copy.status;
  if (isRecord(copy.metadata)) {
    const meta: Record<string, unknown> = { ...copy.metadata };
    for (const k of SERVER_METADATA) delete meta[k];
    for (const k of ["labels", "annotations"]) if (isRecord(meta[k]) && Object.keys(meta[k]).length === 0) delete meta[k];
    copy.metadata = meta;
  }
  if (kind === "Secret" && isRecord(copy.stringData)) {
    const data: Record<string, unknown> = isRecord(copy.data) ? { ...copy.data } : {};
    for (const [k, v] of Object.entries(copy.stringData)) data[k] = base64Utf8(String(v));
    copy.data = data;
    delete copy.stringData;
  }
  return normalizeValue(copy, [], kind);
}

// `path` is one shared stack (push/pop), not a copy per node: this runs for every object on every reconcile.
function normalizeValue(v: unknown, path: string[], kind = ""): Json {
  if (v === undefined) return null;
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  // -0 and 0 are the same JSON number.
  if (typeof v === "number") return Number.isFinite(v) ? (v === 0 ? 0 : v) : String(v);
  if (Array.isArray(v)) {
    const key = path[path.length - 1];
    const out: Json[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      path.push(String(i));
      out[i] = normalizeValue(v[i], path, kind);
      path.pop();
    }
    if (key === "ports" && isPortList(path, kind)) {
      // Re-sorted after adding the key: canonicalText relies on sorted insertion order.
      return out.map((p) => (isRecord(p) && p.protocol === undefined ? sortKeys({ ...p, protocol: "TCP" }) : p));
    }
    return out;
  }
  if (!isRecord(v)) return String(v);
  const out: { [k: string]: Json } = {};
  const last = path[path.length - 1] ?? "";
  const quantityMap = QUANTITY_MAPS.has(last) && isQuantityContext(path, kind);
  for (const k of Object.keys(v).sort()) {
    const child = v[k];
    if (child === undefined) continue;
    if ((quantityMap || QUANTITY_FIELDS.has(k)) && (typeof child === "string" || typeof child === "number")) {
      out[k] = canonicalQuantity(child, quantityMap);
      continue;
    }
    path.push(k);
    out[k] = normalizeValue(child, path, kind);
    path.pop();
  }
  return out;
}

function sortKeys(o: { [k: string]: Json }): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** Container ports (any pod template) and Service ports get the server's default protocol. */
function isPortList(path: string[], kind: string): boolean {
  const parent = path[path.length - 3];
  if (parent === "containers" || parent === "initContainers" || parent === "ephemeralContainers") return true;
  return kind === "Service" && path.length === 2 && path[0] === "spec";
}

function isQuantityContext(path: string[], kind: string): boolean {
  const last = path[path.length - 1]!;
  const parent = path[path.length - 2];
  if (last === "limits" || last === "requests") return parent === "resources";
  if (last === "hard") return kind === "ResourceQuota";
  if (last === "capacity") return kind === "PersistentVolume" || kind === "PersistentVolumeClaim";
  if (last === "overhead") return true;
  // LimitRange: spec.limits[i].{max,min,default,defaultRequest,maxLimitRequestRatio}
  return kind === "LimitRange" && path[0] === "spec" && path[1] === "limits";
}

function base64Utf8(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * The canonical text of an object: JSON of its normalized form. normalizeObject inserts keys in sorted
 * order, so the engine's own JSON.stringify gives the same text for equal values (integer-like keys come
 * first in every engine, in numeric order, which is just as deterministic) at native speed.
 */
export function canonicalText(obj: unknown): string {
  return JSON.stringify(normalizeObject(obj));
}

/** JSON text with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(String(v));
}
