/**
 * Parses the three structured git object kinds: trees (entries of `<octal mode> <name>\0<20-byte id>`),
 * commits and annotated tags (header lines, continuation lines starting with a space, a blank line, the
 * message). For signature checks it also returns the signed payload: a commit without its `gpgsig`
 * header, a tag without the trailing armored signature.
 */
import { hexOf } from "./object-id.ts";

export interface TreeEntry {
  /** Git's mode: 0o40000 dir, 0o100644 file, 0o100755 executable, 0o120000 symlink, 0o160000 submodule. */
  mode: number;
  name: string;
  id: string;
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch, and the original zone offset like "+0200". */
  when: number;
  zone: string;
}

export interface Commit {
  tree: string;
  parents: string[];
  author?: Signature;
  committer?: Signature;
  message: string;
  /** The armored signature from the `gpgsig` header, if signed. */
  signature?: string;
  /** The bytes the signature covers: the commit with the `gpgsig` header removed. */
  payload: Uint8Array;
}

export interface Tag {
  object: string;
  type: string;
  tag: string;
  tagger?: Signature;
  message: string;
  signature?: string;
  payload: Uint8Array;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

function fail(what: string, msg: string): never {
  throw new Error(`Cannot parse the git ${what}: ${msg}`);
}

export function parseTree(data: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  let p = 0;
  while (p < data.length) {
    const sp = data.indexOf(0x20, p);
    if (sp < 0) fail("tree", "missing space after mode");
    let mode = 0;
    for (let i = p; i < sp; i++) {
      const d = data[i]! - 48;
      if (d < 0 || d > 7) fail("tree", "mode is not octal");
      mode = mode * 8 + d;
    }
    const nul = data.indexOf(0, sp + 1);
    if (nul < 0 || nul + 21 > data.length) fail("tree", "truncated entry");
    const name = dec.decode(data.subarray(sp + 1, nul));
    out.push({ mode, name, id: hexOf(data.subarray(nul + 1, nul + 21)) });
    p = nul + 21;
  }
  return out;
}

interface Headers {
  headers: Array<[string, string]>;
  message: string;
  /** Byte ranges of `gpgsig` headers (with continuation lines) to cut out for the payload. */
  sigRanges: Array<[number, number]>;
}

function parseHeaders(data: Uint8Array, what: string): Headers {
  const headers: Array<[string, string]> = [];
  const sigRanges: Array<[number, number]> = [];
  let p = 0;
  for (;;) {
    if (p >= data.length) return { headers, message: "", sigRanges };
    const nl = data.indexOf(0x0a, p);
    const end = nl < 0 ? data.length : nl;
    if (end === p) return { headers, message: dec.decode(data.subarray(p + 1)), sigRanges };
    const line = dec.decode(data.subarray(p, end));
    if (line.startsWith(" ")) {
      const last = headers[headers.length - 1];
      if (!last) fail(what, "continuation line before any header");
      last[1] += `\n${line.slice(1)}`;
      const r = sigRanges[sigRanges.length - 1];
      if (r && r[1] === p) r[1] = end + 1;
    } else {
      const sp = line.indexOf(" ");
      const key = sp < 0 ? line : line.slice(0, sp);
      headers.push([key, sp < 0 ? "" : line.slice(sp + 1)]);
      if (key === "gpgsig") sigRanges.push([p, end + 1]);
    }
    p = end + 1;
  }
}

function parseSignatureLine(s: string | undefined): Signature | undefined {
  if (!s) return undefined;
  const m = /^(.*?) ?<([^>]*)> (\d+) ([+-]\d{4})$/.exec(s);
  if (!m) return undefined;
  return { name: m[1]!, email: m[2]!, when: Number(m[3]), zone: m[4]! };
}

export function parseCommit(data: Uint8Array): Commit {
  const h = parseHeaders(data, "commit");
  const get = (k: string) => h.headers.find(([key]) => key === k)?.[1];
  const tree = get("tree");
  if (!tree || !/^[0-9a-f]{40}$/.test(tree)) fail("commit", "missing tree");
  let payload = data;
  if (h.sigRanges.length > 0) {
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const [a, b] of h.sigRanges) {
      parts.push(data.subarray(at, a));
      at = b;
    }
    parts.push(data.subarray(at));
    payload = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of parts) {
      payload.set(x, o);
      o += x.length;
    }
  }
  return {
    tree,
    parents: h.headers.filter(([k]) => k === "parent").map(([, v]) => v),
    author: parseSignatureLine(get("author")),
    committer: parseSignatureLine(get("committer")),
    message: h.message,
    signature: get("gpgsig"),
    payload,
  };
}

const SIG_MARKERS = ["-----BEGIN PGP SIGNATURE-----", "-----BEGIN SSH SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----"];

export function parseTag(data: Uint8Array): Tag {
  const h = parseHeaders(data, "tag");
  const get = (k: string) => h.headers.find(([key]) => key === k)?.[1];
  const object = get("object");
  if (!object || !/^[0-9a-f]{40}$/.test(object)) fail("tag", "missing object");
  let message = h.message;
  let signature: string | undefined;
  let payload = data;
  // A tag's signature is appended to its message; the payload is everything before it.
  const text = dec.decode(data);
  for (const marker of SIG_MARKERS) {
    const at = text.lastIndexOf(`\n${marker}`);
    if (at < 0) continue;
    signature = text.slice(at + 1);
    payload = enc.encode(text.slice(0, at + 1));
    const mi = message.lastIndexOf(marker);
    if (mi >= 0) message = message.slice(0, mi);
    break;
  }
  return { object, type: get("type") ?? "", tag: get("tag") ?? "", tagger: parseSignatureLine(get("tagger")), message, signature, payload };
}
