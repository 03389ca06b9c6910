/**
 * configMapGenerator and secretGenerator: build ConfigMaps/Secrets from literals, files and env files,
 * apply generatorOptions (merged with each generator's own options; the generator's win), and combine
 * with same-named resources from bases by `behavior` (create, merge, replace). The hash suffix is added
 * at the very end of the build (content-hash.ts), after every other transformer, as kustomize does.
 */
import { baseName, joinPath, readText } from "./tree-path.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import type { GeneratorArgs, GeneratorOptions, Kustomization } from "./kustomization-file.ts";
import { curId, isObject, makeResource, meta, type KObject, type Resource } from "./resource.ts";
import { base64Encode } from "../core/bytes.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strips one pair of matching quotes around a literal value, as kustomize does for `literals`. */
function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

function parseEnvFile(text: string, file: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trimStart();
    if (/\s/.test(key) || key === "") throw new Error(`Cannot read env file ${file}:${i + 1}: invalid key "${key}"`);
    out.push([key, eq < 0 ? "" : line.slice(eq + 1)]);
  });
  return out;
}

interface Entry {
  key: string;
  text?: string;
  bytes?: Uint8Array;
}

function collect(tree: TreeReader, k: Kustomization, args: GeneratorArgs): Entry[] {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  const add = (e: Entry, where: string) => {
    if (seen.has(e.key)) throw new Error(`Cannot generate ${args.name} in ${k.file}: key "${e.key}" from ${where} is already set`);
    seen.add(e.key);
    entries.push(e);
  };
  for (const env of [...(args.envs ?? []), ...(args.env ? [args.env] : [])]) {
    const path = joinPath(k.dir, env);
    for (const [key, text] of parseEnvFile(readText(tree, path), path)) add({ key, text }, path);
  }
  for (const lit of args.literals ?? []) {
    const eq = lit.indexOf("=");
    if (eq <= 0) throw new Error(`Cannot generate ${args.name} in ${k.file}: literal "${lit}" is not key=value`);
    add({ key: lit.slice(0, eq), text: unquote(lit.slice(eq + 1)) }, "literals");
  }
  for (const f of args.files ?? []) {
    const eq = f.indexOf("=");
    const key = eq < 0 ? baseName(f) : f.slice(0, eq);
    const path = joinPath(k.dir, eq < 0 ? f : f.slice(eq + 1));
    const bytes = tree.read(path);
    if (!bytes) throw new Error(`Cannot generate ${args.name} in ${k.file}: file "${path}" not found`);
    add({ key, bytes }, path);
  }
  return entries;
}

function mergeOptions(global: GeneratorOptions | undefined, local: GeneratorOptions | undefined): GeneratorOptions {
  return {
    labels: { ...global?.labels, ...local?.labels },
    annotations: { ...global?.annotations, ...local?.annotations },
    disableNameSuffixHash: !!(global?.disableNameSuffixHash || local?.disableNameSuffixHash),
    immutable: !!(global?.immutable || local?.immutable),
  };
}

/**
 * Base64 as kustomize writes generated Secret data and ConfigMap binaryData: an encoding of 70 characters
 * or more is cut into 70-column lines, each ending in a newline (the last one too). The newlines are part
 * of the value (Kubernetes' decoder skips them), so they also enter the name hash.
 */
export function wrappedBase64(bytes: Uint8Array): string {
  const enc = base64Encode(bytes);
  if (enc.length < 70) return enc;
  let out = "";
  for (let i = 0; i < enc.length; i += 70) out += `${enc.slice(i, i + 70)}\n`;
  return out;
}

function generate(tree: TreeReader, k: Kustomization, args: GeneratorArgs, kind: "ConfigMap" | "Secret"): Resource {
  if (!args.name) throw new Error(`Cannot generate a ${kind} in ${k.file}: a generator needs a name`);
  const opts = mergeOptions(k.generatorOptions, args.options);
  const obj: KObject = { apiVersion: "v1", kind, metadata: { name: args.name } };
  const m = meta(obj);
  if (args.namespace) m.namespace = args.namespace;
  if (Object.keys(opts.labels!).length) m.labels = { ...opts.labels };
  if (Object.keys(opts.annotations!).length) m.annotations = { ...opts.annotations };
  const data: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const e of collect(tree, k, args)) {
    if (kind === "Secret") {
      data[e.key] = wrappedBase64(e.bytes ?? new TextEncoder().encode(e.text!));
    } else if (e.bytes) {
      try {
        data[e.key] = utf8.decode(e.bytes);
      } catch {
        binary[e.key] = wrappedBase64(e.bytes);
      }
    } else data[e.key] = e.text!;
  }
  // kustomize always writes a Secret's data map, even empty, but omits an empty ConfigMap's.
  if (Object.keys(data).length || kind === "Secret") obj.data = data;
  if (Object.keys(binary).length) obj.binaryData = binary;
  if (kind === "Secret") obj.type = args.type ?? "Opaque";
  if (opts.immutable) obj.immutable = true;
  const res = makeResource(obj);
  res.needsHash = !opts.disableNameSuffixHash;
  // kustomize reads any other value (a typo, "Merge") as unspecified, which acts as create.
  const b = args.behavior;
  res.behavior = b === "merge" || b === "replace" ? b : "create";
  return res;
}

function sameTarget(a: KObject, b: KObject): boolean {
  const x = curId(a);
  const y = curId(b);
  return x.kind === y.kind && x.name === y.name && (y.namespace === "" || x.namespace === y.namespace);
}

/** Runs both generators of a kustomization over the resources accumulated so far, in place. */
export function runGenerators(tree: TreeReader, k: Kustomization, resources: Resource[]): void {
  const all: [GeneratorArgs, "ConfigMap" | "Secret"][] = [
    ...k.configMapGenerator.map((g) => [g, "ConfigMap"] as [GeneratorArgs, "ConfigMap"]),
    ...k.secretGenerator.map((g) => [g, "Secret"] as [GeneratorArgs, "Secret"]),
  ];
  for (const [args, kind] of all) {
    const gen = generate(tree, k, args, kind);
    const behavior = gen.behavior!;
    const idx = resources.findIndex((r) => sameTarget(r.obj, gen.obj) || r.prevIds.some((id) => id.kind === kind && id.name === args.name));
    if (behavior === "create") {
      if (idx >= 0) throw new Error(`Cannot generate ${kind} ${args.name} in ${k.file}: a resource with this id already exists; use behavior merge or replace`);
      resources.push(gen);
      continue;
    }
    if (idx < 0) throw new Error(`Cannot ${behavior} ${kind} ${args.name} in ${k.file}: no resource with this id exists in the bases`);
    const old = resources[idx]!;
    const om = meta(old.obj);
    const gm = meta(gen.obj);
    if (behavior === "merge") {
      for (const f of ["data", "binaryData"]) {
        const merged = { ...(isObject(old.obj[f]) ? old.obj[f] : {}), ...(isObject(gen.obj[f]) ? gen.obj[f] : {}) };
        if (Object.keys(merged).length) old.obj[f] = merged;
      }
      if (gen.obj.immutable) old.obj.immutable = true;
    } else {
      for (const f of ["data", "binaryData"]) {
        if (gen.obj[f] === undefined) delete old.obj[f];
        else old.obj[f] = gen.obj[f];
      }
    }
    for (const f of ["labels", "annotations"]) {
      if (gm[f]) om[f] = { ...(isObject(om[f]) ? om[f] : {}), ...(gm[f] as object) };
    }
    old.needsHash = old.needsHash && gen.needsHash;
  }
}
