/** Placeholder, replaced below. */
import type { FileTree } from "./file-tree.ts";
import type { Kustomization } from "./kustomization-file.ts";
import type { Resource } from "./resource.ts";
export function applyReplacements(_tree: FileTree, _k: Kustomization, _r: Resource[]): void {
  throw new Error("replacements are not supported yet");
}
