/**
 * Strategic merge patch as kustomize applies it: maps merge key by key, `null` deletes, lists of built-in
 * kinds merge by their patch merge key (containers by name, ports by containerPort, ...) with the patch's
 * elements first and the untouched original elements after them, other lists are replaced. Directives:
 * `$patch: delete|replace` (on maps and list elements) and `$retainKeys`. kustomize v5 does not honour
 * `$deleteFromPrimitiveList/<field>` or `$setElementOrder/<field>`: it copies them into the output as
 * ordinary keys, and so does this (the corpus pins it). Kinds kustomize has no schema for (custom resources)
 * get no merge keys, so their lists are replaced, as in kustomize.
 */
import { isObject, type KObject } from "./resource.ts";
import { emptyNullKeys } from "../yaml/empty-nulls.ts";

/** A node of the built-in schema: merge keys for the lists below it and the types of its fields. */
interface Schema {
  fields?: Record<string, Field>;
}
interface Field {
  /** List of maps merged by this key. */
  key?: string;
  /**
   * The schema's list-map keys when there are several (ports: containerPort and protocol). kustomize
   * merges by all of them that any element sets, and then orders the result differently (mergeByKeys).
   */
  keys?: string[];
  /** List of scalars merged as a set (finalizers). */
  set?: boolean;
  /** The schema of the field (or of the list items). */
  type?: Schema;
}

const objectMeta: Schema = { fields: { finalizers: { set: true }, ownerReferences: { key: "uid" } } };
const container: Schema = {
  fields: {
    ports: { key: "containerPort", keys: ["containerPort", "protocol"] },
    env: { key: "name" },
    volumeMounts: { key: "mountPath" },
    volumeDevices: { key: "devicePath" },
    resizePolicy: { key: "resourceName" },
  },
};
const podSpec: Schema = {
  fields: {
    containers: { key: "name", type: container },
    initContainers: { key: "name", type: container },
    ephemeralContainers: { key: "name", type: container },
    volumes: { key: "name" },
    imagePullSecrets: { key: "name" },
    hostAliases: { key: "ip" },
    topologySpreadConstraints: { key: "topologyKey", keys: ["topologyKey", "whenUnsatisfiable"] },
    readinessGates: { key: "conditionType" },
    resourceClaims: { key: "name" },
    schedulingGates: { key: "name" },
  },
};
const podTemplate: Schema = { fields: { metadata: { type: objectMeta }, spec: { type: podSpec } } };
const withTemplate: Schema = { fields: { metadata: { type: objectMeta }, spec: { type: { fields: { template: { type: podTemplate } } } } } };
const conditions: Field = { key: "type" };

const KIND_SCHEMAS: Record<string, Schema> = {
  Pod: { fields: { metadata: { type: objectMeta }, spec: { type: podSpec }, status: { type: { fields: { conditions } } } } },
  PodTemplate: { fields: { metadata: { type: objectMeta }, template: { type: podTemplate } } },
  Deployment: withTemplate,
  ReplicaSet: withTemplate,
  DaemonSet: withTemplate,
  StatefulSet: withTemplate,
  ReplicationController: withTemplate,
  Job: withTemplate,
  CronJob: {
    fields: {
      metadata: { type: objectMeta },
      spec: { type: { fields: { jobTemplate: { type: { fields: { metadata: { type: objectMeta }, spec: { type: { fields: { template: { type: podTemplate } } } } } } } } } },
    },
  },
  Service: { fields: { metadata: { type: objectMeta }, spec: { type: { fields: { ports: { key: "port", keys: ["port", "protocol"] } } } } } },
};
const BUILTIN_GROUPS = new Set(["", "apps", "batch", "extensions", "policy", "rbac.authorization.k8s.io", "networking.k8s.io", "autoscaling", "storage.k8s.io", "scheduling.k8s.io"]);
const defaultSchema: Schema = { fields: { metadata: { type: objectMeta } } };

/** The schema for an object's kind, or an empty schema for custom resources. */
export function schemaFor(obj: KObject): Schema {
  const av = obj.apiVersion ?? "";
  const group = av.includes("/") ? av.slice(0, av.indexOf("/")) : "";
  if (!BUILTIN_GROUPS.has(group)) return {};
  return KIND_SCHEMAS[obj.kind ?? ""] ?? defaultSchema;
}

