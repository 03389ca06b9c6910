/**
 * Encrypting and decrypting a whole tree as sops walks it: depth first in document order, each leaf's
 * additional data its path of keys joined by ":" with a trailing ":" (sequence items add nothing), the
 * encryption rules (suffixes, regexes, comment regexes) asked of every key on the path, and the MAC
 * computed on the way: SHA-512 over every non-comment leaf's plaintext bytes (only the encrypted ones,
 * after a fixed prefix, under mac_only_encrypted), as uppercase hex.
 */
import { concat } from "../core/bytes.ts";
import { goRegexp } from "../core/go-regexp.ts";
import type { AesGcm } from "./aes-gcm.ts";
import { Branch, Comment, type Scalar, type TreeValue } from "./tree.ts";
import { decryptValue, encryptValue, valueBytes, ValueError } from "./value-cipher.ts";

/** Which leaves are encrypted: at most one rule is set (unencrypted_suffix `_unencrypted` by default). */
export interface CryptRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  unencryptedCommentRegex?: string;
  encryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
}

/** sops's MACOnlyEncryptedInitialization: hashed first when only encrypted values count. */
const MAC_ONLY_ENCRYPTED_PREFIX = hex("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69");

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));
}

/** A Go RE2 pattern, as sops compiles it (regexp.MustCompile); an invalid one is refused. */
export function goRegExp(pattern: string): { test(s: string): boolean } {
  const re = goRegexp(pattern);
  if (re instanceof Error) throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${re.message}`);
  return re;
}

type Path = readonly string[];
type Stack = string[][];
type OnLeaf = (leaf: Scalar | Comment, path: Path, comments: Stack) => Promise<TreeValue>;

class Rules {
  private readonly unencryptedRegex?: { test(s: string): boolean };
  private readonly encryptedRegex?: { test(s: string): boolean };
  private readonly unencryptedCommentRegex?: { test(s: string): boolean };
  private readonly encryptedCommentRegex?: { test(s: string): boolean };
  constructor(readonly r: CryptRules) {
    if (r.unencryptedRegex) this.unencryptedRegex = goRegExp(r.unencryptedRegex);
    if (r.encryptedRegex) this.encryptedRegex = goRegExp(r.encryptedRegex);
    if (r.unencryptedCommentRegex) this.unencryptedCommentRegex = goRegExp(r.unencryptedCommentRegex);
    if (r.encryptedCommentRegex) this.encryptedCommentRegex = goRegExp(r.encryptedCommentRegex);
  }

  /** sops's shouldBeEncrypted, rule by rule in its order. */
  encrypts(path: Path, comments: Stack, isComment: boolean): boolean {
    const { unencryptedSuffix, encryptedSuffix } = this.r;
    let encrypted = true;
    if (unencryptedSuffix && path.some((k) => k.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix) encrypted = path.some((k) => k.endsWith(encryptedSuffix));
    if (this.unencryptedRegex && path.some((k) => this.unencryptedRegex!.test(k))) encrypted = false;
    if (this.encryptedRegex) encrypted = path.some((k) => this.encryptedRegex!.test(k));
    if (this.unencryptedCommentRegex && comments.some((cs) => cs.some((c) => this.unencryptedCommentRegex!.test(c)))) encrypted = false;
    if (this.encryptedCommentRegex) {
      // A comment does not decide about itself: the last comment on the stack is skipped for comments.
      const last = comments.length - 1;
      encrypted = comments.some((cs, i) => cs.some((c, j) => !(isComment && i === last && j === cs.length - 1) && this.encryptedCommentRegex!.test(c)));
    }
    return encrypted;
  }
}

async function walkValue(v: TreeValue, path: Path, comments: Stack, onLeaf: OnLeaf): Promise<TreeValue> {
  if (v === null) return null;
  if (v instanceof Branch) {
    await walkBranch(v, path, comments, onLeaf);
    return v;
  }
  if (Array.isArray(v)) {
    const stack = [...comments, []];
    for (let i = 0; i < v.length; i++) {
      const item = v[i]!;
      if (item instanceof Comment) stack[stack.length - 1]!.push(item.value);
      v[i] = await walkValue(item, path, stack, onLeaf);
      if (!(item instanceof Comment)) stack[stack.length - 1] = [];
    }
    return v;
  }
  return onLeaf(v, path, comments);
}

async function walkBranch(b: Branch, path: Path, comments: Stack, onLeaf: OnLeaf): Promise<void> {
  const stack = [...comments, []];
  for (const item of b.items) {
    if (item.key instanceof Comment) {
      stack[stack.length - 1]!.push(item.key.value);
      const out = await walkValue(item.key, path, stack, onLeaf);
      item.key = out instanceof Comment ? out : new Comment(String(out), item.key.inline);
      continue;
    }
    const valueIsComment = item.value instanceof Comment;
    if (item.value instanceof Comment) stack[stack.length - 1]!.push(item.value.value);
    item.value = await walkValue(item.value, [...path, item.key], stack, onLeaf);
    if (!valueIsComment) stack[stack.length - 1] = [];
  }
}

/** A failure at one leaf: the path is keys only, which sops files keep in clear text. */
export class LeafError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const pathText = (path: Path) => path.join(":") + ":";

async function digest(chunks: Uint8Array[]): Promise<string> {
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-512", concat(chunks) as Uint8Array<ArrayBuffer>));
  return Array.from(sum, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** Encrypts the branches in place and returns their MAC (uppercase hex). */
export async function encryptBranches(branches: Branch[], rules: CryptRules, cipher: AesGcm): Promise<string> {
  const r = new Rules(rules);
  const hashed: Uint8Array[] = rules.macOnlyEncrypted ? [MAC_ONLY_ENCRYPTED_PREFIX] : [];
  const onLeaf: OnLeaf = async (leaf, path, comments) => {
    const isComment = leaf instanceof Comment;
    const encrypted = r.encrypts(path, comments, isComment);
    if ((!rules.macOnlyEncrypted || encrypted) && !isComment) hashed.push(valueBytes(leaf));
    if (!encrypted) return leaf;
    const out = await encryptValue(leaf, cipher, pathText(path));
    if (isComment && r.r.unencryptedCommentRegex && goRegExp(r.r.unencryptedCommentRegex).test(out)) {
      throw new LeafError(pathText(path), "An encrypted comment matches unencrypted_comment_regex; choose a regex that cannot match ENC[…]");
    }
    return isComment ? new Comment(out, leaf.inline) : out;
  };
  for (const b of branches) await walkBranch(b, [], [], onLeaf);
  return digest(hashed);
}

/** Decrypts the branches in place and returns the MAC of their plaintext (uppercase hex). */
export async function decryptBranches(branches: Branch[], rules: CryptRules, cipher: AesGcm): Promise<string> {
  const r = new Rules(rules);
  const hashed: Uint8Array[] = rules.macOnlyEncrypted ? [MAC_ONLY_ENCRYPTED_PREFIX] : [];
  const onLeaf: OnLeaf = async (leaf, path, comments) => {
    const isComment = leaf instanceof Comment;
    const encrypted = r.encrypts(path, comments, isComment);
    let v: Scalar | Comment = leaf;
    if (encrypted) {
      if (isComment) {
        // sops keeps a comment that does not decrypt: files from older sops have plain comments. A
        // decrypted comment loses its inline place in sops (its cipher returns a fresh Comment), so
        // `sops -d` prints it above the next key; the same here.
        try {
          const c = await decryptValue(leaf.value, cipher, pathText(path));
          v = c instanceof Comment ? new Comment(c.value) : new Comment(String(c));
        } catch {
          v = leaf;
        }
      } else if (typeof leaf === "string") {
        try {
          v = await decryptValue(leaf, cipher, pathText(path));
        } catch (err) {
          throw new LeafError(pathText(path), err instanceof ValueError ? err.message : "the value could not be decrypted");
        }
      } else {
        throw new LeafError(pathText(path), "an encrypted value must be a string");
      }
    }
    if ((!rules.macOnlyEncrypted || encrypted) && !(v instanceof Comment)) hashed.push(valueBytes(v));
    return v;
  };
  for (const b of branches) await walkBranch(b, [], [], onLeaf);
  return digest(hashed);
}
