/**
 * The `transformers:` and `generators:` fields when their entries are kustomize's builtin plugin configs
 * (`apiVersion: builtin`, kinds LabelTransformer, PatchTransformer, ConfigMapGenerator, ...): each config
 * runs through the transformer or generator the kustomization's own fields use, with the config's
 * fields in place of the kustomization's. These are not plugins (kustomize and Flux run them with
 * plugins disabled). Exec, KRM-function and Go plugins (any other apiVersion), Helm inflation and the
 * builtins nothing here implements are refused, naming the config and its file.
 */
import type { TreeReader } from "../core/tree-reader.ts";
import type { FieldSpec } from "./field-spec.ts";
import { specApplies } from "./field-spec.ts";
import { runGenerators } from "./generators.ts";
import { applyImages } from "./images.ts";
import type { GeneratorArgs, ImageEntry, Kustomization, PatchEntry } from "./kustomization-file.ts";
import { addPairs, applyNamespace, applyPrefixSuffix } from "./metadata-transformers.ts";
import { runPatches, runPatchesJson6902, runPatchesStrategicMerge } from "./patches.ts";
import { applyReplacements } from "./replacements.ts";
import { isObject, meta, namespaceOf, type KObject, type Resource } from "./resource.ts";
import { rewriteImagesAt, setReplicasAt } from "./transformer-config.ts";

export type PluginField = "transformers" | "generators";

const TRANSFORMERS = new Set([
  "LabelTransformer", "AnnotationsTransformer", "NamespaceTransformer", "PrefixSuffixTransformer", "PrefixTransformer",
  "SuffixTransformer", "ImageTagTransformer", "ReplicaCountTransformer", "PatchTransformer", "PatchJson6902Transformer",
  "PatchStrategicMergeTransformer", "ReplacementTransformer",
]);
const GENERATORS = new Set(["ConfigMapGenerator", "SecretGenerator"]);

function describe(cfg: KObject, field: PluginField, k: Kustomization): string {
  return `${field} entry ${cfg.kind ?? "?"}/${String(meta(cfg).name ?? "")} in ${k.file}`;
}

/** Throws unless `cfg` is a builtin config this engine runs in `field`. */
export function checkPluginConfig(cfg: KObject, field: PluginField, k: Kustomization): void {
  const where = describe(cfg, field, k);
  if (cfg.apiVersion !== "builtin") {
    throw new Error(`Cannot run ${where}: plugins (exec, KRM function, Go) are not supported; only builtin configs (apiVersion: builtin) run`);
  }
  const kind = cfg.kind ?? "";
  if (kind === "HelmChartInflationGenerator") throw new Error(`Cannot run ${where}: Helm chart inflation is not supported`);
  const own = field === "transformers" ? TRANSFORMERS : GENERATORS;
  if (own.has(kind)) return;
  const other = field === "transformers" ? GENERATORS : TRANSFORMERS;
  if (other.has(kind)) throw new Error(`Cannot run ${where}: ${kind} is a ${field === "transformers" ? "generator" : "transformer"}; list it under ${field === "transformers" ? "generators" : "transformers"}`);
  throw new Error(`Cannot run ${where}: builtin ${kind} is not supported`);
}

function fieldSpecs(cfg: KObject): FieldSpec[] {
  return Array.isArray(cfg.fieldSpecs) ? (cfg.fieldSpecs as FieldSpec[]).filter(isObject) : [];
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) out[k] = x === null ? "" : String(x);
  return out;
}

/** Prefix/suffix renames only the resources a `metadata/name` field spec selects. */
function renamed(cfg: KObject, resources: Resource[], where: string): Resource[] {
  const specs = fieldSpecs(cfg);
  if (cfg.kind === "PrefixSuffixTransformer" && !Array.isArray(cfg.fieldSpecs)) throw new Error(`Cannot run ${where}: fieldSpecs is not expected to be nil`);
  const other = specs.find((s) => s.path !== "metadata/name");
  if (other) throw new Error(`Cannot run ${where}: a prefix or suffix on ${other.path} is not supported (only metadata/name)`);
  return resources.filter((r) => specs.some((s) => specApplies(s, r.obj)));
}