const DIRECTIVE = "$patch";

/**
 * A patch map copied in whole, as kustomize's merge walker leaves it: directives and null fields go, in
 * nested maps too and in the elements of lists merged by key, but a list without a merge key is taken as
 * written (nulls and all). Under `$patch: replace` the walker does not enter lists at all (`intoLists`).
 */
function cleanMap(m: Record<string, unknown>, schema: Schema | undefined, intoLists = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(m)) {
    if (k === DIRECTIVE || k === "$retainKeys" || x === null) continue;
    const field = schema?.fields?.[k];
    if (isObject(x)) out[k] = cleanMap(x, field?.type, intoLists);
    else if (Array.isArray(x)) out[k] = intoLists ? cleanList(x, field) : x;
    else out[k] = x;
  }
  return out;
}

function cleanList(list: unknown[], field: Field | undefined): unknown[] {
  if (!field?.key) return list;
  return list.filter((x) => !(isObject(x) && x[DIRECTIVE] === "delete")).map((x) => (isObject(x) ? cleanMap(x, field.type) : x));
}

const keyText = (el: Record<string, unknown>, k: string): string => (el[k] === undefined || el[k] === null ? "" : String(el[k]));

/**
 * A list merged by several keys, as kustomize's merge walker does when more than one key is set on some
 * element. Key tuples of both lists are unified first (a tuple missing a value takes it from a matching
 * one), then each side is looked up by the set values exactly, so a patch element that leaves out a key the
 * original sets (a port without its protocol) matches nothing and is dropped, as in kustomize. Elements only
 * the patch has come first, in patch order; then the original elements in their own order, merged with
 * their patch element or dropped by `$patch: delete`.
 */
function mergeByKeys(dest: Record<string, unknown>[], patch: Record<string, unknown>[], keys: string[], type: Schema | undefined): unknown[] {
  const tuple = (el: Record<string, unknown>) => keys.map((k) => keyText(el, k));
  const seen = new Set<string>();
  const tuples: string[][] = [];
  for (const el of [...patch, ...dest]) {
    const t = tuple(el);
    const id = JSON.stringify(t);
    if (!seen.has(id)) {
      seen.add(id);
      tuples.push(t);
    }
  }
  for (let i = 0; i < tuples.length; i++) {
    for (let j = 0; j < tuples.length; j++) {
      const u = unify(tuples[i]!, tuples[j]!);
      if (u) tuples[i] = tuples[j] = u;
    }
  }
  const find = (list: Record<string, unknown>[], t: string[]) => list.findIndex((el) => keys.every((k, i) => t[i] === "" || keyText(el, k) === t[i]));
  const results = new Map<number, unknown>();
  const patchOnly = new Set<number>();
  for (const t of tuples) {
    const di = find(dest, t);
    const pi = find(patch, t);
    const p = patch[pi];
    if (di >= 0) {
      if (!results.has(di)) results.set(di, !p ? dest[di] : p[DIRECTIVE] === "delete" ? undefined : mergeMap(dest[di]!, p, type));
    } else if (p && p[DIRECTIVE] !== "delete") patchOnly.add(pi);
  }
  return [...[...patchOnly].map((i) => cleanMap(patch[i]!, type)), ...dest.map((d, i) => (results.has(i) ? results.get(i) : d)).filter((x) => x !== undefined)];
}

/** kustomize's unification of two key tuples: no two set values differ and one value is shared. */
function unify(a: string[], b: string[]): string[] | undefined {
  let common = false;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) common = true;
    else if (a[i] !== "" && b[i] !== "") return undefined;
    out.push(a[i] || b[i]!);
  }
  return common ? out : undefined;
}

