/**
 * The write side of git's object model: encodes trees and commits exactly as `git` does (so the ids are the
 * ones `git write-tree` and `git commit-tree` compute) and applies a set of changed files to a checked-out
 * commit's tree, rewriting only the trees on the changed paths. Unchanged subtrees keep their ids and are
 * not re-encoded; the result lists only objects the checkout does not already hold, which is what the
 * packfile for a push must carry.
 *
 * Limits: paths are checked like tree-files.ts checks names on read (no "", ".", "..", ".git", NUL or
 * backslash components), so a change cannot write outside the tree or into git's own directory.
 */
import { GitError } from "./git-error.ts";
import { parseTree, type Signature, type TreeEntry } from "./git-object.ts";
import { objectId, type ObjectType, type Sha1 } from "./object-id.ts";
import type { GitObject } from "./packfile.ts";

export const MODES = {
  tree: 0o40000,
  file: 0o100644,
  exec: 0o100755,
  symlink: 0o120000,
  gitlink: 0o160000,
} as const;

/** New content for a path (mode defaults to the existing file's, else 100644), or null to delete it. */
export type FileChange = Uint8Array | string | { data: Uint8Array | string; mode?: number } | null;
export type FileChanges = Map<string, FileChange> | Record<string, FileChange>;

/** Reads objects the checkout holds (the fetched pack) and the ones written since. */
export interface ObjectStore {
  get(id: string): GitObject | undefined;
  has(id: string): boolean;
}

const enc = new TextEncoder();

function fail(msg: string): never {
  throw new GitError("unsupported", `Cannot write the git tree: ${msg}`);
}

