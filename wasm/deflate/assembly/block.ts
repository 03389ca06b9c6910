// Writes one deflate block (RFC 1951 3.2.3-3.2.7) from the symbols the LZ77 pass collected: dynamic
// Huffman, fixed Huffman or stored, whichever is smallest in exact bits. The bit writer keeps up to 63
// pending bits in a u64 and stores 32 bits at a time.
import { buildCodes, buildLengths } from "./huffman";
import {
  CL_CODE, CL_FREQ, CL_LEN, CL_ORDER, CL_SYMS, DIST_BASE, DIST_CODE, DIST_FREQ, DIST_LEN, FIX_DIST_CODE,
  FIX_DIST_LEN, FIX_LIT_CODE, FIX_LIT_LEN, LEN_BASE, LEN_EXTRA, LEN_SYM, LIT_CODE, LIT_FREQ, LIT_LEN, SEQ, SYMS,
  base, distCode, distExtra,
} from "./layout";

let bitBuf: u64 = 0;
let bitCnt: u32 = 0;
let outPos: usize = 0;

export function bitsStart(out: usize): void {
  bitBuf = 0;
  bitCnt = 0;
  outPos = out;
}

/** Pads to a byte boundary and writes out every pending bit; returns the end of the output. */
export function bitsFinish(): usize {
  bitCnt = (bitCnt + 7) & ~7;
  while (bitCnt > 0) {
    store<u8>(outPos, <u8>bitBuf);
    outPos++;
    bitBuf >>= 8;
    bitCnt -= 8;
  }
  return outPos;
}

@inline
function put(v: u32, n: u32): void {
  bitBuf |= <u64>v << bitCnt;
  bitCnt += n;
  if (bitCnt >= 32) {
    store<u32>(outPos, <u32>bitBuf);
    outPos += 4;
    bitBuf >>= 32;
    bitCnt -= 32;
  }
}

/** Fixed Huffman code lengths and codes (RFC 1951 3.2.6), made once. */
export function initFixed(): void {
  const b = base();
  for (let s = 0; s < 288; s++) store<u8>(b + FIX_LIT_LEN + s, s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8);
  for (let s = 0; s < 32; s++) store<u8>(b + FIX_DIST_LEN + s, 5);
  buildCodes(b + FIX_LIT_LEN, 288, b + FIX_LIT_CODE);
  buildCodes(b + FIX_DIST_LEN, 32, b + FIX_DIST_CODE);
  // Match length - 3 -> length code index.
  for (let c = 0; c < 28; c++) {
    const first = <u32>load<u16>(LEN_BASE + (<usize>c << 1)) - 3;
    const span = (<u32>1) << load<u8>(LEN_EXTRA + c);
    for (let k: u32 = 0; k < span; k++) store<u8>(b + LEN_SYM + first + k, <u8>c);
  }
  store<u8>(b + LEN_SYM + 255, 28);
}

/** An empty final block with fixed codes: the whole deflate stream of an empty input. */
export function writeEmptyFinal(): void {
  put(1 | (1 << 1), 3);
  put(0, 7); // end of block, code 256 is seven zero bits
}

/** Cost in bits of the symbols with the given code lengths, extra bits included. */
function dataBits(litLen: usize, distLen: usize): u64 {
  const b = base();
  let bits: u64 = 0;
  for (let s = 0; s < 286; s++) {
    let l = <u64>load<u8>(litLen + s);
    if (s >= 257) l += <u64>load<u8>(LEN_EXTRA + (s - 257));
    bits += <u64>load<u32>(b + LIT_FREQ + (<usize>s << 2)) * l;
  }
  for (let s: u32 = 0; s < 30; s++) {
    bits += <u64>load<u32>(b + DIST_FREQ + (<usize>s << 2)) * (<u64>load<u8>(distLen + s) + <u64>distExtra(s));
  }
  return bits;
}

/**
 * Writes the block holding input [start, end) whose `nsym` symbols are in SYMS and counted in
 * LIT_FREQ / DIST_FREQ; `src` is the input, needed when the block is stored.
 */
