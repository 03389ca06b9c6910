/**
 * The in-memory shape of an artifact: a map from relative slash-separated paths (no "./", no trailing
 * slash, no root entry) to files and directories. It is what unpack returns on the agent's normal path (no
 * disk), what the sources fetch into, and it is itself a TreeReader (agent/core/tree-reader.ts), so pack
 * and the kustomize engine read it as it is, without a copy. Also the write port unpack uses for real
 * directories; agent/runtime/artifact-fs.ts implements it with node:fs.
 */
import { byName, type TreeEntry, type TreeReader } from "../core/tree-reader.ts";

export interface FileNode {
  kind: "file";
  /** Permission bits. */
  mode: number;
  data: Uint8Array;
}

export interface DirNode {
  kind: "dir";
  mode: number;
}

export type TreeNode = FileNode | DirNode;

export const DEFAULTS = {
  /** Mode listed for a directory that only the paths below it imply. */
  impliedDirMode: 0o755,
  /** Mode of the files `textFileTree` makes. */
  textFileMode: 0o644,
} as const;

/**
 * A Map of path to node that also reads as a tree: parent directories of files are implied, explicit
 * directory nodes (empty ones included) are directories too. The directory index is built on the first
 * `list`/`isDir` after a change, so filling the map costs nothing extra and reading costs one pass.
 */
export class FileTree extends Map<string, TreeNode> implements TreeReader {
  #index: Map<string, readonly TreeEntry[]> | undefined;

  constructor(entries?: Iterable<readonly [string, TreeNode]>) {
    // Filled after super(): Map's constructor would call set() before #index exists.
    super();
    if (entries) for (const [path, node] of entries) this.set(path, node);
  }

  override set(path: string, node: TreeNode): this {
    this.#index = undefined;
    return super.set(path, node);
  }

  override delete(path: string): boolean {
    this.#index = undefined;
    return super.delete(path);
  }

  override clear(): void {
    this.#index = undefined;
    super.clear();
  }

  list(dir: string): readonly TreeEntry[] {
    return this.#dirs().get(dir) ?? [];
  }

  isDir(path: string): boolean {
    return this.#dirs().has(path);
  }

  read(path: string): Uint8Array | undefined {
    const node = this.get(path);
    return node?.kind === "file" ? node.data : undefined;
  }

  #dirs(): Map<string, readonly TreeEntry[]> {
    if (this.#index) return this.#index;
    const children = new Map<string, Map<string, TreeEntry>>([["", new Map()]]);
    const childrenOf = (dir: string): Map<string, TreeEntry> => {
      let kids = children.get(dir);
      if (!kids) children.set(dir, (kids = new Map()));
      return kids;
    };
    for (const [path, node] of this) {
      let dir = "";
      for (let start = 0; ; ) {
        const slash = path.indexOf("/", start);
        const full = slash < 0 ? path : path.slice(0, slash);
        const name = full.slice(start);
        const siblings = childrenOf(dir);
        if (slash < 0) {
          siblings.set(name, { name, kind: node.kind, mode: node.mode });
          if (node.kind === "dir") childrenOf(full);
          break;
        }
        // An explicit node listed earlier keeps its kind and mode; a later one replaces this.
        if (!siblings.has(name)) siblings.set(name, { name, kind: "dir", mode: DEFAULTS.impliedDirMode });
        childrenOf(full);
        dir = full;
        start = slash + 1;
      }
    }
    const index = new Map<string, readonly TreeEntry[]>();
    for (const [dir, kids] of children) index.set(dir, [...kids.values()].sort(byName));
    return (this.#index = index);
  }
}

/** Builds a tree of text files (mode 0644), handy for tests and for generated kustomizations. */
export function textFileTree(files: Record<string, string>): FileTree {
  const enc = new TextEncoder();
  return new FileTree(Object.entries(files).map(([path, text]) => [path, { kind: "file", mode: DEFAULTS.textFileMode, data: enc.encode(text) }]));
}

/** Write access below a target directory; implementations refuse to write through symlinks. */
export interface TreeSink {
  mkdir(path: string, mode: number): Promise<void>;
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
}

/** Writes a tree below the sink's root: directories first (parents before children), then files. */
export async function writeTree(tree: FileTree, sink: TreeSink): Promise<void> {
  const paths = [...tree.keys()].sort();
  for (const p of paths) {
    const n = tree.get(p)!;
    if (n.kind === "dir") await sink.mkdir(p, n.mode);
  }
  for (const p of paths) {
    const n = tree.get(p)!;
    if (n.kind === "file") await sink.writeFile(p, n.data, n.mode);
  }
}
