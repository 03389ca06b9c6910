/**
 * What kustomize-controller does to the source tree before it runs kustomize (reference/flux.md §3.2):
 * - with no kustomization file in the path, generate one listing every `*.yaml`/`*.yml` under it (each
 *   must decode as Kubernetes objects), taking a subdirectory that holds a kustomization as one resource
 *   and not descending into it; with nothing found, `namespace: _placeholder` keeps kustomize quiet;
 * - write the Kustomization's overlay fields over it: targetNamespace becomes namespace, namePrefix,
 *   nameSuffix, commonMetadata (labels without selectors, annotations), patches, images (an entry with
 *   the same name replaces the existing one) and components (local paths only; missing ones skipped
 *   under ignoreMissingComponents).
 * The result is a file tree with the (new) kustomization file in place; the original tree is untouched.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { joinPath, readText } from "./tree-path.ts";
import { byName, type TreeReader } from "../core/tree-reader.ts";
import { findKustomizationFile, type ImageEntry, type PatchEntry } from "./kustomization-file.ts";
import { isObject } from "./resource.ts";
import { isRemote } from "./build.ts";

/** The fields of a Flux Kustomization spec that change the build. */
export interface FluxKustomizationSpec {
  path?: string;
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  patches?: PatchEntry[];
  images?: ImageEntry[];
  components?: string[];
  ignoreMissingComponents?: boolean;
  postBuild?: {
    substitute?: Record<string, string>;
    substituteFrom?: { kind: "ConfigMap" | "Secret"; name: string; optional?: boolean }[];
  };
}

/** Lists the resources Flux would put in a generated kustomization for `dir` (paths relative to it). */
export function generatedResources(tree: TreeReader, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = rel === "" ? dir : joinPath(dir, rel);
    for (const { name, kind } of tree.list(abs)) {
      // Symlinks and special files are not part of an artifact; a reader over a directory lists them.
      if (kind === "other") continue;
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const childAbs = joinPath(dir, childRel);
      if (tree.isDir(childAbs)) {
        if (findKustomizationFile(tree, childAbs)) out.push(childRel);
        else walk(childRel);
        continue;
      }
      if (!/\.ya?ml$/.test(name)) continue;
      let docs: unknown[];
      try {
        docs = parseDocuments(readText(tree, childAbs), childAbs);
      } catch (err) {
        throw new Error(`Cannot generate a kustomization for ${dir || "."}: failed to decode Kubernetes YAML from ${childAbs}: ${(err as Error).message}`, { cause: err });
      }
      for (const d of docs) {
        if (!isObject(d) || typeof d.apiVersion !== "string" || typeof d.kind !== "string") {
          throw new Error(`Cannot generate a kustomization for ${dir || "."}: failed to decode Kubernetes YAML from ${childAbs}: missing apiVersion or kind`);
        }
      }
      out.push(childRel);
    }
  };
  walk("");
  return out;
}

/** The kustomization map Flux builds: the existing file's content or a generated one, with the spec's fields over it. */
export function fluxKustomization(tree: TreeReader, dir: string, spec: FluxKustomizationSpec): Record<string, unknown> {
  const existing = findKustomizationFile(tree, dir);
  let k: Record<string, unknown>;
  if (existing) {
    const doc = parseDocuments(readText(tree, existing), existing)[0];
    if (!isObject(doc)) throw new Error(`Invalid kustomization ${existing}: expected a YAML map`);
    k = structuredClone(doc);
  } else {
    const resources = generatedResources(tree, dir);
    k = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
    if (resources.length === 0) k.namespace = "_placeholder";
  }
  if (spec.targetNamespace) k.namespace = spec.targetNamespace;
  if (spec.namePrefix) k.namePrefix = spec.namePrefix;
  if (spec.nameSuffix) k.nameSuffix = spec.nameSuffix;
  const cm = spec.commonMetadata;
  if (cm?.labels && Object.keys(cm.labels).length) {
    k.labels = [...(Array.isArray(k.labels) ? k.labels : []), { pairs: cm.labels, includeSelectors: false }];
  }
  if (cm?.annotations && Object.keys(cm.annotations).length) {
    k.commonAnnotations = { ...(isObject(k.commonAnnotations) ? k.commonAnnotations : {}), ...cm.annotations };
  }
  if (spec.patches?.length) k.patches = [...(Array.isArray(k.patches) ? k.patches : []), ...spec.patches];
  if (spec.images?.length) {
    const images = (Array.isArray(k.images) ? k.images : []) as ImageEntry[];
    for (const img of spec.images) {
      const i = images.findIndex((x) => isObject(x) && x.name === img.name);
      if (i >= 0) images[i] = img;
      else images.push(img);
    }
    k.images = images;
  }
  if (spec.components?.length) {
    const comps = Array.isArray(k.components) ? [...(k.components as string[])] : [];
    for (const c of spec.components) {
      if (isRemote(c) || c.startsWith("/")) throw new Error(`Cannot use component "${c}": components must be local relative paths`);
      const path = joinPath(dir, c);
      if (!tree.isDir(path) && spec.ignoreMissingComponents) continue;
      comps.push(c);
    }
    if (comps.length) k.components = comps;
  }
  return k;
}

/** A view of `tree` where `dir`'s kustomization file is replaced by `kustomization` (written as JSON, which is YAML). */
export function withKustomization(tree: TreeReader, dir: string, kustomization: Record<string, unknown>): TreeReader {
  const path = dir === "" ? "kustomization.yaml" : `${dir}/kustomization.yaml`;
  const bytes = new TextEncoder().encode(JSON.stringify(kustomization));
  const hidden = new Set(["kustomization.yml", "Kustomization"].map((n) => (dir === "" ? n : `${dir}/${n}`)));
  return {
    read: (p) => (p === path ? bytes : hidden.has(p) ? undefined : tree.read(p)),
    isDir: (p) => tree.isDir(p),
    list: (p) => {
      const entries = tree.list(p).filter((e) => !hidden.has(p === "" ? e.name : `${p}/${e.name}`));
      if (p !== dir || entries.some((e) => e.name === "kustomization.yaml")) return entries;
      return [...entries, { name: "kustomization.yaml", kind: "file" as const, mode: 0o644 }].sort(byName);
    },
  };
}
