// Length-limited Huffman code lengths and canonical codes (RFC 1951 3.2.2).
// Lengths: a plain Huffman tree built with two queues over the symbols sorted by frequency; when it is
// deeper than the limit, the deepest leaves are clamped and the code is made complete again by moving
// one leaf at a time one level down while lifting a clamped leaf up to the same level (each step lowers
// the Kraft sum by exactly one unit, so the result is a complete prefix code, which inflaters require).
// Lengths are then handed out again by frequency, so rarer symbols never get shorter codes.
import { H_COUNT, H_KEYS, H_PARENT, H_WEIGHT, base } from "./layout";

/** Sorts u64 keys ascending (heap sort: no recursion, no allocation, n <= 288). */
function sortKeys(keys: usize, n: i32): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(keys, start, n);
  for (let end = n - 1; end > 0; end--) {
    const top = load<u64>(keys);
    store<u64>(keys, load<u64>(keys + (<usize>end << 3)));
    store<u64>(keys + (<usize>end << 3), top);
    siftDown(keys, 0, end);
  }
}

function siftDown(keys: usize, i: i32, n: i32): void {
  const v = load<u64>(keys + (<usize>i << 3));
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cv = load<u64>(keys + (<usize>c << 3));
    if (c + 1 < n) {
      const rv = load<u64>(keys + (<usize>(c + 1) << 3));
      if (rv > cv) {
        c++;
        cv = rv;
      }
    }
    if (cv <= v) break;
    store<u64>(keys + (<usize>i << 3), cv);
    i = c;
  }
  store<u64>(keys + (<usize>i << 3), v);
}

/** Writes code lengths (<= limit) for `n` symbols with frequencies `freq` (u32[n]) into `lens` (u8[n]). */
export function buildLengths(freq: usize, n: i32, limit: u32, lens: usize): void {
  const b = base();
  const keys = b + H_KEYS;
  const weight = b + H_WEIGHT;
  const parent = b + H_PARENT;
  const count = b + H_COUNT;
  let m = 0;
  for (let s = 0; s < n; s++) {
    store<u8>(lens + s, 0);
    const f = load<u32>(freq + (<usize>s << 2));
    if (f != 0) {
      store<u64>(keys + (<usize>m << 3), (<u64>f << 16) | <u64>s);
      m++;
    }
  }
  // Inflaters want at least two codes; give the missing ones length 1 (a complete one-bit code).
  if (m < 2) {
    const only: i32 = m == 1 ? <i32>(load<u64>(keys) & 0xffff) : -1;
    store<u8>(lens + (only == 0 ? 1 : 0), 1);
    if (only >= 0) store<u8>(lens + only, 1);
    else store<u8>(lens + 1, 1);
    return;
  }
  sortKeys(keys, m);
  for (let i = 0; i < m; i++) store<u32>(weight + (<usize>i << 2), <u32>(load<u64>(keys + (<usize>i << 3)) >> 16));
  // Two queues: leaves in ascending weight, and internal nodes, created in ascending weight.
  let leaf = 0;
  let inner = m;
  const last = 2 * m - 1;
  for (let next = m; next < last; next++) {
    let pick = 0;
    let sum: u32 = 0;
    for (let k = 0; k < 2; k++) {
      if (leaf < m && (inner >= next || load<u32>(weight + (<usize>leaf << 2)) <= load<u32>(weight + (<usize>inner << 2)))) {
        pick = leaf++;
      } else {
        pick = inner++;
      }
      sum += load<u32>(weight + (<usize>pick << 2));
      store<u32>(parent + (<usize>pick << 2), next);
    }
    store<u32>(weight + (<usize>next << 2), sum);
  }
  // Depths, reusing the weight array: a parent always has a higher index than its children.
  store<u32>(weight + (<usize>(last - 1) << 2), 0);
  for (let i = last - 2; i >= 0; i--) {
    store<u32>(weight + (<usize>i << 2), load<u32>(weight + (<usize>load<u32>(parent + (<usize>i << 2)) << 2)) + 1);
  }
  for (let l: u32 = 0; l <= limit; l++) store<u32>(count + (<usize>l << 2), 0);
  let kraft: u32 = 0;
  for (let i = 0; i < m; i++) {
    let d = load<u32>(weight + (<usize>i << 2));
    if (d > limit) d = limit;
    store<u32>(count + (<usize>d << 2), load<u32>(count + (<usize>d << 2)) + 1);
    kraft += (<u32>1) << (limit - d);
  }
  while (kraft > (<u32>1) << limit) {
    let l = limit - 1;
    while (load<u32>(count + (<usize>l << 2)) == 0) l--;
    store<u32>(count + (<usize>l << 2), load<u32>(count + (<usize>l << 2)) - 1);
    store<u32>(count + (<usize>(l + 1) << 2), load<u32>(count + (<usize>(l + 1) << 2)) + 2);
    store<u32>(count + (<usize>limit << 2), load<u32>(count + (<usize>limit << 2)) - 1);
    kraft--;
  }
  // Longest codes to the rarest symbols (keys are in ascending frequency).
  let i = 0;
  for (let l = limit; l >= 1; l--) {
    const c = load<u32>(count + (<usize>l << 2));
    for (let k: u32 = 0; k < c; k++) {
      store<u8>(lens + <usize>(load<u64>(keys + (<usize>i << 3)) & 0xffff), <u8>l);
      i++;
    }
  }
}

/** Canonical codes for `lens` (u8[n]), stored bit-reversed in `codes` (u16[n]) since deflate sends LSB first. */
export function buildCodes(lens: usize, n: i32, codes: usize): void {
  const count = base() + H_COUNT;
  for (let l = 0; l < 16; l++) store<u32>(count + (<usize>l << 2), 0);
  for (let s = 0; s < n; s++) {
    const l = <usize>load<u8>(lens + s);
    store<u32>(count + (l << 2), load<u32>(count + (l << 2)) + 1);
  }
  store<u32>(count, 0);
  // Turn counts into the first code of each length, in place.
  let code: u32 = 0;
  let prev: u32 = 0;
  for (let l = 1; l < 16; l++) {
    const c = load<u32>(count + (<usize>l << 2));
    code = (code + prev) << 1;
    prev = c;
    store<u32>(count + (<usize>l << 2), code);
  }
  for (let s = 0; s < n; s++) {
    const l = <u32>load<u8>(lens + s);
    if (l == 0) {
      store<u16>(codes + (<usize>s << 1), 0);
      continue;
    }
    const c = load<u32>(count + (<usize>l << 2));
    store<u32>(count + (<usize>l << 2), c + 1);
    store<u16>(codes + (<usize>s << 1), <u16>(reverse(c) >> (32 - l)));
  }
}

@inline
function reverse(x: u32): u32 {
  x = ((x >> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return (x >> 16) | (x << 16);
}
