/**
 * Paths inside the tree the build engine reads (a TreeReader, agent/core/tree-reader.ts): POSIX, relative
 * to the artifact root, without a leading "./" ("" is the root). The engine never touches a real
 * filesystem: the agent passes the unpacked artifact, the CLI a reader over a directory. Paths that leave
 * the root are refused here, so nothing downstream can escape it.
 */
import type { TreeReader } from "../core/tree-reader.ts";

/** A path that leaves the root of the tree; callers that know what the root is can say so. */
export class PathEscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathEscapeError";
  }
}

/**
 * Joins `rel` onto directory `dir` and normalises "." and "..". Throws when the result leaves the root,
 * which is how kustomize's secure loader (and Flux's fsSecure) refuse paths outside the artifact.
 */
export function joinPath(dir: string, rel: string): string {
  if (rel.startsWith("/")) throw new PathEscapeError(`Cannot load "${rel}": absolute paths are outside the artifact root`);
  const out = dir === "" ? [] : dir.split("/");
  for (const part of rel.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) throw new PathEscapeError(`Cannot load "${rel}" from "${dir || "."}": path escapes the artifact root`);
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

/** The directory part of a path ("" for a file at the root). */
export function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The last element of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Reads a file as UTF-8 text, or throws naming the file. */
export function readText(tree: TreeReader, path: string): string {
  const bytes = tree.read(path);
  if (!bytes) throw new Error(`Cannot read "${path}": no such file`);
  return decoder.decode(bytes);
}
