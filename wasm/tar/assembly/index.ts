// The tar index pass in AssemblyScript: the same walk as agent/artifact/tar-index.ts (indexTarJs), on a
// tar stream the caller has copied into this module's memory. Header checksums are summed with SIMD.
// No allocator (stub runtime): the caller lays out memory from heapBase(): [tar bytes][f64 table].
// Returns the entry count, or a negative problem code with the header offset in errorOffset():
// -1 checksum, -2 truncated, -3 too many entries, -4 too large, -5 bad number field, -6 bad PAX record.

let errOffset: u32 = 0;

export function errorOffset(): u32 {
  return errOffset;
}

export function heapBase(): usize {
  return __heap_base;
}

function isZeroBlock(p: usize): bool {
  for (let i: usize = 0; i < 512; i += 16) {
    if (v128.any_true(v128.load(p + i))) return false;
  }
  return true;
}

// Octal text or GNU base-256; -1 when neither (same rules as readNumber in tar-format.ts).
function readNumber(p: usize, len: i32): f64 {
  const first = load<u8>(p);
  if (first & 0x80) {
    if (first & 0x40) return -1;
    let n: f64 = <f64>(first & 0x3f);
    for (let i = 1; i < len; i++) {
      n = n * 256 + <f64>load<u8>(p + i);
      if (n > 9007199254740991) return -1;
    }
    return n;
  }
  let i = 0;
  while (i < len && (load<u8>(p + i) == 0x20 || load<u8>(p + i) == 0)) i++;
  let n: f64 = 0;
  let digits = 0;
  for (; i < len; i++) {
    const c = load<u8>(p + i);
    if (c == 0x20 || c == 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    n = n * 8 + <f64>(c - 0x30);
    digits++;
  }
  for (; i < len; i++) {
    const c = load<u8>(p + i);
    if (c != 0x20 && c != 0) return -1;
  }
  return digits == 0 ? 0 : n;
}

function checksumOk(p: usize): bool {
  const stored = readNumber(p + 148, 8);
  if (stored < 0) return false;
  // Unsigned sum with SIMD: widen bytes pairwise to u16, then to u32 lanes.
  let acc = i32x4.splat(0);
  for (let i: usize = 0; i < 512; i += 16) {
    acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v128.load(p + i))));
  }
  let unsigned: i32 =
    i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  let field: i32 = 0;
  for (let i: usize = 148; i < 156; i++) field += <i32>load<u8>(p + i);
  unsigned = unsigned - field + 8 * 0x20;
  if (stored == <f64>unsigned) return true;
  let signed: i32 = 0;
  for (let i: usize = 0; i < 512; i++) {
    signed += i >= 148 && i < 156 ? 0x20 : <i32>load<i8>(p + i);
  }
  return stored == <f64>signed;
}

function isHeaderOnly(t: u8): bool {
  return t >= 0x31 && t <= 0x36;
}

function isMeta(t: u8): bool {
  return t == 0x78 || t == 0x67 || t == 0x4c || t == 0x4b;
}

// The `size` record of a PAX header: -1 none, -2 malformed.
function paxSize(start: usize, end: usize): f64 {
  let found: f64 = -1;
  let p = start;
  while (p < end) {
    if (load<u8>(p) == 0) break;
    let recLen: usize = 0;
    let q = p;
    while (q < end && load<u8>(q) >= 0x30 && load<u8>(q) <= 0x39) {
      recLen = recLen * 10 + <usize>(load<u8>(q) - 0x30);
      q++;
    }
    if (q == p || q >= end || load<u8>(q) != 0x20 || recLen == 0 || p + recLen > end) return -2;
    const recEnd = p + recLen;
    if (load<u8>(recEnd - 1) != 0x0a) return -2;
    q++;
    if (
      recEnd - q > 5 && load<u8>(q) == 0x73 && load<u8>(q + 1) == 0x69 && load<u8>(q + 2) == 0x7a &&
      load<u8>(q + 3) == 0x65 && load<u8>(q + 4) == 0x3d
    ) {
      let v: f64 = 0;
      let digits = 0;
      for (let i = q + 5; i < recEnd - 1; i++) {
        const c = load<u8>(i);
        if (c < 0x30 || c > 0x39) return -2;
        v = v * 10 + <f64>(c - 0x30);
        digits++;
      }
      if (digits == 0 || v > 9007199254740991) return -2;
      found = v;
    }
    p = recEnd;
  }
  return found;
}

function fail(code: i32, at: usize): i32 {
  errOffset = <u32>at;
  return code;
}

export function scan(tar: usize, len: usize, out: usize, maxEntries: i32, maxSize: f64): i32 {
  let count: i32 = 0;
  let total: f64 = 0;
  let pax: f64 = -1;
  let pos: usize = 0;
  while (pos != len) {
    if (pos + 512 > len) return fail(-2, pos);
    const h = tar + pos;
    if (isZeroBlock(h)) break;
    if (!checksumOk(h)) return fail(-1, pos);
    const t = load<u8>(h + 156);
    let size = readNumber(h + 124, 12);
    if (size < 0) return fail(-5, pos);
    if (!isMeta(t) && pax >= 0) {
      size = pax;
      pax = -1;
    }
    if (isHeaderOnly(t)) size = 0;
    count++;
    if (count > maxEntries) return fail(-3, pos);
    total += size;
    if (total > maxSize) return fail(-4, pos);
    if (<f64>pos + 512 + size > <f64>len) return fail(-2, pos);
    const n = <usize>size;
    if (t == 0x78) {
      pax = paxSize(h + 512, h + 512 + n);
      if (pax == -2) return fail(-6, pos);
    }
    const o = out + <usize>(count - 1) * 24;
    store<f64>(o, <f64>pos);
    store<f64>(o, size, 8);
    store<f64>(o, <f64>t, 16);
    const next = pos + 512 + ((n + 511) & ~511);
    if (next > len) return fail(-2, pos);
    pos = next;
  }
  return count;
}
