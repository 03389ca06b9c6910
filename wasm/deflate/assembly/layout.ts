// Settings of the compressor and the fixed part of this module's memory. No allocator (stub runtime):
// every table sits at a constant offset from base(); the input and output follow (see index.ts).

// LZ77 settings, chosen by measurement on the bench tar (23,582,720 bytes: 5,000 YAML files, from
// bench/artifact.ts), Bun 1.4.4, 2 shared cores, median of 5 (gzip -6 gives 5,657,718 bytes):
//   chain  lazy  nice  block | out bytes  MB/s
//      4    16   128   16K   | 5,726,875  162
//      8     0   128   16K   | 5,806,843  168   (greedy)
//      8     8   128   16K   | 5,691,796  151
//      8    16   128   16K   | 5,687,651  118
//     16     4   128   16K   | 5,765,895  139
//     16     8   128   16K   | 5,667,320  135   <- chosen: within 0.5% of chain 32 at 1.2x its speed
//     16     8    32   16K   | 5,674,129  133
//     24    16   128   16K   | 5,644,378   73
//     24    16   128   32K   | 5,639,386   80
//     32     8   128   16K   | 5,638,394  114
// A 16-bit hash instead of 15 saved 0.004% at chain 24; 32K-symbol blocks saved 0.1%: neither kept.
// The lazy check's own chain (LAZY_CHAIN) at 16/8/4: 5,667,320 / 5,667,974 / 5,671,158 bytes at
// 122 / 137 / 135 MB/s (the lazy chain was 16 = MAX_CHAIN in the table above); 8 kept.
/** Candidates looked at per search. */
export const MAX_CHAIN: i32 = 16;
/** Candidates looked at when checking one byte later for a longer match. */
export const LAZY_CHAIN: i32 = 8;
/** A match this long ends the search at once. */
export const NICE_LEN: u32 = 128;
/** Matches shorter than this are checked for a longer one starting one byte later (lazy matching). */
export const LAZY_LEN: u32 = 8;
/** Symbols per block before a new Huffman table is chosen. */
export const BLOCK_SYMS: u32 = 16384;

export const WSIZE: u32 = 32768;
export const WMASK: u32 = WSIZE - 1;
export const HASH_BITS: u32 = 15;
export const HASH_SIZE: u32 = 1 << HASH_BITS;
export const MAX_MATCH: u32 = 258;

// Offsets from base(), in bytes.
export const CRC_T: usize = 0; // u32[8][256], slice-by-8
export const HEAD: usize = CRC_T + 8 * 1024; // i32[HASH_SIZE]: newest position per hash
export const PREV: usize = HEAD + (<usize>HASH_SIZE << 2); // i32[WSIZE]: previous position with the same hash
export const LIT_FREQ: usize = PREV + (<usize>WSIZE << 2); // u32[288]
export const DIST_FREQ: usize = LIT_FREQ + 288 * 4; // u32[32]
export const CL_FREQ: usize = DIST_FREQ + 32 * 4; // u32[32]
export const LIT_LEN: usize = CL_FREQ + 32 * 4; // u8[288]
export const DIST_LEN: usize = LIT_LEN + 288; // u8[32]
export const CL_LEN: usize = DIST_LEN + 32; // u8[32]
export const LIT_CODE: usize = CL_LEN + 32; // u16[288], bit-reversed codes
export const DIST_CODE: usize = LIT_CODE + 288 * 2; // u16[32]
export const CL_CODE: usize = DIST_CODE + 32 * 2; // u16[32]
export const FIX_LIT_LEN: usize = CL_CODE + 32 * 2; // u8[288]
export const FIX_DIST_LEN: usize = FIX_LIT_LEN + 288; // u8[32]
export const FIX_LIT_CODE: usize = FIX_DIST_LEN + 32; // u16[288]
export const FIX_DIST_CODE: usize = FIX_LIT_CODE + 288 * 2; // u16[32]
export const LEN_SYM: usize = FIX_DIST_CODE + 32 * 2; // u8[256]: match length - 3 -> length code - 257
export const SEQ: usize = LEN_SYM + 256; // u8[320]: lit/len + dist code lengths, for the RLE pass
export const CL_SYMS: usize = SEQ + 320; // u16[320]: code-length symbols with their extra value
export const H_KEYS: usize = (CL_SYMS + 640 + 7) & ~7; // u64[288]: (frequency << 16) | symbol
export const H_WEIGHT: usize = H_KEYS + 288 * 8; // u32[576]
export const H_PARENT: usize = H_WEIGHT + 576 * 4; // u32[576]
export const H_COUNT: usize = H_PARENT + 576 * 4; // u32[16]: codes per length
export const SYMS: usize = H_COUNT + 16 * 4; // u32[BLOCK_SYMS + 512]
export const STATIC_END: usize = SYMS + ((<usize>BLOCK_SYMS + 512) << 2);

@inline
export function base(): usize {
  return (__heap_base + 63) & ~63;
}

// Length codes 257..285: base length and extra bits; distance codes 0..29 likewise (RFC 1951 3.2.5).
export const LEN_BASE = memory.data<u16>([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]);
export const LEN_EXTRA = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
export const DIST_BASE = memory.data<u16>([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
]);
/** Order in which code-length code lengths are sent. */
export const CL_ORDER = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

/** Distance code (0..29) of a distance minus one. */
@inline
export function distCode(d1: u32): u32 {
  if (d1 < 4) return d1;
  const top = 31 - clz(d1);
  return (top << 1) | ((d1 >> (top - 1)) & 1);
}

/** Extra bits of distance code c. */
@inline
export function distExtra(c: u32): u32 {
  return c < 4 ? 0 : (c >> 1) - 1;
}
