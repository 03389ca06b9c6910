/**
 * `kustomize build` over an in-memory file tree, in time linear in the number of resources: accumulate
 * resources (files, directories, nested bases), run generators, apply components, then the transformers
 * in kustomize's order (patchesStrategicMerge, patches, namespace, prefix/suffix, labels, annotations,
 * patchesJson6902, replicas, images, replacements); at the very end append content hashes, rewrite name
 * references, resolve `vars:` (vars.ts) and sort. `generators:` then `transformers:` entries that are builtin configs run after the
 * kustomization's own generators and transformers (builtin-plugins.ts). Remote bases, paths outside the
 * root and real plugins are refused; a base reached
 * twice fails on the duplicate ids it adds, as in kustomize; cycles fail before that.
 */
import { dirName, joinPath, readText } from "./tree-path.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { contentHash } from "./content-hash.ts";
import { applyImages } from "./images.ts";
import { loadKustomization, type Kustomization } from "./kustomization-file.ts";
import { legacySort } from "./legacy-order.ts";
import { runMetadataTransformers } from "./metadata-transformers.ts";
import { fixNameReferences } from "./name-reference.ts";
import { runPatches, runPatchesJson6902, runPatchesStrategicMerge } from "./patches.ts";
import { applyReplacements } from "./replacements.ts";
import { applyReplicas } from "./replicas.ts";
import { loadResourceFile } from "./resource-loader.ts";
import { curId, dropEmptyAnnotations, formatId, idKey, isObject, makeResource, meta, rememberId, type KObject, type Resource } from "./resource.ts";
import { runGenerators } from "./generators.ts";
import { checkPluginConfig, runBuiltinGenerator, runBuiltinTransformer, type PluginField } from "./builtin-plugins.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { mergeVars, mergeVarSet, resolveVars } from "./vars.ts";
import { applyConfiguredSpecs, emptyConfig, loadConfigurations, mergeConfig, type TransformerConfig } from "./transformer-config.ts";

export const DEFAULTS = {
  /** Deepest chain of nested bases and components accepted. */
  maxDepth: 64,
};

export class BuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BuildError";
  }
}

/** True for the remote forms kustomize accepts (URLs, git shorthands), which a build here refuses. */
export function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(entry);
}

interface Ctx {
  tree: TreeReader;
  stack: string[];
}

/**
 * The id two accumulated resources may not share: kustomize compares group, version and kind exactly
 * here, so one sample per version of a kind (kubebuilder's `config/samples`) is two resources.
 */
function registeredKey(r: Resource): string {
  const id = curId(r.obj);
  return `${id.version}|${idKey(id)}`;
}

function appendUnique(resources: Resource[], added: Resource[], keys: Set<string>, where: string): void {
  for (const r of added) {
    const key = registeredKey(r);
    if (keys.has(key)) {
      throw new BuildError(`Cannot add ${formatId(curId(r.obj))} from ${where}: may not add resource with an already registered id`);
    }
    keys.add(key);
    resources.push(r);
  }
}

function loadKust(ctx: Ctx, dir: string, from: string): Kustomization {
  const k = loadKustomization(ctx.tree, dir);
  if (!k) throw new BuildError(`Cannot build ${dir || "."}${from}: no kustomization.yaml, kustomization.yml or Kustomization file in the directory`);
  return k;
}

/** Adds the resources `entries` name; each base's `configurations` travel up into `cfg`, as in kustomize. */
function accumulateResources(ctx: Ctx, k: Kustomization, resources: Resource[], cfg: TransformerConfig, entries = k.resources, what = "resource"): void {
  const keys = new Set(resources.map(registeredKey));
  for (const entry of entries) {
    if (isRemote(entry)) throw new BuildError(`Cannot load ${what} "${entry}" in ${k.file}: remote bases are not supported`);
    let path: string;
    try {
      path = joinPath(k.dir, entry);
    } catch (err) {
      throw new BuildError(`Cannot load ${what} "${entry}" in ${k.file}: ${(err as Error).message}`, { cause: err });
    }
    if (ctx.tree.isDir(path)) {
      if (ctx.stack.includes(path)) {
        throw new BuildError(`Cannot load ${what} "${entry}" in ${k.file}: cycle detected: ${[...ctx.stack, path].map((p) => p || ".").join(" -> ")}`);
      }
      const sub = loadKust(ctx, path, ` (a resource of ${k.file})`);
      if (sub.isComponent) throw new BuildError(`Cannot load ${what} "${entry}" in ${k.file}: ${sub.file} is a Component; list it under components`);
      const subCfg = emptyConfig();
      appendUnique(resources, buildKustomization(ctx, sub, subCfg), keys, sub.file);
      mergeConfig(cfg, subCfg);
      mergeVarSet(cfg.vars, subCfg.vars);
    } else if (ctx.tree.read(path) !== undefined) {
      appendUnique(resources, loadResourceFile(path, readText(ctx.tree, path)), keys, path);
    } else {
      throw new BuildError(`Cannot load ${what} "${entry}" in ${k.file}: no such file or directory`);
    }
  }
}

