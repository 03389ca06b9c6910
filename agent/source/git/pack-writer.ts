/**
 * Writes a version 2 packfile (gitformat-pack) for a push: "PACK", version, object count, then each object
 * undeltified (a type-and-size varint header and its zlib stream), then the SHA-1 of everything before.
 * A push carries only the objects a commit adds (a few blobs and the trees on their paths), which share
 * little with each other, so deltas would save little and are not written. The deflate is the project's
 * WASM deflate (agent/artifact/deflate-wasm.ts), wrapped in zlib's two-byte header and Adler-32 trailer.
 */
import { deflateWasm } from "../../artifact/deflate-wasm.ts";
import { type ObjectType, type Sha1 } from "./object-id.ts";
import type { GitObject } from "./packfile.ts";

const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** CMF 0x78 (deflate, 32 KiB window), FLG 0x9c (default level; CMF*256+FLG divisible by 31). */
const ZLIB_HEADER = [0x78, 0x9c];

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the most bytes that can be summed before b may overflow 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream (RFC 1950) of `data`. */
export function zlibDeflate(data: Uint8Array): Uint8Array {
  const raw = deflateWasm(data);
  const out = new Uint8Array(raw.length + 6);
  out.set(ZLIB_HEADER, 0);
  out.set(raw, 2);
  new DataView(out.buffer).setUint32(raw.length + 2, adler32(data));
  return out;
}

function entryHeader(type: ObjectType, size: number): Uint8Array {
  const bytes: number[] = [];
  let c = (TYPE_CODES[type] << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(c | 0x80);
    c = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(c);
  return Uint8Array.from(bytes);
}

/** The packfile holding exactly `objects` (in the order given), with its SHA-1 trailer. */
export function writePack(objects: Iterable<GitObject>, sha1: Sha1): Uint8Array {
  const parts: Uint8Array[] = [];
  let count = 0;
  for (const o of objects) {
    parts.push(entryHeader(o.type, o.data.length), zlibDeflate(o.data));
    count++;
  }
  const head = new Uint8Array(12);
  head.set([0x50, 0x41, 0x43, 0x4b]);
  const view = new DataView(head.buffer);
  view.setUint32(4, 2);
  view.setUint32(8, count);
  parts.unshift(head);
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size + 20);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  const sum = sha1([out.subarray(0, size)]);
  for (let i = 0; i < 20; i++) out[size + i] = Number.parseInt(sum.slice(i * 2, i * 2 + 2), 16);
  return out;
}