function mergeList(dest: unknown[], patch: unknown[], field: Field | undefined): unknown[] {
  if (field?.set) {
    const seen = new Set(patch.map((x) => JSON.stringify(x)));
    return [...patch, ...dest.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  const key = field?.key;
  if (!key || !patch.every(isObject) || !dest.every(isObject)) {
    // `$patch: replace` in a list element means "the list is exactly the rest"; without a key the list is replaced.
    return patch;
  }
  if (field?.keys && !(patch as Record<string, unknown>[]).some((p) => p[DIRECTIVE] === "replace")) {
    const all = [...patch, ...dest] as Record<string, unknown>[];
    const used = field.keys.filter((k) => all.some((el) => keyText(el, k) !== ""));
    if (used.length > 1) return mergeByKeys(dest as Record<string, unknown>[], patch as Record<string, unknown>[], used, field.type);
  }
  const destByKey = new Map<unknown, Record<string, unknown>>();
  for (const d of dest as Record<string, unknown>[]) destByKey.set(d[key], d);
  if ((patch as Record<string, unknown>[]).some((p) => p[DIRECTIVE] === "replace")) {
    return (patch as Record<string, unknown>[]).filter((p) => p[DIRECTIVE] !== "replace" && p[DIRECTIVE] !== "delete").map((p) => cleanMap(p, field?.type, false));
  }
  const used = new Set<unknown>();
  const out: unknown[] = [];
  for (const p of patch as Record<string, unknown>[]) {
    const k = p[key];
    used.add(k);
    if (p[DIRECTIVE] === "delete") continue;
    const d = destByKey.get(k);
    out.push(d === undefined ? cleanMap(p, field?.type) : mergeMap(d, p, field?.type));
  }
  for (const d of dest as Record<string, unknown>[]) if (!used.has(d[key])) out.push(d);
  return out;
}

function mergeMap(dest: Record<string, unknown>, patch: Record<string, unknown>, schema: Schema | undefined): Record<string, unknown> {
  const directive = patch[DIRECTIVE];
  if (directive === "replace") return cleanMap(patch, schema, false);
  const out: Record<string, unknown> = { ...dest };
  const retain = patch.$retainKeys;
  for (const [k, pv] of Object.entries(patch)) {
    if (k === DIRECTIVE || k === "$retainKeys") continue;
    const field = schema?.fields?.[k];
    const dv = out[k];
    if (pv === null) delete out[k];
    else if (isObject(pv) && pv[DIRECTIVE] === "delete") delete out[k];
    else if (isObject(pv) && isObject(dv)) out[k] = mergeMap(dv, pv, field?.type);
    else if (Array.isArray(pv) && Array.isArray(dv)) out[k] = mergeList(dv, pv, field);
    else if (isObject(pv)) out[k] = cleanMap(pv, field?.type);
    else if (Array.isArray(pv)) out[k] = cleanList(pv, field);
    else out[k] = pv;
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

/**
 * The target as kustomize's merge walker leaves the parts it walks: it visits every map of the object and
 * the elements of lists merged by key, whatever the patch touches, and drops each field written with no
 * value (`key:`) while keeping a written `null` (kyaml's Merger.VisitMap keeps a null only when its source
 * text is not empty). Lists without a merge key are taken whole. Unchanged parts stay the same objects.
 */
function dropEmptyNulls(m: Record<string, unknown>, schema: Schema | undefined): Record<string, unknown> {
  const empty = emptyNullKeys(m);
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(m)) {
    const field = schema?.fields?.[k];
    let next = v;
    if (v === null && empty?.has(k)) next = undefined;
    else if (isObject(v)) next = dropEmptyNulls(v, field?.type);
    else if (Array.isArray(v) && (field?.key || field?.set)) {
      const list = v.map((x) => (isObject(x) ? dropEmptyNulls(x, field.type) : x));
      if (list.some((x, i) => x !== v[i])) next = list;
    }
    if (next === v) continue;
    out ??= { ...m };
    if (next === undefined) delete out[k];
    else out[k] = next;
  }
  return out ?? m;
}

/**
 * Applies a strategic merge patch to a copy of `target`. Returns undefined when the patch deletes the
 * whole object (`$patch: delete` at the top).
 */
export function strategicMerge(target: KObject, patch: Record<string, unknown>): KObject | undefined {
  if (patch[DIRECTIVE] === "delete") return undefined;
  const schema = schemaFor(target);
  return mergeMap(dropEmptyNulls(target, schema), patch, schema) as KObject;
}
