// The LZ77 pass: finds matches in the 32 KiB window with a hash of the next four bytes, chains of earlier
// positions with the same hash (bounded by MAX_CHAIN), and one-step lazy matching. It turns the input into
// literal and match symbols for block.ts, BLOCK_SYMS at a time. The whole input is in memory, so positions
// are absolute and nothing slides; the chain array is a ring indexed by position mod WSIZE, which is safe
// because a search never looks further back than WSIZE - 1.
import { bitsFinish, bitsStart, writeBlock, writeEmptyFinal } from "./block";
import {
  BLOCK_SYMS, DIST_FREQ, LAZY_CHAIN, HASH_BITS, HASH_SIZE, HEAD, LAZY_LEN, LEN_SYM, LIT_FREQ, MAX_CHAIN, MAX_MATCH, NICE_LEN,
  PREV, SYMS, WMASK, WSIZE, base, distCode,
} from "./layout";

@inline
function hash4(p: usize): usize {
  return <usize>((load<u32>(p) * 0x9e3779b1) >> (32 - HASH_BITS));
}

/**
 * Inserts position p and returns the longest match (len << 16 | distance) longer than `best` found in
 * p's chain, or 0. `maxLen` <= MAX_MATCH is how many bytes remain.
 */
@inline
function insertAndFind(src: usize, head: usize, prev: usize, p: u32, best: u32, maxLen: u32, chain: i32): u32 {
  const h = head + (hash4(src + p) << 2);
  let cand = load<i32>(h);
  store<i32>(h, <i32>p);
  store<i32>(prev + (<usize>(p & WMASK) << 2), cand);
  const floor: i32 = p > WSIZE ? <i32>(p - WSIZE) : -1; // -1: empty head or chain end
  const here = src + p;
  const first = load<u32>(here);
  let found: u32 = 0;
  while (cand > floor && chain > 0) {
    chain--;
    const there = src + <usize>cand;
    // Cheap rejects first: the byte that would make this match longer than the best, then four bytes.
    if (load<u8>(there + best) == load<u8>(here + best) && load<u32>(there) == first) {
      let len: u32 = 4;
      while (len < maxLen) {
        const x = load<u64>(here + len) ^ load<u64>(there + len);
        if (x != 0) {
          len += <u32>(ctz(x) >> 3);
          break;
        }
        len += 8;
      }
      if (len > maxLen) len = maxLen;
      if (len > best) {
        best = len;
        found = (len << 16) | (p - <u32>cand);
        if (len >= NICE_LEN || len >= maxLen) break;
      }
    }
    cand = load<i32>(prev + (<usize>(<u32>cand & WMASK) << 2));
  }
  return found;
}

/** Records the byte at `at` as a literal symbol and counts it; returns the new symbol count. */
@inline
function literal(at: usize, syms: usize, nsym: u32, litFreq: usize): u32 {
  const lit = <u32>load<u8>(at);
  store<u32>(syms + (<usize>nsym << 2), lit);
  const f = litFreq + (<usize>lit << 2);
  store<u32>(f, load<u32>(f) + 1);
  return nsym + 1;
}

@inline
function insert(src: usize, head: usize, prev: usize, p: u32): void {
  const h = head + (hash4(src + p) << 2);
  store<i32>(prev + (<usize>(p & WMASK) << 2), load<i32>(h));
  store<i32>(h, <i32>p);
}

/** Compresses src[0, n) into raw deflate at `out`; returns the end of the output. */
export function deflateRaw(src: usize, n: u32, out: usize): usize {
  bitsStart(out);
  if (n == 0) {
    writeEmptyFinal();
    return bitsFinish();
  }
  const b = base();
  const head = b + HEAD;
  const prev = b + PREV;
  const syms = b + SYMS;
  const litFreq = b + LIT_FREQ;
  const distFreq = b + DIST_FREQ;
  const lenSym = b + LEN_SYM;
  memory.fill(head, 0xff, <usize>HASH_SIZE << 2); // -1: no position yet
  memory.fill(litFreq, 0, 288 * 4);
  memory.fill(distFreq, 0, 32 * 4);
  // Positions below hashEnd have four bytes to hash; the rest are sent as literals.
  const hashEnd: u32 = n >= 4 ? n - 3 : 0;
  let p: u32 = 0;
  let inserted: u32 = 0; // every position below this is in the hash chains
  let blockStart: u32 = 0;
  let nsym: u32 = 0;
  while (p < n) {
    if (nsym >= BLOCK_SYMS) {
      writeBlock(src, blockStart, p, nsym, false);
      blockStart = p;
      nsym = 0;
    }
    let m: u32 = 0;
    if (p < hashEnd) {
      const left = n - p;
      m = insertAndFind(src, head, prev, p, 3, left < MAX_MATCH ? left : MAX_MATCH, MAX_CHAIN);
      inserted = p + 1;
    }
    if (m == 0) {
      nsym = literal(src + p, syms, nsym, litFreq);
      p++;
      continue;
    }
    // Lazy matching: while a longer match starts one byte later, send this byte as a literal instead.
    while ((m >> 16) < LAZY_LEN && p + 1 < hashEnd) {
      const left = n - p - 1;
      const next = insertAndFind(src, head, prev, p + 1, m >> 16, left < MAX_MATCH ? left : MAX_MATCH, LAZY_CHAIN);
      inserted = p + 2;
      if (next == 0) break;
      nsym = literal(src + p, syms, nsym, litFreq);
      p++;
      m = next;
    }
    const len = m >> 16;
    const d1 = (m & 0xffff) - 1;
    store<u32>(syms + (<usize>nsym << 2), 0x80000000 | ((len - 3) << 15) | d1);
    nsym++;
    const lf = litFreq + ((257 + <usize>load<u8>(lenSym + len - 3)) << 2);
    store<u32>(lf, load<u32>(lf) + 1);
    const df = distFreq + (<usize>distCode(d1) << 2);
    store<u32>(df, load<u32>(df) + 1);
    const stop = p + len < hashEnd ? p + len : hashEnd;
    for (let q = inserted; q < stop; q++) insert(src, head, prev, q);
    if (stop > inserted) inserted = stop;
    p += len;
  }
  writeBlock(src, blockStart, n, nsym, true);
  return bitsFinish();
}