/** Git's tree order: names compared bytewise, a tree's name as if it ended with "/". */
function sortKey(e: TreeEntry): Uint8Array {
  return enc.encode(e.mode === MODES.tree ? `${e.name}/` : e.name);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A tree object's bytes: `<octal mode> <name>\0<20-byte id>` per entry, in git's order. */
export function encodeTree(entries: TreeEntry[]): Uint8Array {
  const sorted = entries.map((e) => ({ e, key: sortKey(e) })).sort((a, b) => compareBytes(a.key, b.key));
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const { e } of sorted) {
    const head = enc.encode(`${e.mode.toString(8)} ${e.name}\0`);
    const id = new Uint8Array(20);
    for (let i = 0; i < 20; i++) id[i] = Number.parseInt(e.id.slice(i * 2, i * 2 + 2), 16);
    parts.push(head, id);
    size += head.length + 20;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Signs a commit's payload (the commit without `gpgsig`) and returns the armored signature. */
export type CommitSigner = (payload: Uint8Array) => Promise<string>;

export interface CommitFields {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
  /** An armored signature, written as the `gpgsig` header. */
  signature?: string;
}

/** `Name <email> 1700000000 +0000`; angle brackets and newlines in name or email are refused as git does. */
export function formatSignature(s: Signature): string {
  if (/[<>\n]/.test(s.name) || /[<>\n]/.test(s.email)) {
    throw new GitError("unsupported", `Cannot write the git commit: name or email of "${s.name} <${s.email}>" contains "<", ">" or a newline`);
  }
  if (!/^[+-]\d{4}$/.test(s.zone)) throw new GitError("unsupported", `Cannot write the git commit: time zone "${s.zone}" is not of the form +HHMM`);
  return `${s.name.trim()} <${s.email.trim()}> ${Math.floor(s.when)} ${s.zone}`;
}

/**
 * A commit object's bytes. Without `signature` this is also the payload a signer signs; with it, the
 * signature goes into a `gpgsig` header after `committer`, each further line indented by one space.
 * The message gets the trailing newline `git commit` gives it.
 */
export function encodeCommit(c: CommitFields): Uint8Array {
  let head = `tree ${c.tree}\n`;
  for (const p of c.parents) head += `parent ${p}\n`;
  head += `author ${formatSignature(c.author)}\ncommitter ${formatSignature(c.committer)}\n`;
  if (c.signature !== undefined) {
    const sig = c.signature.endsWith("\n") ? c.signature.slice(0, -1) : c.signature;
    head += `gpgsig ${sig.split("\n").join("\n ")}\n`;
  }
  const message = c.message.endsWith("\n") || c.message === "" ? c.message : `${c.message}\n`;
  return enc.encode(`${head}\n${message}`);
}

/** Checks a change's path and splits it into components. */
export function splitPath(path: string): string[] {
  const parts = path.split("/");
  for (const p of parts) {
    if (p === "" || p === "." || p === ".." || p.includes("\0") || p.includes("\\") || p.toLowerCase() === ".git") {
      fail(`path "${path}" is not a valid file path in a repository`);
    }
  }
  return parts;
}

interface DirEdit {
  files: Map<string, FileChange>;
  dirs: Map<string, DirEdit>;
}

export interface WriteTreeResult {
  /** The new root tree's id (equal to the old one when nothing changed). */
  tree: string;
  /** Objects written that the store did not hold: blobs and rewritten trees. */
  objects: Map<string, GitObject>;
}

/**
 * Applies `changes` to the tree `rootTree` (read from `store`). Deleting a missing file is a no-op; a
 * directory left empty disappears, as in git. A file replacing a directory (or the reverse) is refused.
 */
export function writeTree(store: ObjectStore, rootTree: string | undefined, changes: FileChanges, sha1: Sha1): WriteTreeResult {
  const root: DirEdit = { files: new Map(), dirs: new Map() };
  const entries = changes instanceof Map ? [...changes] : Object.entries(changes);
  for (const [path, change] of entries) {
    const parts = splitPath(path);
    let dir = root;
    for (const p of parts.slice(0, -1)) {
      if (dir.files.has(p)) fail(`path "${path}" puts a file and a directory at the same place`);
      let next = dir.dirs.get(p);
      if (!next) dir.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
      dir = next;
    }
    const name = parts[parts.length - 1]!;
    if (dir.dirs.has(name)) fail(`path "${path}" puts a file and a directory at the same place`);
    dir.files.set(name, change);
  }
  const objects = new Map<string, GitObject>();
  const put = (type: ObjectType, data: Uint8Array): string => {
    const id = objectId(sha1, type, data);
    if (!store.has(id) && !objects.has(id)) objects.set(id, { type, data });
    return id;
  };
  const readTree = (id: string | undefined, path: string): TreeEntry[] => {
    if (id === undefined) return [];
    const o = store.get(id) ?? objects.get(id);
    if (!o || o.type !== "tree") fail(`tree ${id} (${path || "root tree"}) is not in the checkout`);
    return parseTree(o.data);
  };
  /** The edited tree's id, or undefined when it ends up empty. */
  const apply = (id: string | undefined, edit: DirEdit, path: string): string | undefined => {
    if (edit.files.size === 0 && edit.dirs.size === 0) return id;
    const byName = new Map(readTree(id, path).map((e) => [e.name, e]));
    for (const [name, sub] of edit.dirs) {
      const at = path ? `${path}/${name}` : name;
      const old = byName.get(name);
      if (old && old.mode !== MODES.tree) fail(`"${at}" is a file in the checkout, a change puts a directory there`);
      const newId = apply(old?.id, sub, at);
      if (newId === undefined) byName.delete(name);
      else byName.set(name, { mode: MODES.tree, name, id: newId });
    }
    for (const [name, change] of edit.files) {
      const at = path ? `${path}/${name}` : name;
      const old = byName.get(name);
      if (old?.mode === MODES.tree) fail(`"${at}" is a directory in the checkout, a change puts a file there`);
      if (change === null) {
        byName.delete(name);
        continue;
      }
      const data = typeof change === "string" || change instanceof Uint8Array ? change : change.data;
      const bytes = typeof data === "string" ? enc.encode(data) : data;
      const mode = typeof change === "object" && !(change instanceof Uint8Array) && change.mode !== undefined ? change.mode : (old?.mode ?? MODES.file);
      if (mode !== MODES.file && mode !== MODES.exec && mode !== MODES.symlink) fail(`"${at}" has mode ${mode.toString(8)}, expected 100644, 100755 or 120000`);
      byName.set(name, { mode, name, id: put("blob", bytes) });
    }
    if (byName.size === 0) return undefined;
    return put("tree", encodeTree([...byName.values()]));
  };
  const tree = apply(rootTree, root, "") ?? put("tree", new Uint8Array(0));
  return { tree, objects };
}

/** Encodes a commit, stores it among `objects`, and returns its id. */
export function writeCommit(fields: CommitFields, sha1: Sha1, objects: Map<string, GitObject>): string {
  const data = encodeCommit(fields);
  const id = objectId(sha1, "commit", data);
  objects.set(id, { type: "commit", data });
  return id;
}
