// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as gzip's trailer uses it, slice-by-8: eight
// 256-entry tables so each step folds eight input bytes with eight lookups instead of one per byte.
import { CRC_T, base } from "./layout";

export function crcInit(): void {
  const t = base() + CRC_T;
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
    store<u32>(t + (<usize>n << 2), c);
  }
  for (let n: usize = 0; n < 256; n++) {
    let c = load<u32>(t + (n << 2));
    for (let k: usize = 1; k < 8; k++) {
      c = load<u32>(t + ((<usize>(c & 0xff)) << 2)) ^ (c >> 8);
      store<u32>(t + (k << 10) + (n << 2), c);
    }
  }
}

/** Continues `crc` (0 to start) over len bytes at p. */
export function crcUpdate(p: usize, len: usize, crc: u32): u32 {
  const t = base() + CRC_T;
  let c = ~crc;
  const end = p + len;
  while (p + 8 <= end) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p + 4);
    c =
      load<u32>(t + 7 * 1024 + ((<usize>(lo & 0xff)) << 2)) ^
      load<u32>(t + 6 * 1024 + ((<usize>((lo >> 8) & 0xff)) << 2)) ^
      load<u32>(t + 5 * 1024 + ((<usize>((lo >> 16) & 0xff)) << 2)) ^
      load<u32>(t + 4 * 1024 + ((<usize>(lo >> 24)) << 2)) ^
      load<u32>(t + 3 * 1024 + ((<usize>(hi & 0xff)) << 2)) ^
      load<u32>(t + 2 * 1024 + ((<usize>((hi >> 8) & 0xff)) << 2)) ^
      load<u32>(t + 1 * 1024 + ((<usize>((hi >> 16) & 0xff)) << 2)) ^
      load<u32>(t + ((<usize>(hi >> 24)) << 2));
    p += 8;
  }
  while (p < end) {
    c = load<u32>(t + ((<usize>((c ^ load<u8>(p)) & 0xff)) << 2)) ^ (c >> 8);
    p++;
  }
  return ~c;
}
