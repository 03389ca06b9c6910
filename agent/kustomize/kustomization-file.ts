/**
 * Finds, parses and validates a kustomization file. Unknown fields are an error (kustomize decodes
 * strictly), as are the fields that would run code or reach the network here: `validators`, Helm
 * inflation, remote `openapi` and `crds`. `vars` are parsed here and built by vars.ts. `configurations` files are read by
 * transformer-config.ts. `generators` and `transformers` are kept as entries; builtin-plugins.ts runs the builtin
 * configs among them and refuses real plugins. Legacy spellings are folded into their v5 forms.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { readText } from "./tree-path.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { isObject } from "./resource.ts";
import { parseVars, type VarDef } from "./vars.ts";
import type { ResourceSelector } from "../core/selector.ts";

export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

export interface PatchEntry {
  path?: string;
  patch?: string;
  target?: ResourceSelector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
}

export interface LabelEntry {
  pairs?: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
  /** Extra field specs (path, kind, group, version, create) the labels also go to. */
  fields?: { path: string; kind?: string; group?: string; version?: string; create?: boolean }[];
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorArgs {
  name?: string;
  namespace?: string;
  /** create, merge or replace; any other value is read as create, as kustomize does. */
  behavior?: string;
  literals?: string[];
  files?: string[];
  envs?: string[];
  env?: string;
  type?: string;
  options?: GeneratorOptions;
}

export interface Kustomization {
  /** Path of the file, relative to the artifact root. */
  file: string;
  /** Directory holding it. */
  dir: string;
  isComponent: boolean;
  resources: string[];
  components: string[];
  namespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  commonLabels?: Record<string, string>;
  labels: LabelEntry[];
  commonAnnotations?: Record<string, string>;
  images: ImageEntry[];
  replicas: { name: string; count: number }[];
  patches: PatchEntry[];
  patchesStrategicMerge: string[];
  patchesJson6902: PatchEntry[];
  configMapGenerator: GeneratorArgs[];
  secretGenerator: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
  replacements: unknown[];
  /** The deprecated `vars:` (vars.ts). */
  vars: VarDef[];
  /** `generators` / `transformers` entries: paths or inline YAML of plugin configs. */
  generators: string[];
  transformers: string[];
  /** Files of extra transformer field specs. */
  configurations: string[];
  sortOptions?: { order?: "legacy" | "fifo"; legacySortOptions?: { orderFirst?: string[]; orderLast?: string[] } };
}

const KNOWN = new Set([
  "apiVersion", "kind", "metadata", "resources", "bases", "components", "namespace", "namePrefix", "nameSuffix",
  "commonLabels", "labels", "commonAnnotations", "images", "imageTags", "replicas", "patches",
  "patchesStrategicMerge", "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions",
  "replacements", "sortOptions", "buildMetadata", "vars",
  // Known to kustomize but refused here (see module comment).
  "generators", "transformers", "validators", "helmCharts", "helmGlobals", "helmChartInflationGenerator",
  "crds", "configurations", "openapi",
]);
const REFUSED = ["validators", "helmCharts", "helmGlobals", "helmChartInflationGenerator", "crds", "openapi"];

/** The kustomization file in a directory, or undefined; two or more of them are an error, as in kustomize. */
export function findKustomizationFile(tree: TreeReader, dir: string): string | undefined {
  const found = KUSTOMIZATION_FILES.map((name) => (dir === "" ? name : `${dir}/${name}`)).filter((p) => tree.read(p) !== undefined);
  // kustomize will not guess which of two kustomization files is meant.
  if (found.length > 1) throw new Error(`Found multiple kustomization files under: ${dir || "."}`);
  return found[0];
}

/** The 1-based line where a top-level key is written, for error messages (0 when not found). */
export function lineOfKey(text: string, key: string): number {
  const lines = text.split("\n");
  const idx = lines.findIndex((l) => l.startsWith(`${key}:`) || l.startsWith(`"${key}":`));
  return idx + 1;
}

function fail(file: string, text: string, key: string, msg: string): never {
  const line = lineOfKey(text, key);
  throw new Error(`Invalid kustomization ${file}${line ? `:${line}` : ""}: ${msg}`);
}

function strList(file: string, text: string, raw: Record<string, unknown>, key: string): string[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) fail(file, text, key, `field "${key}" must be a list of strings`);
  return v as string[];
}

function list<T>(file: string, text: string, raw: Record<string, unknown>, key: string): T[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(file, text, key, `field "${key}" must be a list`);
  return v as T[];
}