/** Runs one builtin transformer config over the resources; returns the new list. */
export function runBuiltinTransformer(tree: TreeReader, k: Kustomization, cfg: KObject, resources: Resource[]): Resource[] {
  const where = describe(cfg, "transformers", k);
  // A config's file fields (patch paths, replacement files) are relative to the kustomization using it.
  const as = (fields: Partial<Kustomization>): Kustomization => ({ ...k, ...fields });
  switch (cfg.kind) {
    case "LabelTransformer":
      addPairs(resources, strMap(cfg.labels), fieldSpecs(cfg));
      return resources;
    case "AnnotationsTransformer":
      addPairs(resources, strMap(cfg.annotations), fieldSpecs(cfg));
      return resources;
    case "NamespaceTransformer": {
      const ns = String(meta(cfg).namespace ?? "");
      const mode = cfg.setRoleBindingSubjects;
      if (mode !== undefined && mode !== "defaultOnly") throw new Error(`Cannot run ${where}: setRoleBindingSubjects ${String(mode)} is not supported`);
      if (ns) applyNamespace(cfg.unsetOnly ? resources.filter((r) => namespaceOf(r.obj) === "") : resources, ns);
      return resources;
    }
    case "PrefixSuffixTransformer":
    case "PrefixTransformer":
    case "SuffixTransformer":
      applyPrefixSuffix(renamed(cfg, resources, where), String(cfg.prefix ?? ""), String(cfg.suffix ?? ""));
      return resources;
    case "ImageTagTransformer": {
      const img = cfg.imageTag;
      if (!isObject(img) || typeof img.name !== "string") throw new Error(`Cannot run ${where}: imageTag needs a name`);
      const entry = { ...img } as unknown as ImageEntry;
      if (entry.newTag !== undefined) entry.newTag = String(entry.newTag);
      applyImages(resources, [entry]);
      // Container images were handled above wherever they are; other specs name custom image fields.
      rewriteImagesAt(resources, fieldSpecs(cfg).filter((s) => !/containers(\[\])?\/image$/i.test(s.path)), [entry]);
      return resources;
    }
    case "ReplicaCountTransformer": {
      const r = cfg.replica;
      if (!isObject(r) || typeof r.name !== "string" || typeof r.count !== "number") throw new Error(`Cannot run ${where}: replica needs a name and a numeric count`);
      // Unlike the replicas field, the builtin sets exactly the fields its specs name.
      setReplicasAt(resources, fieldSpecs(cfg), [{ name: r.name, count: r.count }]);
      return resources;
    }
    case "PatchTransformer": {
      if ((cfg.path === undefined) === (cfg.patch === undefined)) throw new Error(`Cannot run ${where}: needs exactly one of path or patch`);
      return runPatches(tree, k, [cfg as PatchEntry], resources);
    }
    case "PatchStrategicMergeTransformer": {
      const paths = Array.isArray(cfg.paths) ? cfg.paths.map(String) : [];
      const inline = typeof cfg.patches === "string" ? [cfg.patches] : [];
      return runPatchesStrategicMerge(tree, as({ patchesStrategicMerge: [...paths, ...inline] }), resources);
    }
    case "PatchJson6902Transformer": {
      if (!isObject(cfg.target)) throw new Error(`Cannot run ${where}: needs a target`);
      const entry: PatchEntry = { target: cfg.target, ...(typeof cfg.jsonOp === "string" ? { patch: cfg.jsonOp } : { path: String(cfg.path ?? "") }) };
      return runPatchesJson6902(tree, as({ patchesJson6902: [entry] }), resources);
    }
    case "ReplacementTransformer":
      applyReplacements(tree, as({ replacements: Array.isArray(cfg.replacements) ? cfg.replacements : [] }), resources);
      return resources;
    default:
      throw new Error(`Cannot run ${where}: builtin ${String(cfg.kind)} is not supported`);
  }
}

/** Runs one builtin generator config, adding (or merging) what it generates into the resources. */
export function runBuiltinGenerator(tree: TreeReader, k: Kustomization, cfg: KObject, resources: Resource[]): void {
  const m = meta(cfg);
  const { apiVersion: _a, kind, metadata: _m, ...rest } = cfg;
  const args = { ...rest, name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}) } as GeneratorArgs;
  // The config stands alone: the kustomization's generatorOptions do not apply to it.
  const one: Partial<Kustomization> = kind === "SecretGenerator"
    ? { configMapGenerator: [], secretGenerator: [args] }
    : { configMapGenerator: [args], secretGenerator: [] };
  runGenerators(tree, { ...k, ...one, generatorOptions: undefined }, resources);
}
