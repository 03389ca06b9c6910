/**
 * The byte layout of a tar header block (POSIX ustar, plus the GNU and PAX extensions readers meet in
 * practice) and the small number codecs both the tar writer and the tar scanners share. Pure functions on
 * byte arrays; no I/O. Numbers up to 2^53 are exact (octal or GNU base-256 fields).
 */

export const BLOCK = 512;

/** Field offsets and lengths inside a 512-byte header block. */
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** Type flags as the characters they are stored as. */
export const TYPEFLAG = {
  file: "0",
  oldFile: "\0",
  hardlink: "1",
  symlink: "2",
  charDevice: "3",
  blockDevice: "4",
  dir: "5",
  fifo: "6",
  contiguous: "7",
  paxHeader: "x",
  paxGlobal: "g",
  gnuLongName: "L",
  gnuLongLink: "K",
} as const;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** A NUL-terminated string field, decoded as UTF-8. */
export function readString(block: Uint8Array, at: number, [rel, len]: readonly [number, number]): string {
  const off = at + rel;
  let end = off;
  const max = off + len;
  while (end < max && block[end] !== 0) end++;
  return utf8.decode(block.subarray(off, end));
}

/**
 * A numeric field: octal text (spaces and NULs around it allowed), or GNU base-256 when the first byte
 * has its high bit set. Returns -1 for a field that is neither, so callers can name the broken header.
 */
export function readNumber(block: Uint8Array, at: number, [rel, len]: readonly [number, number]): number {
  const off = at + rel;
  const first = block[off]!;
  if (first & 0x80) {
    // Base-256, big-endian; a set 0x40 bit means negative, which no size or mode may be.
    if (first & 0x40) return -1;
    let n = first & 0x3f;
    for (let i = off + 1; i < off + len; i++) {
      n = n * 256 + block[i]!;
      if (n > Number.MAX_SAFE_INTEGER) return -1;
    }
    return n;
  }
  let i = off;
  const end = off + len;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    n = n * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return -1;
  return digits === 0 ? 0 : n;
}

/**
 * Whether the stored checksum matches. Readers must accept both the unsigned sum (POSIX) and the signed
 * sum some historic writers used; the checksum field itself counts as eight spaces.
 */
export function checksumMatches(tar: Uint8Array, at: number): boolean {
  const stored = readNumber(tar, at, FIELD.checksum);
  if (stored < 0) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = at; i < at + BLOCK; i++) {
    const b = i >= at + 148 && i < at + 156 ? 0x20 : tar[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Whether the 512 bytes at `at` are all zero (an end-of-archive marker block). */
export function isZeroBlock(tar: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (tar[i] !== 0) return false;
  return true;
}

/** Rounds a data size up to whole blocks. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}
