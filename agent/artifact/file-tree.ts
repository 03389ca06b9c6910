/**
 * The in-memory shape of an artifact: a map from relative slash-separated paths (no "./", no trailing
 * slash, no root entry) to files and directories. It is what unpack returns on the agent's normal path (no
 * disk) and one of the inputs pack accepts. Also the two small I/O ports pack and unpack use for real
 * directories; agent/runtime/artifact-fs.ts implements them with node:fs.
 */

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
export type FileTree = Map<string, TreeNode>;

export interface SourceEntry {
  name: string;
  /** "other" covers symlinks, devices, fifos, sockets: pack skips them, as Flux does. */
  kind: "file" | "dir" | "other";
  mode: number;
}

/** Read access to a directory tree; paths are relative to its root ("" is the root). Never follows links. */
export interface TreeSource {
  list(dir: string): Promise<SourceEntry[]>;
  read(path: string): Promise<Uint8Array>;
}

/** Write access below a target directory; implementations refuse to write through symlinks. */
export interface TreeSink {
  mkdir(path: string, mode: number): Promise<void>;
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
}

/** A TreeSource over an in-memory tree; parent directories of files are implied. */
export function treeSource(tree: FileTree): TreeSource {
  const children = new Map<string, Map<string, SourceEntry>>([["", new Map()]]);
  const add = (path: string, node: TreeNode): void => {
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const name = parts[i]!;
      const full = dir ? `${dir}/${name}` : name;
      const last = i === parts.length - 1;
      let kids = children.get(dir);
      if (!kids) children.set(dir, (kids = new Map()));
      if (last) kids.set(name, { name, kind: node.kind, mode: node.mode });
      else if (!kids.has(name)) kids.set(name, { name, kind: "dir", mode: 0o755 });
      if (!last || node.kind === "dir") if (!children.has(full)) children.set(full, new Map());
    }
  };
  for (const [path, node] of tree) add(path, node);
  return {
    list: async (dir) => [...(children.get(dir)?.values() ?? [])],
    read: async (path) => {
      const n = tree.get(path);
      if (n?.kind !== "file") throw new Error(`Cannot read "${path}": not a file in the tree`);
      return n.data;
    },
  };
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