function strMap(file: string, text: string, raw: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(file, text, key, `field "${key}" must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = x === null ? "" : String(x);
  return out;
}

/** Parses kustomization text that lives at `file`. */
export function parseKustomization(text: string, file: string): Kustomization {
  const docs = parseDocuments(text, file);
  if (docs.length === 0) throw new Error(`Invalid kustomization ${file}: the file is empty`);
  const raw = docs[0];
  if (docs.length > 1 || !isObject(raw)) throw new Error(`Invalid kustomization ${file}: expected a single YAML map`);
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) fail(file, text, key, `unknown field "${key}"`);
  }
  // kustomize compares the parsed kustomization with an empty one that keeps only its type fields.
  if (Object.entries(raw).every(([k, v]) => k === "apiVersion" || k === "kind" || v === null)) {
    throw new Error(`Invalid kustomization ${file}: kustomization.yaml is empty`);
  }
  for (const key of REFUSED) {
    if (raw[key] !== undefined && raw[key] !== null) fail(file, text, key, `field "${key}" is not supported (no validators, Helm, crds or openapi)`);
  }
  const kind = raw.kind ?? "Kustomization";
  if (kind !== "Kustomization" && kind !== "Component") fail(file, text, "kind", `kind must be Kustomization or Component, not ${String(kind)}`);
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") fail(file, text, key, `field "${key}" must be a string`);
    return v;
  };
  const images = list<ImageEntry>(file, text, raw, "images").concat(list<ImageEntry>(file, text, raw, "imageTags"));
  for (const img of images) {
    if (!isObject(img) || typeof img.name !== "string") fail(file, text, "images", "every image needs a name");
    if (img.newTag !== undefined) img.newTag = String(img.newTag);
  }
  const replicas = list<{ name: string; count: number }>(file, text, raw, "replicas");
  for (const r of replicas) {
    if (!isObject(r) || typeof r.name !== "string" || typeof r.count !== "number") fail(file, text, "replicas", "every replicas entry needs a name and a numeric count");
  }
  const patches = list<PatchEntry>(file, text, raw, "patches");
  for (const p of patches) {
    if (!isObject(p) || (p.path === undefined) === (p.patch === undefined)) fail(file, text, "patches", "every patch needs exactly one of path or patch");
  }
  const pj = list<PatchEntry>(file, text, raw, "patchesJson6902");
  for (const p of pj) {
    if (!isObject(p) || !isObject(p.target)) fail(file, text, "patchesJson6902", "every patchesJson6902 entry needs a target");
  }
  const psm = list<unknown>(file, text, raw, "patchesStrategicMerge").map((p) => {
    if (typeof p === "string") return p;
    fail(file, text, "patchesStrategicMerge", "entries must be file paths or inline YAML strings");
  });
  const labels = list<LabelEntry>(file, text, raw, "labels");
  for (const l of labels) {
    if (!isObject(l)) fail(file, text, "labels", "every labels entry must be a map");
    const pairs = l.pairs as Record<string, unknown> | undefined;
    if (pairs) for (const [k, v] of Object.entries(pairs)) pairs[k] = v === null ? "" : String(v);
  }
  const sortOptions = raw.sortOptions as Kustomization["sortOptions"];
  if (sortOptions !== undefined && (!isObject(sortOptions) || !["legacy", "fifo", undefined].includes(sortOptions.order))) {
    fail(file, text, "sortOptions", "sortOptions.order must be legacy or fifo");
  }
  const slash = file.lastIndexOf("/");
  return {
    file,
    dir: slash < 0 ? "" : file.slice(0, slash),
    isComponent: kind === "Component",
    resources: strList(file, text, raw, "resources").concat(strList(file, text, raw, "bases")),
    components: strList(file, text, raw, "components"),
    namespace: str("namespace"),
    namePrefix: str("namePrefix"),
    nameSuffix: str("nameSuffix"),
    commonLabels: strMap(file, text, raw, "commonLabels"),
    labels,
    commonAnnotations: strMap(file, text, raw, "commonAnnotations"),
    images,
    replicas,
    patches,
    patchesStrategicMerge: psm,
    patchesJson6902: pj,
    configMapGenerator: list<GeneratorArgs>(file, text, raw, "configMapGenerator"),
    secretGenerator: list<GeneratorArgs>(file, text, raw, "secretGenerator"),
    generatorOptions: raw.generatorOptions as GeneratorOptions | undefined,
    replacements: list<unknown>(file, text, raw, "replacements"),
    vars: parseVars(list<unknown>(file, text, raw, "vars"), file),
    generators: strList(file, text, raw, "generators"),
    transformers: strList(file, text, raw, "transformers"),
    configurations: strList(file, text, raw, "configurations"),
    sortOptions,
  };
}

/** Reads and parses the kustomization file of a directory; undefined when the directory has none. */
export function loadKustomization(tree: TreeReader, dir: string): Kustomization | undefined {
  const file = findKustomizationFile(tree, dir);
  if (!file) return undefined;
  return parseKustomization(readText(tree, file), file);
}
