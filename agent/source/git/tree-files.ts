/**
 * Turns a commit's tree into a FileTree the artifact stage packs: regular files (mode 0o755 when git
 * says 100755, else 0o644) and directories (0o755). Symlinks (120000) are skipped because Flux's artifact
 * skips them, submodules (160000) because `recurseSubmodules` is not supported. `sparseCheckout` keeps
 * only the listed directories (go-git's sparse checkout, which Flux uses: root files are not kept); a
 * listed directory that does not exist is an error. Flux's `.sourceignore` + `spec.ignore` exclusions are
 * not applied here: pack applies them to the artifact (agent/artifact/pack.ts).
 *
 * Entry names are checked: ".", "..", empty names and names with "/" or "\\" or NUL are rejected (they
 * could escape the artifact root); ".git" entries are skipped.
 */
import { FileTree, type DirNode, type FileNode } from "../../artifact/file-tree.ts";
import { parseTree } from "./git-object.ts";
import type { GitObject } from "./packfile.ts";

export const DEFAULTS = {
  dirMode: 0o755,
  fileMode: 0o644,
  execMode: 0o755,
} as const;

const MODE_TREE = 0o40000;
const MODE_EXEC = 0o100755;
const MODE_SYMLINK = 0o120000;
const MODE_GITLINK = 0o160000;

export interface TreeFilesOptions {
  sparseCheckout?: string[];
}

function fail(msg: string): never {
  throw new Error(msg);
}

function lookup(objects: Map<string, GitObject>, id: string, type: GitObject["type"], path: string): GitObject {
  const o = objects.get(id);
  if (!o) fail(`object ${id} (${path || "root tree"}) is missing from the pack or does not match its id`);
  if (o.type !== type) fail(`object ${id} (${path || "root tree"}) is a ${o.type}, expected a ${type}`);
  return o;
}

/** Normalizes a sparse-checkout entry: "./a/b/" → "a/b"; "" and "." mean the whole tree. */
export function normalizeSparsePath(p: string): string {
  const parts = p.replace(/\\/g, "/").split("/").filter((x) => x !== "" && x !== ".");
  if (parts.some((x) => x === "..")) fail(`sparse checkout directory "${p}" must not contain ".."`);
  return parts.join("/");
}

export function treeFiles(objects: Map<string, GitObject>, rootTree: string, options: TreeFilesOptions = {}): FileTree {
  const files = new FileTree();
  const walk = (treeId: string, prefix: string): void => {
    const tree = lookup(objects, treeId, "tree", prefix);
    for (const e of parseTree(tree.data)) {
      if (e.name === "" || e.name === "." || e.name === ".." || /[/\\\0]/.test(e.name)) {
        fail(`tree entry "${e.name}" in "${prefix || "/"}" is not a valid file name`);
      }
      if (e.name === ".git") continue;
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.mode === MODE_TREE) {
        files.set(path, { kind: "dir", mode: DEFAULTS.dirMode } satisfies DirNode);
        walk(e.id, path);
      } else if (e.mode === MODE_SYMLINK || e.mode === MODE_GITLINK) continue;
      else {
        const blob = lookup(objects, e.id, "blob", path);
        files.set(path, { kind: "file", mode: e.mode === MODE_EXEC ? DEFAULTS.execMode : DEFAULTS.fileMode, data: blob.data } satisfies FileNode);
      }
    }
  };
  const sparse = (options.sparseCheckout ?? []).map(normalizeSparsePath);
  if (sparse.length === 0 || sparse.includes("")) walk(rootTree, "");
  else {
    for (const dir of [...new Set(sparse)].sort()) {
      if (files.has(dir)) continue; // nested inside one already walked
      let id = rootTree;
      const parts = dir.split("/");
      for (let i = 0; i < parts.length; i++) {
        const entries = parseTree(lookup(objects, id, "tree", parts.slice(0, i).join("/")).data);
        const e = entries.find((x) => x.name === parts[i]);
        if (!e || e.mode !== MODE_TREE) fail(`sparse checkout directory "${dir}" does not exist in the repository`);
        id = e.id;
        const sub = parts.slice(0, i + 1).join("/");
        if (!files.has(sub)) files.set(sub, { kind: "dir", mode: DEFAULTS.dirMode });
      }
      walk(id, dir);
    }
  }
  return files;
}
