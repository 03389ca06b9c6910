/**
 * The one read port over a tree of files: the kustomize engine builds from it, pack archives from it and
 * finds the tree's `.sourceignore` files through it. The in-memory artifact tree
 * (agent/artifact/file-tree.ts) implements it directly; agent/runtime/artifact-fs.ts implements it over a
 * real directory for the CLI. Paths are POSIX, relative to the root, without "./" or a trailing slash
 * ("" is the root). Reads are synchronous: every implementation either holds the bytes already or reads
 * small files from a local disk, and the build engine is synchronous throughout.
 */

export interface TreeEntry {
  name: string;
  /** "other" covers symlinks, devices, fifos, sockets: never followed; pack skips them, as Flux does. */
  kind: "file" | "dir" | "other";
  /** Permission bits (only the execute bits of files matter to pack). */
  mode: number;
}

export interface TreeReader {
  /**
   * The entries directly inside directory `dir`, ordered by `compareBytes` (Go's order, which fixes the
   * archive's entry order and so its digest); empty when `dir` is not a directory.
   */
  list(dir: string): readonly TreeEntry[];
  /** True when `path` is a directory (the root "" always is). */
  isDir(path: string): boolean;
  /** The bytes of the regular file at `path`, or undefined when there is none. */
  read(path: string): Uint8Array | undefined;
}

const enc = new TextEncoder();
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Go compares strings by UTF-8 bytes. For text without surrogate pairs that is the same order as JS's
 * UTF-16 comparison; only characters above U+FFFF need the byte comparison.
 */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Orders entries by name, as `TreeReader.list` promises. */
export function byName(a: TreeEntry, b: TreeEntry): number {
  return compareBytes(a.name, b.name);
}
