/**
 * A Flux Kustomization's build, as kustomize-controller runs it: overlay the spec onto the source path
 * (flux-overlay.ts), run kustomize, check every object has apiVersion, kind and name, apply post-build
 * substitution (substitute.ts), and digest the rendered stream with sha256 (the `history` digest).
 * Rendering is passed in (`emit`), so this module stays free of any particular YAML writer;
 * substituteFrom data is passed in already resolved, in spec order. Decryption stays outside: the caller
 * may hand in a transform of the files before the build (`prepareTree`, over the overlaid tree Flux's
 * generated kustomization.yaml is part of) and of the objects after it (`transformObjects`, before
 * substitution, where kustomize-controller decrypts resources).
 */
import { kustomizeBuild } from "./build.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { joinPath } from "./tree-path.ts";
import { fluxKustomization, withKustomization, type FluxKustomizationSpec } from "./flux-overlay.ts";
import { curId, formatId, type KObject } from "./resource.ts";
import { mergeVars, substituteResource } from "./substitute.ts";

export interface FluxBuildOptions {
  /** Renders objects as a YAML stream; used for substitution and for the digest. */
  emit: (objs: unknown[]) => string;
  /** Data of each substituteFrom entry, in spec order (missing optional sources left out by the caller). */
  substituteFrom?: Record<string, string>[];
  /** StrictPostBuildSubstitutions: an undefined variable without a default is an error. */
  strict?: boolean;
  /** Replaces the files the build reads (e.g. decrypted inputs); `dir` is the directory being built. */
  prepareTree?: (tree: TreeReader, dir: string) => TreeReader | Promise<TreeReader>;
  /** Rewrites the built objects before substitution (e.g. decrypted resources); throwing fails the build. */
  transformObjects?: (objects: KObject[]) => KObject[] | Promise<KObject[]>;
}

export interface FluxBuildResult {
  objects: KObject[];
  /** The rendered YAML stream. */
  yaml: string;
  /** `sha256:<hex>` of the rendered stream. */
  digest: string;
}

export async function fluxBuild(tree: TreeReader, spec: FluxKustomizationSpec, opts: FluxBuildOptions): Promise<FluxBuildResult> {
  const dir = joinPath("", spec.path ?? "");
  if (dir !== "" && !tree.isDir(dir)) throw new Error(`Cannot build: kustomization path not found: ${spec.path}`);
  let overlaid = withKustomization(tree, dir, fluxKustomization(tree, dir, spec));
  if (opts.prepareTree) overlaid = await opts.prepareTree(overlaid, dir);
  let objects = await kustomizeBuild(overlaid, dir);
  for (const o of objects) {
    const id = curId(o);
    if (!o.apiVersion || !id.kind || !id.name) throw new Error(`Cannot build: ${formatId(id)} is missing apiVersion, kind or metadata.name`);
  }
  if (opts.transformObjects) objects = await opts.transformObjects(objects);
  if (spec.postBuild) {
    const vars = mergeVars(opts.substituteFrom ?? [], spec.postBuild.substitute);
    objects = objects.map((o) => substituteResource(o, vars, opts.emit, opts.strict));
  }
  const yaml = opts.emit(objects);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(yaml));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { objects, yaml, digest: `sha256:${hex}` };
}
