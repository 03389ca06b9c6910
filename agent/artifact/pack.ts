/**
 * Packs a directory tree into a tar.gz in Flux's artifact format (reference/flux.md §2.2): a lexical
 * depth-first walk starting with a "." directory entry, only regular files and directories (anything else
 * is skipped, never followed), uid/gid 0, empty owner names, mtime 0, modes 0750 for directories, 0600 for
 * files and 0700 for files with any execute bit, then gzip. The tar is assembled in one buffer and
 * compressed in one shot by the WASM deflate (gzip.ts): its bytes depend only on the tree, never on the
 * runtime, so the digest is stable across Bun, Deno and Node. The whole tar is held in memory.
 * Pack is the one place that excludes: it applies a SourceIgnore (source-ignore.ts) to every path it
 * walks. By default it builds Flux's rules from the tree's `.sourceignore` files and `spec.ignore`; a
 * source that already built its rules to fetch less (a Bucket) hands them over instead.
 * Pack also enforces the artifact limits (core/limits.ts) on what it keeps, so every stored artifact is
 * one the unpacker accepts: entries are counted before any file is read, sizes before any is copied.
 */
import { DEFAULTS as LIMITS, exceeded, type Limits } from "../core/limits.ts";
import { byName, type TreeEntry, type TreeReader } from "../core/tree-reader.ts";
import { digestOf, type Digest, type Sha256Factory } from "./digest.ts";
import { gzipDeterministic } from "./gzip.ts";
import { treeIgnore, type SourceIgnore } from "./source-ignore.ts";
import { padded } from "./tar-format.ts";
import { TAR_TRAILER, tarHeader } from "./tar-write.ts";

export const DEFAULTS = {
  dirMode: 0o750,
  fileMode: 0o600,
  execMode: 0o700,
} as const;

/** What decides the exclusions: the tree's own rules (with `spec.ignore`), or rules built beforehand. */
export type PackRules =
  | {
      /** `spec.ignore`: gitignore lines applied last, scoped to the root. */
      ignore?: string;
      rules?: undefined;
    }
  | {
      /** Rules already built for this tree (bucket fetch: `bucketIgnore`), used as they are. */
      rules: SourceIgnore;
      ignore?: undefined;
    };

export type PackOptions = PackRules & {
  /** The runtime's native SHA-256; see digest.ts. */
  sha256?: Sha256Factory;
  /** Entries, artifact and file sizes; core/limits.ts's DEFAULTS when absent. */
  limits?: Pick<Limits, "maxEntries" | "maxArtifactSize" | "maxFileSize">;
};

export interface PackResult {
  /** The tar.gz bytes. */
  bytes: Uint8Array;
  digest: Digest;
  /** Number of tar entries written, the root "." included. */
  entries: number;
}

interface Walked {
  path: string;
  entry: TreeEntry;
}

export async function pack(tree: TreeReader, options: PackOptions = {}): Promise<PackResult> {
  const rules = options.rules ?? treeIgnore(tree, options.ignore);
  const limits = { ...LIMITS, ...options.limits };
  const walked: Walked[] = [];
  walk(tree, "", walked);
  const kept = walked.filter(({ path, entry }) => !rules.ignores(path, entry.kind === "dir"));
  // The root "." is an entry too, as unpack counts it.
  const entries = kept.length + 1;
  if (entries > limits.maxEntries) throw exceeded("maxEntries", "the artifact", entries, limits.maxEntries);
  // Headers and file contents in order; each starts on a 512-byte block, the gaps stay zero.
  const parts: Uint8Array[] = [tarHeader({ name: ".", type: "dir", mode: DEFAULTS.dirMode, size: 0 })];
  let total = 0;
  for (const { path, entry } of kept) {
    if (entry.kind === "dir") {
      parts.push(tarHeader({ name: path, type: "dir", mode: DEFAULTS.dirMode, size: 0 }));
      continue;
    }
    const data = tree.read(path);
    if (!data) throw new Error(`Cannot pack "${path}": the file is gone from the tree`);
    if (data.length > limits.maxFileSize) throw exceeded("maxFileSize", `file "${path}"`, data.length, limits.maxFileSize);
    total += data.length;
    if (total > limits.maxArtifactSize) throw exceeded("maxArtifactSize", "the artifact", sizeOf(tree, kept), limits.maxArtifactSize);
    const mode = entry.mode & 0o111 ? DEFAULTS.execMode : DEFAULTS.fileMode;
    parts.push(tarHeader({ name: path, type: "file", mode, size: data.length }), data);
  }
  const bytes = gzipDeterministic(assemble(parts));
  return { bytes, digest: await digestOf(bytes, options.sha256), entries };
}

/** The sum of the kept files' sizes, for the message of a tree over the artifact limit. */
function sizeOf(tree: TreeReader, kept: readonly Walked[]): number {
  let n = 0;
  for (const { path, entry } of kept) if (entry.kind === "file") n += tree.read(path)?.length ?? 0;
  return n;
}

/** The tar: each part padded to whole blocks, then the two zero blocks that end an archive. */
function assemble(parts: readonly Uint8Array[]): Uint8Array {
  let size = TAR_TRAILER.length;
  for (const p of parts) size += padded(p.length);
  const tar = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    tar.set(p, at);
    at += padded(p.length);
  }
  return tar;
}

/**
 * Lexical (bytewise, as Go sorts) depth-first walk over regular files and directories. The port lists in
 * that order already; sorting again costs little on sorted input and keeps the digest independent of a
 * reader that forgets.
 */
function walk(tree: TreeReader, dir: string, out: Walked[]): void {
  const entries = tree.list(dir).filter((e) => e.kind !== "other").sort(byName);
  for (const e of entries) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    out.push({ path, entry: e });
    if (e.kind === "dir") walk(tree, path, out);
  }
}
