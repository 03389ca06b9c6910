/**
 * Packs a directory tree into a tar.gz in Flux's artifact format (reference/flux.md §2.2): a lexical
 * depth-first walk starting with a "." directory entry, only regular files and directories (anything else
 * is skipped, never followed), uid/gid 0, empty owner names, mtime 0, modes 0750 for directories, 0600 for
 * files and 0700 for files with any execute bit, then gzip. The tar is assembled in one buffer and
 * compressed in one shot by the WASM deflate (gzip.ts): its bytes depend only on the tree, never on the
 * runtime, so the digest is stable across Bun, Deno and Node. The whole tar is held in memory.
 * Exclusions are Flux's `.sourceignore` rules plus `spec.ignore` (source-ignore.ts).
 */
import { digestOf, type Digest, type Sha256Factory } from "./digest.ts";
import type { SourceEntry, TreeSource } from "./file-tree.ts";
import { gzipDeterministic } from "./gzip.ts";
import { createSourceIgnore, DEFAULTS as IGNORE, type IgnoreFile } from "./source-ignore.ts";
import { padded } from "./tar-format.ts";
import { TAR_TRAILER, tarHeader } from "./tar-write.ts";

export const DEFAULTS = {
  dirMode: 0o750,
  fileMode: 0o600,
  execMode: 0o700,
} as const;

export interface PackOptions {
  /** `spec.ignore`: gitignore lines applied last, scoped to the root. */
  ignore?: string;
  /**
   * Pack everything, with no `.sourceignore` or default patterns: Flux archives a Bucket's download
   * this way, since the bucket's own ignore rules were applied to its keys while fetching.
   */
  noFilter?: boolean;
  /** The runtime's native SHA-256; see digest.ts. */
  sha256?: Sha256Factory;
}

export interface PackResult {
  /** The tar.gz bytes. */
  bytes: Uint8Array;
  digest: Digest;
  /** Number of tar entries written, the root "." included. */
  entries: number;
}

interface Walked {
  path: string;
  entry: SourceEntry;
}

export async function pack(source: TreeSource, options: PackOptions = {}): Promise<PackResult> {
  const walked: Walked[] = [];
  const ignoreFiles: IgnoreFile[] = [];
  await walk(source, "", walked, ignoreFiles);
  const filter = createSourceIgnore(ignoreFiles, options.ignore);
  // Headers and file contents in order; each starts on a 512-byte block, the gaps stay zero.
  const parts: Uint8Array[] = [tarHeader({ name: ".", type: "dir", mode: DEFAULTS.dirMode, size: 0 })];
  let entries = 1;
  for (const { path, entry } of walked) {
    if (!options.noFilter && filter.ignores(path, entry.kind === "dir")) continue;
    entries++;
    if (entry.kind === "dir") {
      parts.push(tarHeader({ name: path, type: "dir", mode: DEFAULTS.dirMode, size: 0 }));
      continue;
    }
    const data = await source.read(path);
    const mode = entry.mode & 0o111 ? DEFAULTS.execMode : DEFAULTS.fileMode;
    parts.push(tarHeader({ name: path, type: "file", mode, size: data.length }), data);
  }
  const bytes = gzipDeterministic(assemble(parts));
  return { bytes, digest: await digestOf(bytes, options.sha256), entries };
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

/** Lexical (bytewise, as Go sorts) depth-first walk; collects `.sourceignore` files except under `.git`. */
async function walk(source: TreeSource, dir: string, out: Walked[], ignoreFiles: IgnoreFile[]): Promise<void> {
  const list = (await source.list(dir)).filter((e) => e.kind !== "other").sort((a, b) => compareBytes(a.name, b.name));
  const sourceignore = list.find((e) => e.name === IGNORE.fileName && e.kind === "file");
  if (sourceignore) {
    const path = dir ? `${dir}/${sourceignore.name}` : sourceignore.name;
    ignoreFiles.push({ dir, content: new TextDecoder().decode(await source.read(path)) });
  }
  for (const e of list) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    out.push({ path, entry: e });
    if (e.kind === "dir" && !(e.name === ".git")) await walk(source, path, out, ignoreFiles);
    else if (e.kind === "dir") await walkNoIgnore(source, path, out);
  }
}

/** `.git` is walked for the archive (the VCS defaults exclude it) but its ignore files are not loaded. */
async function walkNoIgnore(source: TreeSource, dir: string, out: Walked[]): Promise<void> {
  const list = (await source.list(dir)).filter((e) => e.kind !== "other").sort((a, b) => compareBytes(a.name, b.name));
  for (const e of list) {
    const path = `${dir}/${e.name}`;
    out.push({ path, entry: e });
    if (e.kind === "dir") await walkNoIgnore(source, path, out);
  }
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
