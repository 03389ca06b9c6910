/**
 * Git's delta format (packfile OFS_DELTA/REF_DELTA payloads): the base size and result size as
 * little-endian base-128 varints, then instructions that either copy a range of the base (high bit set;
 * the low 7 bits say which offset and size bytes follow; size 0 means 0x10000) or insert the next 1-127
 * literal bytes. Every range is bounds-checked; the result must come out at exactly the declared size,
 * and a declared size the instructions could never produce (each byte of them yields at most 64 KiB) is
 * refused before anything is allocated, so a forged header cannot demand gigabytes.
 */

function fail(msg: string): never {
  throw new Error(`Cannot apply the git delta: ${msg}`);
}

export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= delta.length) fail("truncated header");
      const c = delta[p++]!;
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(c & 0x80)) return v;
      if (shift > 49) fail("size out of range");
    }
  };
  const baseSize = varint();
  if (baseSize !== base.length) fail(`base is ${base.length} bytes, the delta expects ${baseSize}`);
  const size = varint();
  // A copy instruction is at least one byte and yields at most 0x10000 bytes; an insert yields fewer
  // bytes than it takes.
  const producible = (delta.length - p) * 0x10000;
  if (size > producible) fail(`declared result of ${size} bytes is more than its ${delta.length - p} bytes of instructions can produce`);
  const out = new Uint8Array(size);
  let o = 0;
  while (p < delta.length) {
    const cmd = delta[p++]!;
    if (cmd & 0x80) {
      let off = 0;
      let n = 0;
      for (let k = 0; k < 4; k++) if (cmd & (1 << k)) off += (delta[p++] ?? fail("truncated copy")) * 2 ** (8 * k);
      for (let k = 0; k < 3; k++) if (cmd & (0x10 << k)) n |= (delta[p++] ?? fail("truncated copy")) << (8 * k);
      if (n === 0) n = 0x10000;
      if (off + n > base.length) fail("copy reaches past the end of the base");
      if (o + n > size) fail("result exceeds its declared size");
      out.set(base.subarray(off, off + n), o);
      o += n;
    } else if (cmd !== 0) {
      if (p + cmd > delta.length) fail("truncated insert");
      if (o + cmd > size) fail("result exceeds its declared size");
      out.set(delta.subarray(p, p + cmd), o);
      o += cmd;
      p += cmd;
    } else fail("reserved instruction 0");
  }
  if (o !== size) fail(`result is ${o} bytes, expected ${size}`);
  return out;
}
