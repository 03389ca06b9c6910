/**
 * The `replacements` field: copy a value from one source field into target fields. A source selects
 * exactly one resource (by group, version, kind, name, namespace) and a field path (default
 * metadata.name); targets select resources (minus `reject` ones) and field paths. Field paths are
 * dot-separated with `[key=value]` to pick a list element, numeric indexes, `*` for every element and
 * `[some.key]` for a key holding dots. `options.delimiter` + `index` pick or replace one part of a string;
 * `options.create` makes missing fields instead of failing. Entries may also be `path: file.yaml`.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { joinPath, readText } from "./tree-path.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import type { Kustomization } from "./kustomization-file.ts";
import type { ResourceSelector } from "../core/selector.ts";
import { rejectsById, selectsById } from "./patch-target.ts";
import { isNilOrEmpty, isScalar, replacedValue, resolvePlain, scalarText } from "./replacement-value.ts";
import { curId, formatId, isObject, type Resource } from "./resource.ts";

interface Options {
  delimiter?: string;
  index?: number;
  create?: boolean;
}
interface Replacement {
  source: ResourceSelector & { fieldPath?: string; options?: Options };
  targets: { select: ResourceSelector; reject?: ResourceSelector[]; fieldPaths?: string[]; options?: Options }[];
}

/** Splits a field path into segments, keeping `[...]` groups whole. */
export function splitFieldPath(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (const ch of path) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (ch === "." && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((s) => s !== "");
}

/** Visits every place a field path reaches; `create` builds missing maps on the way and the leaf. */
function visit(node: unknown, segs: string[], create: boolean, fn: (parent: Record<string, unknown> | unknown[], key: string | number) => void, where: string): void {
  const seg = segs[0]!;
  const last = segs.length === 1;
  const missing = () => {
    throw new Error(`unable to find field "${where}" in replacement target`);
  };
  if (Array.isArray(node)) {
    let idxs: number[];
    const m = seg.match(/^\[([^=\]]+)=([^\]]*)\]$/);
    if (m) idxs = node.flatMap((el, i) => (isObject(el) && String(el[m[1]!]) === m[2] ? [i] : []));
    else if (seg === "*") idxs = node.map((_, i) => i);
    else if (/^-?\d+$/.test(seg)) idxs = [Number(seg)].filter((i) => i >= 0 && i < node.length);
    else return missing();
    if (idxs.length === 0) {
      if (m && create) {
        node.push({ [m[1]!]: m[2] });
        idxs = [node.length - 1];
      } else return missing();
    }
    for (const i of idxs) {
      if (last) fn(node, i);
      else visit(node[i], segs.slice(1), create, fn, where);
    }
    return;
  }
  if (!isObject(node)) return missing();
  const key = seg.startsWith("[") && seg.endsWith("]") && !seg.includes("=") ? seg.slice(1, -1) : seg;
  if (last) {
    if (!(key in node) && !create) return missing();
    fn(node, key);
    return;
  }
  if (node[key] === undefined || node[key] === null) {
    if (!create) return missing();
    node[key] = /^(\d+|\[.*=.*\])$/.test(segs[1]!) ? [] : {};
  }
  visit(node[key], segs.slice(1), create, fn, where);
}

function readValue(res: Resource, path: string): unknown {
  let found: unknown;
  let hit = false;
  visit(res.obj, splitFieldPath(path), false, (p, k) => {
    found = (p as Record<string | number, unknown>)[k];
    hit = true;
  }, path);
  if (!hit) throw new Error(`field "${path}" not found in ${formatId(curId(res.obj))}`);
  return found;
}

function loadReplacements(tree: TreeReader, k: Kustomization): Replacement[] {
  const out: Replacement[] = [];
  for (const r of k.replacements) {
    if (isObject(r) && typeof r.path === "string") {
      const path = joinPath(k.dir, r.path);
      for (const doc of parseDocuments(readText(tree, path), path)) {
        if (Array.isArray(doc)) out.push(...(doc as Replacement[]));
        else out.push(doc as Replacement);
      }
    } else out.push(r as Replacement);
  }
  return out;
}

export function applyReplacements(tree: TreeReader, k: Kustomization, resources: Resource[]): void {
  for (const rep of loadReplacements(tree, k)) {
    if (!rep || typeof rep.source !== "object" || rep.source === null) throw new Error(`replacement in ${k.file} needs a source`);
    const source: Replacement["source"] = rep.source;
    const sources = resources.filter((r) => selectsById(source, r));
    if (sources.length !== 1) {
      throw new Error(`replacement source ${JSON.stringify(rep.source)} in ${k.file} selects ${sources.length} resources; it must select exactly one`);
    }
    const fieldPath = source.fieldPath ?? "metadata.name";
    let value: unknown;
    try {
      value = readValue(sources[0]!, fieldPath);
    } catch {
      value = undefined;
    }
    if (isNilOrEmpty(value)) throw new Error(`fieldPath \`${fieldPath}\` is missing for replacement source ${formatId(curId(sources[0]!.obj))}`);
    const so: Options | undefined = source.options;
    if (so?.delimiter) {
      if (!isScalar(value)) throw new Error("delimiter option can only be used with scalar nodes");
      const parts = scalarText(value).split(so.delimiter);
      const i = so.index ?? 0;
      if (i < 0 || i >= parts.length) throw new Error(`options.index ${i} is out of bounds for value ${scalarText(value)}`);
      // The part keeps the source node's tag in kustomize; as text it is a string unless the whole was typed.
      value = typeof value === "string" ? parts[i]! : resolvePlain(parts[i]!).value;
    }
    for (const t of (rep.targets ?? []) as Replacement["targets"]) {
      const opts: Options = t.options ?? {};
      const fieldPaths: string[] = t.fieldPaths ?? ["metadata.name"];
      if (!t || typeof t.select !== "object") throw new Error(`replacement target in ${k.file} needs a select`);
      for (const res of resources) {
        if (!selectsById(t.select, res)) continue;
        if ((t.reject ?? []).some((rj) => rejectsById(rj, res))) continue;
        for (const fp of fieldPaths) {
          visit(res.obj, splitFieldPath(fp), !!opts.create, (p, key) => {
            const parent = p as Record<string | number, unknown>;
            const existed = Array.isArray(p) || key in p;
            parent[key] = replacedValue(parent[key], existed, value, opts);
          }, fp);
        }
      }
    }
  }
}
