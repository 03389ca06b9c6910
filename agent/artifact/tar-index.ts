/**
 * The first pass over an uncompressed tar stream: walk the header blocks, verify each checksum, read each
 * data size (a PAX `size` record overrides the next header's), enforce the entry-count and total-size caps,
 * and record where every entry is. It copies nothing: the result is a table of offsets into the buffer.
 *
 * This pass has two implementations with identical results: `indexTarJs` below and the AssemblyScript
 * module in wasm/tar (see tar-index-wasm.ts); tar-index.test.ts feeds both the same corpus. Names, PAX
 * paths and GNU long names are resolved afterwards, once, by tar-scan.ts.
 *
 * Which one runs (bench/artifact.md, index pass alone): on 5,000 small files WASM is 1.8-3.7x faster
 * (3-4 ms vs 6-15 ms), on one 100 MB file it is ~1000x slower (10 ms copying the data into WASM memory
 * vs 0.01 ms). Either is under 5% of an unpack, which gunzip dominates, so the default is this JS pass
 * (zero copy, never slow); callers may pass indexTarWasm for many-small-file archives.
 */
import { BLOCK, FIELD, checksumMatches, isZeroBlock, padded, readNumber } from "./tar-format.ts";

/** Three numbers per entry: header offset, data size, type flag byte. */
export interface TarIndex {
  count: number;
  table: Float64Array;
}

export type TarIndexProblem = "checksum" | "truncated" | "too-many-entries" | "too-large" | "bad-number" | "bad-pax";

/** A failed index pass, with the byte offset of the header it stopped at. */
export class TarIndexError extends Error {
  readonly problem: TarIndexProblem;
  readonly offset: number;
  constructor(problem: TarIndexProblem, offset: number, limits: TarIndexLimits) {
    super(describe(problem, offset, limits));
    this.name = "TarIndexError";
    this.problem = problem;
    this.offset = offset;
  }
}

export interface TarIndexLimits {
  /** Headers of any kind, PAX and GNU long-name headers included. */
  maxEntries: number;
  /** Sum of the data sizes of all entries, in bytes (Flux's DefaultMaxUntarSize counts the same). */
  maxSize: number;
}

export type TarIndexer = (tar: Uint8Array, limits: TarIndexLimits) => TarIndex;

/** Typeflags whose size field does not announce data blocks (as Go's archive/tar reads them). */
export function isHeaderOnly(typeflag: number): boolean {
  return typeflag >= 0x31 && typeflag <= 0x36; // '1' hard link .. '6' fifo
}

const PAX = 0x78; // 'x'
const PAX_GLOBAL = 0x67; // 'g'
const GNU_LONG_NAME = 0x4c; // 'L'
const GNU_LONG_LINK = 0x4b; // 'K'

export function isMetaHeader(typeflag: number): boolean {
  return typeflag === PAX || typeflag === PAX_GLOBAL || typeflag === GNU_LONG_NAME || typeflag === GNU_LONG_LINK;
}

export const indexTarJs: TarIndexer = (tar, limits) => {
  let table = new Float64Array(3 * 64);
  let count = 0;
  let total = 0;
  let paxSize = -1;
  let pos = 0;
  const len = tar.length;
  while (pos !== len) {
    if (pos + BLOCK > len) throw new TarIndexError("truncated", pos, limits);
    if (isZeroBlock(tar, pos)) break;
    if (!checksumMatches(tar, pos)) throw new TarIndexError("checksum", pos, limits);
    const typeflag = tar[pos + FIELD.typeflag[0]]!;
    let size = readNumber(tar, pos, FIELD.size);
    if (size < 0) throw new TarIndexError("bad-number", pos, limits);
    if (!isMetaHeader(typeflag) && paxSize >= 0) {
      size = paxSize;
      paxSize = -1;
    }
    if (isHeaderOnly(typeflag)) size = 0;
    if (++count > limits.maxEntries) throw new TarIndexError("too-many-entries", pos, limits);
    total += size;
    if (total > limits.maxSize) throw new TarIndexError("too-large", pos, limits);
    if (pos + BLOCK + size > len) throw new TarIndexError("truncated", pos, limits);
    if (typeflag === PAX) {
      paxSize = paxSizeRecord(tar, pos + BLOCK, pos + BLOCK + size);
      if (paxSize === -2) throw new TarIndexError("bad-pax", pos, limits);
    }
    if (3 * count > table.length) {
      const grown = new Float64Array(table.length * 2);
      grown.set(table);
      table = grown;
    }
    const at = 3 * (count - 1);
    table[at] = pos;
    table[at + 1] = size;
    table[at + 2] = typeflag;
    pos += BLOCK + padded(size);
    if (pos > len) throw new TarIndexError("truncated", pos - padded(size) - BLOCK, limits);
  }
  return { count, table: table.subarray(0, 3 * count) };
};

/**
 * The `size` record of a PAX extended header (`"<len> size=<decimal>\n"`), -1 when there is none, -2 when
 * the records are malformed.
 */
function paxSizeRecord(tar: Uint8Array, start: number, end: number): number {
  let found = -1;
  let p = start;
  while (p < end) {
    if (tar[p] === 0) break; // some writers pad the record block with NULs
    let recLen = 0;
    let q = p;
    while (q < end && tar[q]! >= 0x30 && tar[q]! <= 0x39) recLen = recLen * 10 + tar[q++]! - 0x30;
    if (q === p || q >= end || tar[q] !== 0x20 || recLen === 0 || p + recLen > end) return -2;
    const recEnd = p + recLen;
    if (tar[recEnd - 1] !== 0x0a) return -2;
    q++;
    // key "size" followed by '='
    if (
      recEnd - q > 5 && tar[q] === 0x73 && tar[q + 1] === 0x69 && tar[q + 2] === 0x7a && tar[q + 3] === 0x65 &&
      tar[q + 4] === 0x3d
    ) {
      let v = 0;
      let digits = 0;
      for (let i = q + 5; i < recEnd - 1; i++) {
        const c = tar[i]!;
        if (c < 0x30 || c > 0x39) return -2;
        v = v * 10 + c - 0x30;
        digits++;
      }
      if (digits === 0 || v > Number.MAX_SAFE_INTEGER) return -2;
      found = v;
    }
    p = recEnd;
  }
  return found;
}

function describe(problem: TarIndexProblem, offset: number, limits: TarIndexLimits): string {
  switch (problem) {
    case "checksum":
      return `Cannot extract the tar archive: the header at byte ${offset} has an invalid checksum`;
    case "truncated":
      return `Cannot extract the tar archive: the archive ends inside the entry at byte ${offset}`;
    case "too-many-entries":
      return `Cannot extract the tar archive: it has more than ${limits.maxEntries} entries`;
    case "too-large":
      return `Cannot extract the tar archive: its entries add up to more than ${limits.maxSize} bytes`;
    case "bad-number":
      return `Cannot extract the tar archive: the header at byte ${offset} has an invalid size field`;
    case "bad-pax":
      return `Cannot extract the tar archive: the PAX header at byte ${offset} is malformed`;
  }
}
