/**
 * Native helpers for the git source (node:zlib inflate that reports consumed input, node:crypto SHA-1),
 * used by bench/git.ts and the parity tests. They belong in agent/runtime/ (e.g. native-git.ts) once the
 * agent wires the git source; kept here because that folder is not the git source's to edit.
 * Measured: see bench/git.md.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";
import type { InflateAt } from "../agent/source/git/inflate.ts";
import type { Sha1 } from "../agent/source/git/object-id.ts";

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

export const nodeSha1: Sha1 = (parts) => {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
