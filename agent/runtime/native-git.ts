/**
 * Native helpers for the git source: node:zlib inflate that reports the input it consumed (packfile
 * objects are concatenated zlib streams), and node:crypto SHA-1 for object ids. Bun, Deno and Node all
 * provide both; the portable fallbacks live in agent/source/git. Measured: bench/git.md.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import type { InflateAt } from "../source/git/inflate.ts";
import type { Sha1 } from "../source/git/object-id.ts";

/** node:zlib inflate; `info: true` exposes `engine.bytesWritten`, the input consumed (Bun, Deno, Node). */
export const zlibInflateAt: InflateAt = (buf, offset, size) => {
  let r: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    r = inflateSync(buf.subarray(offset), { info: true, maxOutputLength: Math.max(size, 1) }) as unknown as typeof r;
  } catch (err) {
    throw new Error(`Cannot inflate the zlib stream: ${(err as Error).message}`, { cause: err });
  }
  if (r.buffer.length !== size) throw new Error(`Cannot inflate the zlib stream: output is ${r.buffer.length} bytes, expected ${size}`);
  return { data: new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.byteLength), end: offset + r.engine.bytesWritten };
};

export const nodeSha1: Sha1 = Object.assign(
  (parts: Uint8Array[]) => {
    const h = createHash("sha1");
    for (const p of parts) h.update(p);
    return h.digest("hex");
  },
  {
    stream: () => {
      const h = createHash("sha1");
      return { update: (data: Uint8Array) => void h.update(data), digest: () => h.digest("hex") };
    },
  },
);
