/**
 * Kustomize's field specs: a slash-separated path into an object ("spec/template/metadata/labels"),
 * optionally limited to a group/version/kind. Lists on the way are walked element by element, as
 * kustomize does, and `\/` escapes a slash inside a key (annotation names).
 */
import { isObject, splitApiVersion, type KObject } from "./resource.ts";

export interface FieldSpec {
  path: string;
  kind?: string;
  group?: string;
  version?: string;
  /** Create the missing maps on the way (and the leaf, when the visitor wants it). */
  create?: boolean;
}

/** Parses a compact YAML-free table: "path kind=Deployment group=apps create". */
export function specs(lines: string): FieldSpec[] {
  return lines.trim().split("\n").map((line) => {
    const [path, ...attrs] = line.trim().split(/\s+/);
    const fs: FieldSpec = { path: path! };
    for (const a of attrs) {
      if (a === "create") fs.create = true;
      else {
        const [k, v] = a.split("=");
        if (k === "kind") fs.kind = v;
        else if (k === "group") fs.group = v;
        else if (k === "version") fs.version = v;
      }
    }
    return fs;
  });
}

export function specApplies(fs: FieldSpec, obj: KObject): boolean {
  if (fs.kind && fs.kind !== obj.kind) return false;
  if (fs.group !== undefined || fs.version !== undefined) {
    const { group, version } = splitApiVersion(obj.apiVersion);
    if (fs.group !== undefined && fs.group !== group) return false;
    if (fs.version !== undefined && fs.version !== version) return false;
  }
  return true;
}

const splitCache = new Map<string, string[]>();

export function splitPath(path: string): string[] {
  let parts = splitCache.get(path);
  if (!parts) {
    parts = path.split(/(?<!\\)\//).map((p) => p.replaceAll("\\/", "/"));
    splitCache.set(path, parts);
  }
  return parts;
}

/**
 * Calls `visit(parent, key)` for every place the path reaches, where `parent[key]` is the leaf
 * (it may be undefined when `create` is set and the leaf is missing). A part marked `name[]` is a list:
 * as in kustomize, it is never created (a field spec through an absent list does nothing), and a null
 * one becomes an empty list.
 */
export function visitPath(
  node: unknown,
  parts: string[],
  create: boolean,
  visit: (parent: Record<string, unknown>, key: string) => void,
  i = 0,
): void {
  if (Array.isArray(node)) {
    for (const el of node) visitPath(el, parts, create, visit, i);
    return;
  }
  if (!isObject(node)) return;
  const part = parts[i]!;
  const isList = part.endsWith("[]");
  const key = isList ? part.slice(0, -2) : part;
  if (i === parts.length - 1) {
    if (key in node || create) visit(node, key);
    return;
  }
  let next = node[key];
  if (isList) {
    if (next === null) next = node[key] = [];
    if (next === undefined) return;
  } else if (next === undefined || next === null) {
    if (!create) return;
    next = node[key] = {};
  }
  visitPath(next, parts, create, visit, i + 1);
}

/** Visits the leaf of every field spec that applies to the object. */
export function visitSpecs(
  obj: KObject,
  fieldSpecs: FieldSpec[],
  visit: (parent: Record<string, unknown>, key: string, fs: FieldSpec) => void,
): void {
  for (const fs of fieldSpecs) {
    if (!specApplies(fs, obj)) continue;
    visitPath(obj, splitPath(fs.path), !!fs.create, (p, k) => visit(p, k, fs));
  }
}
