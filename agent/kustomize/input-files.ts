/**
 * The files a kustomization reads as data rather than as resources: what `secretGenerator` `files` and
 * `envs` name and what `patches` load by `path`, found in the kustomization of a directory and, through
 * its `resources` (and legacy `bases`) and `components`, in every directory it pulls in. This is the set
 * kustomize-controller decrypts before the build; the engine itself knows nothing of decryption, it only
 * answers "which files", confined to the tree: a path that leaves the root is refused here as the build
 * would refuse it. Directories without a kustomization, plain files and remote URLs are not followed.
 */
import type { TreeReader } from "../core/tree-reader.ts";
import { loadKustomization, type Kustomization } from "./kustomization-file.ts";
import { joinPath } from "./tree-path.ts";

export type InputFileUse = "secretGenerator.files" | "secretGenerator.envs" | "patches";

export interface InputFile {
  /** Path in the tree. */
  path: string;
  use: InputFileUse;
  /** The data key a `files` entry lands under (`key=path`, or the path as written). */
  key?: string;
  /** The kustomization file that names it. */
  from: string;
}

/** A patch path with a scheme and a host is fetched by kustomize, never read from the tree. */
function isRemoteUrl(path: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]/.test(path);
}

/** Input files of the kustomization in `dir` and of everything it includes, each path once (first use wins). */
export function inputFiles(tree: TreeReader, dir: string): InputFile[] {
  const out = new Map<string, InputFile>();
  const visited = new Set<string>();
  const visit = (d: string): void => {
    if (visited.has(d)) return;
    visited.add(d);
    const k = loadKustomization(tree, d);
    if (!k) return;
    for (const f of filesOf(k)) if (!out.has(f.path)) out.set(f.path, f);
    for (const ref of [...k.resources, ...k.components]) {
      const sub = pathIn(k, ref);
      if (tree.isDir(sub)) visit(sub);
    }
  };
  visit(dir);
  return [...out.values()];
}

/** A path named by `k`, in the tree; one that leaves the root is refused, naming the kustomization. */
function pathIn(k: Kustomization, rel: string): string {
  try {
    return joinPath(k.dir, rel);
  } catch (err) {
    throw new Error(`Invalid kustomization ${k.file}: ${(err as Error).message}`, { cause: err });
  }
}

function filesOf(k: Kustomization): InputFile[] {
  const out: InputFile[] = [];
  for (const gen of k.secretGenerator) {
    for (const src of gen.files ?? []) {
      const eq = src.indexOf("=");
      const key = eq < 0 ? src : src.slice(0, eq);
      const path = eq < 0 ? src : src.slice(eq + 1);
      out.push({ path: pathIn(k, path), use: "secretGenerator.files", key, from: k.file });
    }
    for (const env of [...(gen.envs ?? []), ...(gen.env ? [gen.env] : [])]) {
      out.push({ path: pathIn(k, env), use: "secretGenerator.envs", from: k.file });
    }
  }
  for (const p of k.patches) {
    if (!p.path || isRemoteUrl(p.path)) continue;
    out.push({ path: pathIn(k, p.path), use: "patches", from: k.file });
  }
  return out;
}
