/**
 * Deterministic gzip for artifacts: the same input gives the same bytes on every runtime, because the
 * deflate is our own WASM module (deflate-wasm.ts, wasm/deflate), the same code everywhere. Native zlib
 * would be as fast, but Bun, Deno and Node each produce different deflate bytes for one input (measured:
 * three digests), and a digest that depends on the runtime is useless for "did the artifact change".
 * fflate (pure JS, level 6) was the previous path: about 5x slower on a 23.5 MB tar (bench/artifact.md).
 * The header matches Go's compress/gzip as Flux writes it: no name, mtime 0, XFL 0, OS 255 (unknown).
 * One shot: the whole input is in memory, as it is for pack.
 */
import { deflateWithCrc } from "./deflate-wasm.ts";

/** ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255. */
const HEADER = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/** One gzip member holding `data`. */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  const { deflated, crc } = deflateWithCrc(data);
  const out = new Uint8Array(HEADER.length + deflated.length + 8);
  out.set(HEADER, 0);
  out.set(deflated, HEADER.length);
  const view = new DataView(out.buffer);
  const t = HEADER.length + deflated.length;
  view.setUint32(t, crc, true);
  view.setUint32(t + 4, data.length % 2 ** 32, true); // ISIZE: size mod 2^32
  return out;
}
