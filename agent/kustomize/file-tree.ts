/**
 * The read-only view of an artifact's files that the build engine works on. Paths are POSIX, relative to
 * the artifact root, without a leading "./" ("" is the root). The engine never touches a real filesystem:
 * the CLI loads a directory into a `Map` and hands it over, the agent passes the untarred artifact.
 * Paths that leave the root are refused here, so nothing downstream can escape it.
 */

export interface FileTree {
  /** The bytes of a file, or undefined when there is no such file. */
  read(path: string): Uint8Array | undefined;
  /** True when the path is a directory (the root "" always is). */
  isDir(path: string): boolean;
  /** The names (not paths) of the entries directly inside a directory, sorted. */
  list(path: string): string[];
}

/** Wraps a map of file path to bytes; directories are implied by the paths of the files under them. */
export function mapFileTree(files: Map<string, Uint8Array>): FileTree {
  const dirs = new Map<string, Set<string>>();
  dirs.set("", new Set());
  for (const file of files.keys()) {
    const parts = file.split("/");
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      let entries = dirs.get(parent);
      if (!entries) dirs.set(parent, (entries = new Set()));
      entries.add(parts[i]!);
    }
  }
  const sorted = new Map<string, string[]>();
  return {
    read: (path) => files.get(path),
    isDir: (path) => dirs.has(path),
    list(path) {
      let names = sorted.get(path);
      if (!names) sorted.set(path, (names = [...(dirs.get(path) ?? [])].sort()));
      return names;
    },
  };
}

/** Builds a tree from text files, handy for tests and for generated kustomizations. */
export function textFileTree(files: Record<string, string>): FileTree {
  const enc = new TextEncoder();
  return mapFileTree(new Map(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])));
}

/**
 * Joins `rel` onto directory `dir` and normalises "." and "..". Throws when the result leaves the root,
 * which is how kustomize's secure loader (and Flux's fsSecure) refuse paths outside the artifact.
 */
export function joinPath(dir: string, rel: string): string {
  if (rel.startsWith("/")) throw new Error(`Cannot load "${rel}": absolute paths are outside the artifact root`);
  const out = dir === "" ? [] : dir.split("/");
  for (const part of rel.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) throw new Error(`Cannot load "${rel}" from "${dir || "."}": path escapes the artifact root`);
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
export function readText(tree: FileTree, path: string): string {
  const bytes = tree.read(path);
  if (!bytes) throw new Error(`Cannot read "${path}": no such file`);
  return decoder.decode(bytes);
}
