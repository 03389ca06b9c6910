/**
 * Zlib inflate that reports where the stream ended, which a packfile reader needs: a packfile is a run of
 * zlib streams with no lengths between them, so the next object starts where the previous stream ended.
 * fflate and DecompressionStream do not report consumed input (DecompressionStream also rejects trailing
 * bytes), so the portable path is this small RFC 1950/1951 decoder; the runtime may pass a native
 * `InflateAt` instead (node:zlib's inflateSync with `info: true` reports `bytesWritten`, the consumed
 * input, on Bun, Deno and Node: see bench/git.md for the speeds).
 *
 * The same decoder also runs resumably (`startInflate`, `continueInflate`) over input that arrives in
 * pieces, block by block, for a packfile parsed as it downloads.
 *
 * Limits: the output must be exactly `size` bytes (the object header's size), so a stream that inflates
 * to more is rejected as soon as it passes that size. The Adler-32 trailer is skipped, not checked: every
 * object is verified by its SHA-1 id afterwards, which is stronger.
 */

export interface Inflated {
  data: Uint8Array;
  /** Offset just past the zlib stream (after its Adler-32 trailer). */
  end: number;
}

/** Inflates the zlib stream that starts at `buf[offset]` into exactly `size` bytes. */
export type InflateAt = (buf: Uint8Array, offset: number, size: number) => Inflated;

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
  12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A decoding table indexed by the next `bits` input bits; entries are `symbol << 4 | codeLength` (0 = invalid). */
interface Table {
  bits: number;
  t: Uint16Array;
}

function fail(msg: string): never {
  throw new Error(`Cannot inflate the zlib stream: ${msg}`);
}

function buildTable(lengths: ArrayLike<number>, n: number): Table {
  const count = new Uint16Array(16);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i]!;
    count[l]!++;
    if (l > max) max = l;
  }
  count[0] = 0;
  const next = new Uint16Array(16);
  let code = 0;
  for (let b = 1; b <= 15; b++) {
    code = (code + count[b - 1]!) << 1;
    next[b] = code;
  }
  // Over-subscribed codes would overlap in the table; incomplete ones leave zero (invalid) entries.
  let left = 1;
  for (let b = 1; b <= 15; b++) {
    left = (left << 1) - count[b]!;
    if (left < 0) fail("over-subscribed Huffman code");
  }
  const bits = Math.max(max, 1);
  const size = 1 << bits;
  const t = new Uint16Array(size);
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[sym]!;
    if (len === 0) continue;
    let c = next[len]!++;
    let r = 0;
    for (let k = 0; k < len; k++) {
      r = (r << 1) | (c & 1);
      c >>= 1;
    }
    const entry = (sym << 4) | len;
    for (let j = r; j < size; j += 1 << len) t[j] = entry;
  }
  return { bits, t };
}

let fixedLit: Table | undefined;
let fixedDist: Table | undefined;

function fixedTables(): [Table, Table] {
  if (!fixedLit || !fixedDist) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144);
    l.fill(9, 144, 256);
    l.fill(7, 256, 280);
    l.fill(8, 280, 288);
    fixedLit = buildTable(l, 288);
    fixedDist = buildTable(new Uint8Array(30).fill(5), 30);
  }
  return [fixedLit, fixedDist];
}

/** Inflates a whole zlib stream that is all in `buf` (one call, no resuming). */
export const inflateAt: InflateAt = (buf, offset, size) => {
  const p = startInflate(size, offset);
  const end = continueInflate(p, buf, 0, false)!;
  return { data: p.out, end };
};

/**
 * A zlib stream being inflated as its bytes arrive (a packfile read from the network): the output so far
 * and where the next deflate block starts. Blocks are the unit of progress: a block whose bytes have not all
 * arrived is decoded again from its start on the next call (back-references need only `out`, which holds
 * every byte produced so far), so only the input from the current block's start has to be kept.
 */
export interface InflateProgress {
  readonly out: Uint8Array;
  /** Output bytes produced by the completed blocks. */
  o: number;
  /** Absolute bit position of the zlib header, the next block, or the Adler-32 trailer (by `phase`). */
  bit: number;
  phase: "header" | "blocks" | "trailer";
  /**
   * Absolute input offset worth calling again at: twice the bytes held past the checkpoint, so a stream
   * written as one huge block is decoded a logarithmic number of times, not once per arriving chunk.
   */
  retryAt: number;
}

/** A resumable inflate of the stream at absolute offset `offset` into exactly `size` bytes. */
export function startInflate(size: number, offset: number): InflateProgress {
  return { out: new Uint8Array(size), o: 0, bit: offset * 8, phase: "header", retryAt: 0 };
}

const NEED_MORE = { needMore: true };

/**
 * Continues `p` over `buf`, whose first byte is at absolute offset `base` and which holds the input from
 * `p`'s checkpoint on. Returns the absolute offset just past the stream (after its Adler-32 trailer) once
 * done; with `more` (further input will come) undefined when the bytes run out, else an error.
 */
