/**
 * Native helpers for the git source: node:zlib inflate that reports the input it consumed (packfile
 * objects are concatenated zlib streams), and node:crypto SHA-1 for object ids. Bun, Deno and Node all
 * provide both; the portable fallbacks live in agent/source/git. Measured: bench/git.md.
 */
import { createHash } from "node:crypto";
import { constants, inflateSync } from "node:zlib";
import type { InflateAt } from "../source/git/inflate.ts";
import type { Sha1 } from "../source/git/object-id.ts";

/**
 * node:zlib inflate; `info: true` exposes `engine.bytesWritten`, the input consumed (Bun, Deno, Node).
 *
 * A stream cut short (a packfile read as it downloads: the chunk ends inside the object) is the common
 * failure, so it is told apart without node:zlib's error path, whose first use in a process loads and
 * compiles node's stream machinery (Bun: ~20 ms of a fresh process's CPU, bench/git.md): with
 * `Z_SYNC_FLUSH` as the finishing flush, a cut stream returns what it has instead of throwing, and the
 * stream is whole when it stopped before the input's end with `size` bytes out. A stream that consumed
 * the input exactly is inflated again the strict way, which throws when it was cut.
 */
export const zlibInflateAt: InflateAt = (buf, offset, size) => {
  const input = buf.subarray(offset);
  const maxOutputLength = Math.max(size, 1);
  let r: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    r = inflateSync(input, { info: true, maxOutputLength, finishFlush: constants.Z_SYNC_FLUSH }) as unknown as typeof r;
    if (r.engine.bytesWritten === input.length) {
      if (r.buffer.length < size) throw new Error("unexpected end of file");
      r = inflateSync(input, { info: true, maxOutputLength }) as unknown as typeof r;
    }
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
