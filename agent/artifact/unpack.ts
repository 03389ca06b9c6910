/**
 * Unpacks a tar.gz artifact into an in-memory FileTree (the agent's normal path: no disk), or through a
 * TreeSink into a directory. Safe by default, at least as strict as Flux's pkg/tar (reference/flux.md §4):
 * the expected digest is checked before anything is inflated; the uncompressed size is capped while
 * inflating (a gzip bomb stops early) and again as the sum of entry sizes; the entry count is capped;
 * absolute paths, `..` segments, backslashes, hard links, devices and fifos are rejected; symlinks are an
 * error unless `skipSymlinks` is set. The whole archive is validated before the first byte is written, so
 * a rejected archive writes nothing.
 */
import { digestOf, type Digest, type Sha256Factory } from "./digest.ts";
import { FileTree, writeTree, type TreeSink } from "./file-tree.ts";
import { concat } from "../core/bytes.ts";
import { DEFAULTS as LIMITS, exceeded } from "../core/limits.ts";
import { gunzip, type NativeGunzip } from "./gunzip.ts";
import { BLOCK } from "./tar-format.ts";
import type { TarIndexer } from "./tar-index.ts";
import { scanTar, type TarEntry } from "./tar-scan.ts";

export const DEFAULTS = {
  /** Sum of entry sizes: the agent's maxArtifactSize (core/limits.ts). Infinity disables the cap. */
  maxSize: LIMITS.maxArtifactSize,
  /** Tar headers of any kind: the agent's maxEntries (core/limits.ts). */
  maxEntries: LIMITS.maxEntries,
  /** Mode for directories that are implied by a file's path but have no entry of their own. */
  impliedDirMode: 0o750,
} as const;

export interface UnpackOptions {
  maxSize?: number;
  maxEntries?: number;
  /** Largest single file; unlimited when absent (the sum is capped by maxSize). */
  maxFileSize?: number;
  /** When set, the compressed bytes must hash to it, checked before inflating. */
  digest?: Digest;
  /** Skip symlink entries instead of failing (Flux's WithSkipSymlinks, used for OCI layers). */
  skipSymlinks?: boolean;
  sha256?: Sha256Factory;
  gunzip?: NativeGunzip;
  indexer?: TarIndexer;
}

const PREFIX = "Cannot extract the tar archive";

export async function unpack(input: Uint8Array | ReadableStream<Uint8Array>, options: UnpackOptions = {}): Promise<FileTree> {
  const maxSize = options.maxSize ?? DEFAULTS.maxSize;
  const maxEntries = options.maxEntries ?? DEFAULTS.maxEntries;
  const gz = input instanceof Uint8Array ? input : await readAll(input);
  if (options.digest) {
    const actual = await digestOf(gz, options.sha256);
    if (actual !== options.digest) {
      throw new Error(`${PREFIX}: digest mismatch: expected ${options.digest}, got ${actual}`);
    }
  }
  // Bounds the inflated stream: content plus at most 1 KiB of header and padding per entry, plus the
  // trailer blocks (GNU tar pads to a 10 KiB record).
  const maxTar = maxSize === Infinity ? 2 ** 52 : maxSize + 2 * BLOCK * (maxEntries + 20);
  const tar = gunzip(gz, maxTar, options.gunzip);
  const entries = scanTar(tar, { maxEntries, maxSize }, options.indexer);
  const maxFile = options.maxFileSize ?? Infinity;
  for (const e of entries) if (e.data.length > maxFile) throw exceeded("maxFileSize", `${PREFIX}: file "${e.name}"`, e.data.length, maxFile);
  return buildTree(entries, options.skipSymlinks ?? false);
}

/** Unpacks and writes into a directory; nothing is written unless the whole archive is acceptable. */
export async function unpackTo(
  input: Uint8Array | ReadableStream<Uint8Array>,
  sink: TreeSink,
  options: UnpackOptions = {},
): Promise<FileTree> {
  const tree = await unpack(input, options);
  await writeTree(tree, sink);
  return tree;
}

/** Turns scanned entries into a tree, enforcing the name and type rules. Later entries replace earlier ones. */
export function buildTree(entries: TarEntry[], skipSymlinks: boolean): FileTree {
  const tree = new FileTree();
  for (const e of entries) {
    if (e.type === "symlink" && skipSymlinks) continue;
    const path = safePath(e.name);
    checkType(e);
    if (path === "") continue; // the root itself ("." or "./")
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const existing = tree.get(dir);
      if (existing?.kind === "file") throw new Error(`${PREFIX}: entry "${e.name}" is inside "${dir}", which is a file`);
      if (!existing) tree.set(dir, { kind: "dir", mode: DEFAULTS.impliedDirMode });
    }
    const existing = tree.get(path);
    if (e.type === "dir") {
      if (existing?.kind === "file") throw new Error(`${PREFIX}: entry "${e.name}" is a directory and a file`);
      tree.set(path, { kind: "dir", mode: e.mode & 0o777 });
    } else {
      if (existing?.kind === "dir") throw new Error(`${PREFIX}: entry "${e.name}" is a directory and a file`);
      tree.set(path, { kind: "file", mode: e.mode & 0o777, data: e.data });
    }
  }
  return tree;
}

/** The normalized relative path of an entry, or an error naming why the name is unsafe. */
export function safePath(name: string): string {
  if (name === "") throw new Error(`${PREFIX}: an entry has an empty name`);
  if (name.includes("\0")) throw new Error(`${PREFIX}: entry ${JSON.stringify(name)} has a NUL byte in its name`);
  if (name.includes("\\")) throw new Error(`${PREFIX}: entry "${name}" contains a backslash`);
  if (name.startsWith("/")) throw new Error(`${PREFIX}: entry "${name}" has an absolute path`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`${PREFIX}: entry "${name}" escapes the target directory`);
  return parts.join("/");
}

function checkType(e: TarEntry): void {
  const what: Partial<Record<TarEntry["type"], string>> = {
    symlink: "a symlink",
    hardlink: "a hard link",
    "char-device": "a character device",
    "block-device": "a block device",
    fifo: "a fifo",
  };
  const w = what[e.type];
  if (w) throw new Error(`${PREFIX}: entry "${e.name}" is ${w}, which is not allowed`);
  if (e.type === "unknown") {
    throw new Error(`${PREFIX}: entry "${e.name}" has the unsupported type flag ${JSON.stringify(e.typeflag)}`);
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  return concat(chunks);
}