export function continueInflate(p: InflateProgress, buf: Uint8Array, base: number, more: boolean): number | undefined {
  const out = p.out;
  const size = out.length;
  const len = buf.length;
  let o = p.o;
  let pos = Math.floor(p.bit / 8) - base;
  if (pos < 0) throw new Error("unreachable: the input before the inflate checkpoint was dropped");
  let bb = 0; // bit buffer, LSB first
  let bc = 0; // bits in bb

  const short = (msg: string): never => {
    if (more) throw NEED_MORE;
    return fail(msg);
  };
  const need = (n: number): void => {
    while (bc < n) {
      if (pos >= len) {
        if (more) throw NEED_MORE;
        // Pad with zeros so a peek near the end works; consuming padding is caught below.
        if (pos > len + 4) fail("truncated stream");
        pos++;
        bc += 8;
        continue;
      }
      bb |= buf[pos++]! << bc;
      bc += 8;
    }
  };
  const bits = (n: number): number => {
    need(n);
    const v = bb & ((1 << n) - 1);
    bb >>>= n;
    bc -= n;
    return v;
  };
  const decode = (tab: Table): number => {
    need(tab.bits);
    const e = tab.t[bb & ((1 << tab.bits) - 1)]!;
    const l = e & 15;
    if (l === 0) fail("invalid Huffman code");
    bb >>>= l;
    bc -= l;
    return e >> 4;
  };

  try {
    if (p.phase === "header") {
      if (pos + 2 > len) short("truncated header");
      const cmf = buf[pos]!;
      const flg = buf[pos + 1]!;
      if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) fail("invalid zlib header");
      if (flg & 0x20) fail("preset dictionaries are not supported");
      pos += 2;
      p.phase = "blocks";
      p.bit = (base + pos) * 8;
    }
    if (p.phase === "blocks") {
      const skip = p.bit & 7;
      if (skip) bits(skip);
      let final = 0;
      while (!final) {
        // The checkpoint: a block the input does not yet hold is decoded again from here.
        p.bit = (base + pos) * 8 - bc;
        p.o = o;
        final = bits(1);
        const type = bits(2);
        if (type === 0) {
          // Stored: drop to the byte boundary; whole bytes still in the bit buffer are given back.
          bb = 0;
          pos -= bc >> 3;
          bc = 0;
          if (pos + 4 > len) short("truncated stored block");
          const n = buf[pos]! | (buf[pos + 1]! << 8);
          const nn = buf[pos + 2]! | (buf[pos + 3]! << 8);
          if ((n ^ 0xffff) !== nn) fail("stored block length mismatch");
          if (pos + 4 + n > len) short("truncated stored block");
          pos += 4;
          if (o + n > size) fail(`output exceeds the expected ${size} bytes`);
          out.set(buf.subarray(pos, pos + n), o);
          o += n;
          pos += n;
          continue;
        }
        let lit: Table;
        let dist: Table;
        if (type === 1) [lit, dist] = fixedTables();
        else if (type === 2) {
          const hlit = bits(5) + 257;
          const hdist = bits(5) + 1;
          const hclen = bits(4) + 4;
          const cl = new Uint8Array(19);
          for (let i = 0; i < hclen; i++) cl[CL_ORDER[i]!] = bits(3);
          const clTable = buildTable(cl, 19);
          const lengths = new Uint8Array(hlit + hdist);
          let i = 0;
          while (i < hlit + hdist) {
            const sym = decode(clTable);
            if (sym < 16) lengths[i++] = sym;
            else {
              let rep: number;
              let val = 0;
              if (sym === 16) {
                if (i === 0) fail("repeat with no previous length");
                val = lengths[i - 1]!;
                rep = 3 + bits(2);
              } else if (sym === 17) rep = 3 + bits(3);
              else rep = 11 + bits(7);
              if (i + rep > hlit + hdist) fail("code lengths overflow");
              lengths.fill(val, i, i + rep);
              i += rep;
            }
          }
          if (lengths[256] === 0) fail("no end-of-block code");
          lit = buildTable(lengths.subarray(0, hlit), hlit);
          dist = buildTable(lengths.subarray(hlit), hdist);
        } else fail("invalid block type 3");

        for (;;) {
          const sym = decode(lit);
          if (sym < 256) {
            if (o >= size) fail(`output exceeds the expected ${size} bytes`);
            out[o++] = sym;
          } else if (sym === 256) break;
          else {
            const li = sym - 257;
            if (li >= 29) fail("invalid length symbol");
            const n = LEN_BASE[li]! + bits(LEN_EXTRA[li]!);
            const di = decode(dist);
            if (di >= 30) fail("invalid distance symbol");
            const d = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
            if (d > o) fail("distance reaches before the start of the output");
            if (o + n > size) fail(`output exceeds the expected ${size} bytes`);
            if (d >= n) {
              out.copyWithin(o, o - d, o - d + n);
              o += n;
            } else for (let k = 0; k < n; k++, o++) out[o] = out[o - d]!;
          }
        }
      }
      // Whole bytes left in the bit buffer were read ahead and belong to what follows.
      pos -= bc >> 3;
      if (pos > len) fail("truncated stream");
      if (o !== size) fail(`output is ${o} bytes, expected ${size}`);
      p.o = o;
      p.phase = "trailer";
      p.bit = (base + pos) * 8;
    }
    const end = pos + 4; // Adler-32 trailer
    if (end > len) short("truncated trailer");
    return base + end;
  } catch (err) {
    if (err !== NEED_MORE) throw err;
    const kept = base + len - Math.floor(p.bit / 8);
    p.retryAt = base + len + Math.max(kept, 1);
    return undefined;
  }
}