export function writeBlock(src: usize, start: u32, end: u32, nsym: u32, last: bool): void {
  const b = base();
  store<u32>(b + LIT_FREQ + 256 * 4, 1); // end of block
  buildLengths(b + LIT_FREQ, 286, 15, b + LIT_LEN);
  buildLengths(b + DIST_FREQ, 30, 15, b + DIST_LEN);
  let hlit = 286;
  while (hlit > 257 && load<u8>(b + LIT_LEN + hlit - 1) == 0) hlit--;
  let hdist = 30;
  while (hdist > 1 && load<u8>(b + DIST_LEN + hdist - 1) == 0) hdist--;
  const ncl = codeLengthSymbols(hlit, hdist);
  buildLengths(b + CL_FREQ, 19, 7, b + CL_LEN);
  let hclen = 19;
  while (hclen > 4 && load<u8>(b + CL_LEN + load<u8>(CL_ORDER + hclen - 1)) == 0) hclen--;

  let dynBits: u64 = 3 + 14 + 3 * <u64>hclen + dataBits(b + LIT_LEN, b + DIST_LEN);
  for (let s = 0; s < 19; s++) {
    const extra: u64 = s == 16 ? 2 : s == 17 ? 3 : s == 18 ? 7 : 0;
    dynBits += <u64>load<u32>(b + CL_FREQ + (<usize>s << 2)) * (<u64>load<u8>(b + CL_LEN + s) + extra);
  }
  const fixBits: u64 = 3 + dataBits(b + FIX_LIT_LEN, b + FIX_DIST_LEN);
  const len = end - start;
  const chunks = len == 0 ? 1 : (len + 65534) / 65535;
  // Header bits, padding to a byte (at most 7), then LEN/NLEN and the bytes, per chunk.
  const storedBits: u64 = (<u64>chunks) * 3 + 7 + ((<u64>chunks * 4 + <u64>len) << 3);

  if (storedBits < dynBits && storedBits < fixBits) {
    writeStored(src + start, len, last);
  } else if (fixBits <= dynBits) {
    put(<u32>last | (1 << 1), 3);
    writeSymbols(nsym, b + FIX_LIT_LEN, b + FIX_LIT_CODE, b + FIX_DIST_LEN, b + FIX_DIST_CODE);
  } else {
    buildCodes(b + LIT_LEN, 286, b + LIT_CODE);
    buildCodes(b + DIST_LEN, 30, b + DIST_CODE);
    buildCodes(b + CL_LEN, 19, b + CL_CODE);
    put(<u32>last | (2 << 1), 3);
    put((hlit - 257) | ((hdist - 1) << 5) | ((hclen - 4) << 10), 14);
    for (let i = 0; i < hclen; i++) put(load<u8>(b + CL_LEN + load<u8>(CL_ORDER + i)), 3);
    for (let i = 0; i < ncl; i++) {
      const v = <u32>load<u16>(b + CL_SYMS + (<usize>i << 1));
      const s = v & 31;
      const extraBits: u32 = s == 16 ? 2 : s == 17 ? 3 : s == 18 ? 7 : 0;
      const l = <u32>load<u8>(b + CL_LEN + s);
      put(<u32>load<u16>(b + CL_CODE + (<usize>s << 1)) | ((v >> 5) << l), l + extraBits);
    }
    writeSymbols(nsym, b + LIT_LEN, b + LIT_CODE, b + DIST_LEN, b + DIST_CODE);
  }
  // Ready for the next block.
  memory.fill(b + LIT_FREQ, 0, 288 * 4);
  memory.fill(b + DIST_FREQ, 0, 32 * 4);
}

/**
 * Run-length codes the lit/len and distance code lengths into CL_SYMS (symbol | extra << 5) with
 * 16 (repeat previous 3-6), 17 (zeros 3-10) and 18 (zeros 11-138), counting them in CL_FREQ.
 */
