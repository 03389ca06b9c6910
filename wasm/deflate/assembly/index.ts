// Deterministic raw deflate (RFC 1951) and CRC-32 for gzip, one shot. The same module gives the same
// bytes on every runtime, which native zlib does not (agent/artifact/gzip.ts says why that matters).
// Memory: [tables (layout.ts)][input, n bytes + 8 of slack for word reads][output, at most outputBound(n)].
// The caller calls prepare(n), copies the input to the returned address, then deflate(n) or crc32(...).
// prepare grows memory as needed; it returns 0 when the memory cannot grow that far.
import { initFixed } from "./block";
import { crcInit, crcUpdate } from "./crc32";
import { buildLengths } from "./huffman";
import { deflateRaw } from "./lz77";
import { STATIC_END, base } from "./layout";

let ready = false;
let inPtr: usize = 0;
let outPtr: usize = 0;

/** Worst case output: stored blocks of 65,535 bytes (5 bytes overhead each), one byte per block switch. */
export function outputBound(n: u32): u32 {
  return n + (n >> 10) + 64;
}

export function prepare(n: u32): usize {
  inPtr = (base() + STATIC_END + 63) & ~63;
  outPtr = (inPtr + <usize>n + 8 + 63) & ~63;
  const need = <u64>outPtr + <u64>outputBound(n) + 8;
  const have = <u64>memory.size() << 16;
  if (need > have) {
    if (memory.grow(<i32>((need - have + 65535) >> 16)) < 0) return 0;
  }
  if (!ready) {
    crcInit();
    initFixed();
    ready = true;
  }
  store<u64>(inPtr + n, 0); // the slack word reads see a fixed value
  return inPtr;
}

/** Compresses the n bytes at the prepared input; returns the output length (bytes at output()). */
export function deflate(n: u32): u32 {
  return <u32>(deflateRaw(inPtr, n, outPtr) - outPtr);
}

export function output(): usize {
  return outPtr;
}

/** CRC-32 of len bytes at p, continuing `crc` (0 to start). */
export function crc32(p: usize, len: u32, crc: u32): u32 {
  return crcUpdate(p, len, crc);
}

/**
 * Test hook: the length-limited code lengths (u8[n] at lens) for n <= 288 frequencies (u32[n] at freq),
 * so tests can check the limit and completeness directly on skews that LZ77 output rarely shows.
 */
export function codeLengths(freq: usize, n: i32, limit: u32, lens: usize): void {
  buildLengths(freq, n, limit, lens);
}
