/**
 * The three patch fields of a kustomization. `patches` entries hold a strategic merge patch or a JSON 6902
 * patch (told apart by shape: a list is JSON 6902), inline or from a file, applied to every resource the
 * `target` selects, or without a target to the resource the patch itself names. `patchesStrategicMerge`
 * (files or inline YAML, one patch per document) and `patchesJson6902` (always with a target) are the
 * legacy forms. A patch that selects nothing is an error only where kustomize makes it one (an untargeted
 * strategic merge patch).
 */
import { parseDocuments } from "../yaml/parse.ts";
import { joinPath, readText } from "./tree-path.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { applyJsonPatch, type JsonPatchOp } from "./json-patch.ts";
import type { Kustomization, PatchEntry } from "./kustomization-file.ts";
import { selects } from "./patch-target.ts";
import { allIds, curId, dropEmptyAnnotations, withAnnotationsMap, formatId, isObject, nsEquals, rememberId, splitApiVersion, type KObject, type Resource } from "./resource.ts";
import { strategicMerge } from "./strategic-merge.ts";

function patchText(tree: TreeReader, k: Kustomization, p: PatchEntry): { text: string; where: string } {
  if (p.patch !== undefined) return { text: p.patch, where: `${k.file} (inline patch)` };
  const path = joinPath(k.dir, p.path!);
  if (tree.read(path) === undefined) throw new Error(`Cannot load patch ${path} referenced by ${k.file}: no such file`);
  return { text: readText(tree, path), where: path };
}

/** Replaces a resource's object, keeping its identity history when the name or namespace changes. */
function replaceObj(res: Resource, next: KObject): void {
  const before = curId(res.obj);
  const after = curId(next);
  if (before.name !== after.name || before.namespace !== after.namespace || before.kind !== after.kind) {
    rememberId(res);
  }
  res.obj = next;
}

/** Applies one strategic merge patch to one resource, keeping its identity unless the options allow changes. */
function applySmp(res: Resource, patch: Record<string, unknown>, opts: PatchEntry["options"], where: string): Resource | undefined {
  const p = { ...patch };
  const pm = isObject(p.metadata) ? { ...p.metadata } : undefined;
  if (!opts?.allowKindChange) {
    delete p.kind;
    delete p.apiVersion;
  }
  if (pm) {
    if (!opts?.allowNameChange) delete pm.name;
    delete pm.namespace;
    p.metadata = pm;
  }
  let next: KObject | undefined;
  try {
    next = strategicMerge(res.obj, p);
  } catch (err) {
    throw new Error(`Cannot apply patch from ${where} to ${formatId(curId(res.obj))}: ${(err as Error).message}`, { cause: err });
  }
  if (!next) return undefined;
  replaceObj(res, next);
  return res;
}

function matchesPatchId(res: Resource, patch: Record<string, unknown>): boolean {
  const { group } = splitApiVersion(patch.apiVersion as string | undefined);
  const m = isObject(patch.metadata) ? patch.metadata : {};
  const want = { group, version: "", kind: String(patch.kind ?? ""), name: String(m.name ?? ""), namespace: String(m.namespace ?? "") };
  return allIds(res).some((id) => id.kind === want.kind && id.group === want.group && id.name === want.name && nsEquals(id, want));
}

function applyTo(resources: Resource[], pick: (r: Resource) => boolean, fn: (r: Resource) => Resource | undefined): { out: Resource[]; hits: number } {
  let hits = 0;
  const out: Resource[] = [];
  for (const r of resources) {
    if (!pick(r)) {
      out.push(r);
      continue;
    }
    hits++;
    const next = fn(r);
    if (next) out.push(next);
  }
  return { out, hits };
}

function parsePatchDocs(text: string, where: string): unknown[] {
  try {
    return parseDocuments(text, where);
  } catch (err) {
    throw new Error(`Cannot parse patch ${where}: ${(err as Error).message}`, { cause: err });
  }
}

function runSmpDocs(resources: Resource[], docs: unknown[], entry: PatchEntry, where: string): Resource[] {
  let out = resources;
  for (const doc of docs) {
    if (!isObject(doc)) throw new Error(`Cannot apply patch ${where}: a strategic merge patch must be a map`);
    if (entry.target) {
      out = applyTo(out, (r) => selects(entry.target!, r), (r) => applySmp(r, doc, entry.options, where)).out;
    } else {
      if (!doc.kind || !isObject(doc.metadata) || !doc.metadata.name) throw new Error(`Cannot apply patch ${where}: a patch without a target must name its kind and metadata.name`);
      const res = applyTo(out, (r) => matchesPatchId(r, doc), (r) => applySmp(r, doc, { allowNameChange: false }, where));
      if (res.hits === 0) {
        const m = doc.metadata as Record<string, unknown>;
        throw new Error(`Cannot apply patch ${where}: no resource matches ${String(doc.kind)}/${String(m.name)}${m.namespace ? ` in namespace ${String(m.namespace)}` : ""}`);
      }
      out = res.out;
    }
  }
  return out;
}

function runJsonPatch(resources: Resource[], ops: unknown, entry: PatchEntry, where: string): Resource[] {
  if (!entry.target) throw new Error(`Cannot apply JSON patch ${where}: it needs a target`);
  if (!Array.isArray(ops)) throw new Error(`Cannot apply JSON patch ${where}: expected a list of operations`);
  return applyTo(resources, (r) => selects(entry.target!, r), (r) => {
    let next: unknown;
    try {
      next = applyJsonPatch(withAnnotationsMap(r.obj), ops as JsonPatchOp[]);
    } catch (err) {
      throw new Error(`Cannot apply JSON patch ${where} to ${formatId(curId(r.obj))}: ${(err as Error).message}`, { cause: err });
    }
    if (!isObject(next)) throw new Error(`Cannot apply JSON patch ${where}: the result is not an object`);
    dropEmptyAnnotations(next as KObject);
    replaceObj(r, next as KObject);
    return r;
  }).out;
}

/** The `patches` field. */
export function runPatches(tree: TreeReader, k: Kustomization, entries: PatchEntry[], resources: Resource[]): Resource[] {
  let out = resources;
  for (const entry of entries) {
    const { text, where } = patchText(tree, k, entry);
    const docs = parsePatchDocs(text, where);
    if (docs.length === 0) throw new Error(`Cannot apply patch ${where}: the patch is empty`);
    if (docs.length === 1 && Array.isArray(docs[0])) out = runJsonPatch(out, docs[0], entry, where);
    else out = runSmpDocs(out, docs, entry, where);
  }
  return out;
}

/** The legacy `patchesStrategicMerge` field: file paths, or inline YAML when the entry has a newline or a colon. */
export function runPatchesStrategicMerge(tree: TreeReader, k: Kustomization, resources: Resource[]): Resource[] {
  let out = resources;
  for (const entry of k.patchesStrategicMerge) {
    const inline = entry.includes("\n") || (entry.includes(":") && tree.read(joinPath(k.dir, entry)) === undefined);
    const { text, where } = inline ? { text: entry, where: `${k.file} (inline patch)` } : patchText(tree, k, { path: entry });
    out = runSmpDocs(out, parsePatchDocs(text, where), {}, where);
  }
  return out;
}

/** The legacy `patchesJson6902` field. */
export function runPatchesJson6902(tree: TreeReader, k: Kustomization, resources: Resource[]): Resource[] {
  let out = resources;
  for (const entry of k.patchesJson6902) {
    const { text, where } = patchText(tree, k, entry);
    const docs = parsePatchDocs(text, where);
    out = runJsonPatch(out, docs[0], entry, where);
  }
  return out;
}
