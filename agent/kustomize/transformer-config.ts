/**
 * The `configurations:` field: files of extra field specs for the builtin transformers (kustomize's
 * TransformerConfig), added to the built-in tables. As in kustomize, a kustomization's transformers see
 * its own files plus those of its bases and components (configs travel up the tree with the resources),
 * and the name reference pass at the end sees them all. Keys: nameReference, commonLabels,
 * templateLabels, commonAnnotations, namespace, images, replicas, varReference (vars.ts); namePrefix/nameSuffix specs beyond metadata/name are refused. Unknown keys
 * are ignored, as kustomize's lenient decoder ignores them.
 */
import { parseDocuments } from "../yaml/parse.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { visitSpecs, type FieldSpec } from "./field-spec.ts";
import { rewriteImage } from "./images.ts";
import type { ImageEntry, Kustomization } from "./kustomization-file.ts";
import { addPairs } from "./metadata-transformers.ts";
import type { RefSpec } from "./name-reference.ts";
import { allIds, isObject, type Resource } from "./resource.ts";
import type { VarDef } from "./vars.ts";
import { joinPath, readText } from "./tree-path.ts";

export interface TransformerConfig {
  nameReference: RefSpec[];
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  namespace: FieldSpec[];
  images: FieldSpec[];
  replicas: FieldSpec[];
  varReference: FieldSpec[];
  /** The vars of the kustomizations built so far, travelling up with the resources (vars.ts). */
  vars: VarDef[];
}

export function emptyConfig(): TransformerConfig {
  return { nameReference: [], commonLabels: [], templateLabels: [], commonAnnotations: [], namespace: [], images: [], replicas: [], varReference: [], vars: [] };
}

const SPEC_KEYS = ["commonLabels", "templateLabels", "commonAnnotations", "namespace", "images", "replicas", "varReference"] as const;

function specKey(s: FieldSpec): string {
  return `${s.group ?? ""}|${s.version ?? ""}|${s.kind ?? ""}|${s.path}`;
}

/** Adds `from` into `into`, skipping specs already there (kustomize merges field spec lists by id). */
export function mergeConfig(into: TransformerConfig, from: TransformerConfig): void {
  for (const key of SPEC_KEYS) {
    const seen = new Set(into[key].map(specKey));
    for (const s of from[key]) if (!seen.has(specKey(s))) into[key].push(s), seen.add(specKey(s));
  }
  const refs = new Set(into.nameReference.map((r) => `${r.referralGroup ?? ""}|${r.referralKind}|${specKey(r)}`));
  for (const r of from.nameReference) {
    const id = `${r.referralGroup ?? ""}|${r.referralKind}|${specKey(r)}`;
    if (!refs.has(id)) into.nameReference.push(r), refs.add(id);
  }
}

function fieldSpecs(v: unknown, where: string, key: string): FieldSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`Invalid configuration ${where}: ${key} must be a list of field specs`);
  return v.map((s) => {
    if (!isObject(s) || typeof s.path !== "string") throw new Error(`Invalid configuration ${where}: every ${key} field spec needs a path`);
    const out: FieldSpec = { path: s.path };
    for (const f of ["kind", "group", "version"] as const) if (typeof s[f] === "string" && s[f] !== "") out[f] = s[f] as string;
    if (s.create === true) out.create = true;
    return out;
  });
}

/** Parses one configurations file. */
export function parseTransformerConfig(text: string, where: string): TransformerConfig {
  const cfg = emptyConfig();
  for (const doc of parseDocuments(text, where)) {
    if (!isObject(doc)) throw new Error(`Invalid configuration ${where}: expected a map`);
    for (const key of SPEC_KEYS) cfg[key].push(...fieldSpecs(doc[key], where, key));
    for (const key of ["namePrefix", "nameSuffix"]) {
      const other = fieldSpecs(doc[key], where, key).find((s) => s.path !== "metadata/name");
      if (other) throw new Error(`Invalid configuration ${where}: ${key} field specs other than metadata/name are not supported (${other.path})`);
    }
    const refs = doc.nameReference ?? [];
    if (!Array.isArray(refs)) throw new Error(`Invalid configuration ${where}: nameReference must be a list`);
    for (const r of refs) {
      if (!isObject(r) || typeof r.kind !== "string") throw new Error(`Invalid configuration ${where}: every nameReference needs a kind`);
      const group = typeof r.group === "string" && r.group !== "" ? r.group : undefined;
      for (const fs of fieldSpecs(r.fieldSpecs, where, "nameReference")) cfg.nameReference.push({ ...fs, referralKind: r.kind, ...(group ? { referralGroup: group } : {}) });
    }
  }
  return cfg;
}

/** Reads a kustomization's configurations files into `into`. */
export function loadConfigurations(tree: TreeReader, k: Kustomization, into: TransformerConfig): void {
  for (const entry of k.configurations) {
    const path = joinPath(k.dir, entry);
    if (tree.read(path) === undefined) throw new Error(`Cannot load configuration "${entry}" in ${k.file}: no such file`);
    mergeConfig(into, parseTransformerConfig(readText(tree, path), path));
  }
}

/**
 * Runs the extra field specs of `cfg` for one kustomization's fields, after its builtin transformers ran
 * over the built-in tables (the extra specs touch other fields, so the order between them does not matter).
 */
export function applyConfiguredSpecs(k: Kustomization, cfg: TransformerConfig, resources: Resource[]): void {
  if (k.namespace && cfg.namespace.length) {
    const ns = k.namespace;
    const specs = cfg.namespace.filter((s) => s.path !== "metadata/namespace");
    for (const r of resources) visitSpecs(r.obj, specs, (parent, key) => { parent[key] = ns; });
  }
  if (k.commonLabels && cfg.commonLabels.length) addPairs(resources, k.commonLabels, cfg.commonLabels);
  for (const l of k.labels) {
    const specs = l.includeSelectors ? cfg.commonLabels : l.includeTemplates ? cfg.templateLabels : [];
    if (specs.length) addPairs(resources, l.pairs ?? {}, specs);
  }
  if (k.commonAnnotations && cfg.commonAnnotations.length) addPairs(resources, k.commonAnnotations, cfg.commonAnnotations);
  if (cfg.replicas.length) setReplicasAt(resources, cfg.replicas, k.replicas);
  if (cfg.images.length) rewriteImagesAt(resources, cfg.images, k.images);
}

/** Sets the count of each replicas entry at the field specs of the resources it names. */
export function setReplicasAt(resources: Resource[], specs: FieldSpec[], entries: { name: string; count: number }[]): void {
  for (const e of entries) {
    for (const r of resources) {
      if (!allIds(r).some((id) => id.name === e.name)) continue;
      visitSpecs(r.obj, specs, (parent, key) => { parent[key] = e.count; });
    }
  }
}

/** Rewrites image strings found at the field specs (never created), first matching entry wins. */
export function rewriteImagesAt(resources: Resource[], specs: FieldSpec[], entries: ImageEntry[]): void {
  if (!entries.length) return;
  const existing = specs.map((s) => ({ ...s, create: false }));
  for (const r of resources) {
    visitSpecs(r.obj, existing, (parent, key) => {
      const v = parent[key];
      if (typeof v !== "string") return;
      for (const e of entries) {
        const next = rewriteImage(v, e);
        if (next !== undefined) {
          parent[key] = next;
          break;
        }
      }
    });
  }
}