/** An entry of `generators:`/`transformers:` is inline YAML when it parses as maps, else a path. */
function inlineConfigs(entry: string): KObject[] | undefined {
  try {
    const docs = parseDocuments(entry, "inline");
    return docs.length > 0 && docs.every((d) => isObject(d)) ? (docs as KObject[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The plugin configs an entry list names: inline YAML, files, or kustomization directories built first. */
function loadPluginConfigs(ctx: Ctx, k: Kustomization, field: PluginField): KObject[] {
  const configs: Resource[] = [];
  const paths: string[] = [];
  for (const entry of k[field]) {
    const inline = inlineConfigs(entry);
    if (inline) configs.push(...inline.map(makeResource));
    else paths.push(entry);
  }
  if (paths.length) accumulateResources(ctx, k, configs, emptyConfig(), paths, `${field} entry`);
  const objs = configs.map((r) => r.obj);
  for (const cfg of objs) checkPluginConfig(cfg, field, k);
  return objs;
}

/** Applies one kustomization (or component) on top of `resources`, returning the new list. */
function applyKustomization(ctx: Ctx, k: Kustomization, input: Resource[], cfg: TransformerConfig): Resource[] {
  if (ctx.stack.length > DEFAULTS.maxDepth) throw new BuildError(`Cannot build ${k.file}: bases nest deeper than ${DEFAULTS.maxDepth}`);
  ctx.stack.push(k.dir);
  try {
    let resources = input;
    accumulateResources(ctx, k, resources, cfg);
    loadConfigurations(ctx.tree, k, cfg);
    runGenerators(ctx.tree, k, resources);
    for (const cfg of loadPluginConfigs(ctx, k, "generators")) runBuiltinGenerator(ctx.tree, k, cfg, resources);
    for (const c of k.components) {
      if (isRemote(c)) throw new BuildError(`Cannot load component "${c}" in ${k.file}: remote components are not supported`);
      const path = joinPath(k.dir, c);
      if (!ctx.tree.isDir(path)) throw new BuildError(`Cannot load component "${c}" in ${k.file}: no such directory`);
      if (ctx.stack.includes(path)) throw new BuildError(`Cannot load component "${c}" in ${k.file}: cycle detected`);
      const comp = loadKust(ctx, path, ` (a component of ${k.file})`);
      if (!comp.isComponent) throw new BuildError(`Cannot load component "${c}" in ${k.file}: ${comp.file} must have kind Component`);
      resources = applyKustomization(ctx, comp, resources, cfg);
    }
    resources = runPatchesStrategicMerge(ctx.tree, k, resources);
    resources = runPatches(ctx.tree, k, k.patches, resources);
    runMetadataTransformers(k, resources);
    resources = runPatchesJson6902(ctx.tree, k, resources);
    applyReplicas(resources, k.replicas);
    applyImages(resources, k.images);
    applyConfiguredSpecs(k, cfg, resources);
    if (k.replacements.length) applyReplacements(ctx.tree, k, resources);
    for (const cfg of loadPluginConfigs(ctx, k, "transformers")) resources = runBuiltinTransformer(ctx.tree, k, cfg, resources);
    mergeVars(cfg.vars, k.vars, resources);
    return resources;
  } catch (err) {
    if (err instanceof BuildError) throw err;
    throw new BuildError(`Cannot build ${k.file}: ${(err as Error).message}`, { cause: err });
  } finally {
    ctx.stack.pop();
  }
}

function buildKustomization(ctx: Ctx, k: Kustomization, cfg: TransformerConfig): Resource[] {
  return applyKustomization(ctx, k, [], cfg);
}

/** Appends content hashes to generated names (the last rename of a build). */
async function addHashes(resources: Resource[]): Promise<void> {
  const todo = resources.filter((r) => r.needsHash);
  const hashes = await Promise.all(todo.map((r) => contentHash(r.obj)));
  todo.forEach((r, i) => {
    rememberId(r);
    const m = meta(r.obj);
    m.name = `${String(m.name)}-${hashes[i]}`;
  });
}

/**
 * Builds the kustomization in `dir` (a path relative to the tree's root, "" for the root) and returns
 * the objects in kustomize's output order. A Component there builds as a Kustomization would, as
 * kustomize builds one on its own.
 */
export async function kustomizeBuild(tree: TreeReader, dir = ""): Promise<KObject[]> {
  const ctx: Ctx = { tree, stack: [] };
  const root = loadKust(ctx, dir, "");
  const cfg = emptyConfig();
  let resources = buildKustomization(ctx, root, cfg);
  await addHashes(resources);
  fixNameReferences(resources, cfg.nameReference);
  try {
    resolveVars(cfg.vars, resources, cfg.varReference);
  } catch (err) {
    throw new BuildError(`Cannot build ${root.file}: ${(err as Error).message}`, { cause: err });
  }
  for (const r of resources) dropEmptyAnnotations(r.obj);
  if (root.sortOptions?.order !== "fifo") {
    const l = root.sortOptions?.legacySortOptions;
    resources = legacySort(resources, l?.orderFirst, l?.orderLast);
  }
  return resources.map((r) => r.obj);
}

export { dirName };