function codeLengthSymbols(hlit: i32, hdist: i32): i32 {
  const b = base();
  const seq = b + SEQ;
  memory.copy(seq, b + LIT_LEN, hlit);
  memory.copy(seq + hlit, b + DIST_LEN, hdist);
  memory.fill(b + CL_FREQ, 0, 32 * 4);
  const total = hlit + hdist;
  let n = 0;
  let i = 0;
  while (i < total) {
    const v = <u32>load<u8>(seq + i);
    let run = 1;
    while (i + run < total && <u32>load<u8>(seq + i + run) == v) run++;
    i += run;
    if (v == 0) {
      while (run >= 11) {
        const r = run < 138 ? run : 138;
        n = emitCl(n, 18, r - 11);
        run -= r;
      }
      if (run >= 3) {
        n = emitCl(n, 17, run - 3);
        run = 0;
      }
    } else {
      n = emitCl(n, v, 0);
      run--;
      while (run >= 3) {
        const r = run < 6 ? run : 6;
        n = emitCl(n, 16, r - 3);
        run -= r;
      }
    }
    while (run > 0) {
      n = emitCl(n, v, 0);
      run--;
    }
  }
  return n;
}

@inline
function emitCl(n: i32, sym: u32, extra: u32): i32 {
  const b = base();
  store<u16>(b + CL_SYMS + (<usize>n << 1), <u16>(sym | (extra << 5)));
  const f = b + CL_FREQ + (<usize>sym << 2);
  store<u32>(f, load<u32>(f) + 1);
  return n + 1;
}

function writeStored(p: usize, len: u32, last: bool): void {
  do {
    const n = len < 65535 ? len : 65535;
    len -= n;
    put(<u32>(last && len == 0), 3);
    bitsFinish();
    store<u16>(outPos, <u16>n);
    store<u16>(outPos + 2, <u16>~n);
    memory.copy(outPos + 4, p, n);
    outPos += 4 + n;
    p += n;
  } while (len > 0);
}

/** The block's symbols with the given codes, then end of block. Locals for the bit buffer: hot loop. */
function writeSymbols(nsym: u32, litLen: usize, litCode: usize, distLen: usize, distCodes: usize): void {
  const syms = base() + SYMS;
  const lenSym = base() + LEN_SYM;
  let buf = bitBuf;
  let cnt = bitCnt;
  let out = outPos;
  for (let i: u32 = 0; i < nsym; i++) {
    const v = load<u32>(syms + (<usize>i << 2));
    if (v < 256) {
      buf |= <u64>load<u16>(litCode + (<usize>v << 1)) << cnt;
      cnt += load<u8>(litLen + v);
    } else {
      // A match: bits 0-14 distance - 1, bits 15-22 length - 3, bit 31 set.
      const l3 = (v >> 15) & 0xff;
      const c = <u32>load<u8>(lenSym + l3);
      const ll = <u32>load<u8>(litLen + 257 + c);
      const lx = <u32>load<u8>(LEN_EXTRA + c);
      const le = l3 + 3 - <u32>load<u16>(LEN_BASE + (<usize>c << 1));
      buf |= <u64>(<u32>load<u16>(litCode + ((257 + <usize>c) << 1)) | (le << ll)) << cnt;
      cnt += ll + lx;
      if (cnt >= 32) {
        store<u32>(out, <u32>buf);
        out += 4;
        buf >>= 32;
        cnt -= 32;
      }
      const d1 = v & 0x7fff;
      const dc = distCode(d1);
      const dl = <u32>load<u8>(distLen + dc);
      const de = d1 + 1 - <u32>load<u16>(DIST_BASE + (<usize>dc << 1));
      buf |= <u64>(<u32>load<u16>(distCodes + (<usize>dc << 1)) | (de << dl)) << cnt;
      cnt += dl + distExtra(dc);
    }
    if (cnt >= 32) {
      store<u32>(out, <u32>buf);
      out += 4;
      buf >>= 32;
      cnt -= 32;
    }
  }
  bitBuf = buf;
  bitCnt = cnt;
  outPos = out;
  put(<u32>load<u16>(litCode + 256 * 2), load<u8>(litLen + 256));
}
