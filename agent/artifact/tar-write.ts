/**
 * Writes tar headers the way Go's archive/tar writes the headers Flux's archiver builds: ustar format,
 * uid/gid 0, empty owner names, mtime 0, octal fields zero-padded and NUL-terminated, checksum as six octal
 * digits, NUL, space. A name that does not fit ustar (longer than 100 bytes with no usable split into the
 * 155-byte prefix, or not ASCII) gets a PAX `path` record first, as Go does.
 */
import { BLOCK, FIELD, TYPEFLAG, padded } from "./tar-format.ts";

export interface TarWriteEntry {
  /** Relative slash-separated name; "." for the root directory, no trailing slash on directories. */
  name: string;
  type: "file" | "dir";
  mode: number;
  size: number;
}

const enc = new TextEncoder();

/** The header block(s) for one entry: a PAX header + its records when needed, then the ustar header. */
export function tarHeader(entry: TarWriteEntry): Uint8Array {
  const nameBytes = enc.encode(entry.name);
  const split = ustarSplit(entry.name, nameBytes);
  const typeflag = entry.type === "dir" ? TYPEFLAG.dir : TYPEFLAG.file;
  if (split) return ustarBlock(split.name, split.prefix, entry.mode, entry.size, typeflag);
  const records = paxRecord("path", entry.name);
  const slash = entry.name.lastIndexOf("/");
  const paxName = asciiOnly(
    `${slash < 0 ? "" : entry.name.slice(0, slash + 1)}PaxHeaders.0/${entry.name.slice(slash + 1)}`,
  ).slice(0, 100);
  const out = new Uint8Array(2 * BLOCK + padded(records.length));
  out.set(ustarBlock(enc.encode(paxName), new Uint8Array(0), 0, records.length, TYPEFLAG.paxHeader), 0);
  out.set(records, BLOCK);
  // The real header keeps a best-effort ustar name; readers take the PAX path.
  const fallback = enc.encode(asciiOnly(entry.name)).subarray(0, 100);
  out.set(ustarBlock(fallback, new Uint8Array(0), entry.mode, entry.size, typeflag), BLOCK + padded(records.length));
  return out;
}

/** The two zero blocks that end an archive. */
export const TAR_TRAILER = new Uint8Array(2 * BLOCK);

function ustarSplit(name: string, bytes: Uint8Array): { name: Uint8Array; prefix: Uint8Array } | undefined {
  if (bytes.length !== name.length) return undefined; // not ASCII: Go switches to PAX
  if (bytes.length <= 100) return { name: bytes, prefix: new Uint8Array(0) };
  // The longest prefix that fits, as Go's splitUSTARPath chooses it.
  let i = Math.min(bytes.length - 1, 155);
  while (i > 0 && bytes[i] !== 0x2f) i--;
  if (i <= 0) return undefined;
  const prefix = bytes.subarray(0, i);
  const rest = bytes.subarray(i + 1);
  if (rest.length === 0 || rest.length > 100) return undefined;
  return { name: rest, prefix };
}

function ustarBlock(name: Uint8Array, prefix: Uint8Array, mode: number, size: number, typeflag: string): Uint8Array {
  const b = new Uint8Array(BLOCK);
  b.set(name, FIELD.name[0]);
  octal(b, FIELD.mode, mode);
  octal(b, FIELD.uid, 0);
  octal(b, FIELD.gid, 0);
  octal(b, FIELD.size, size);
  octal(b, FIELD.mtime, 0);
  b[FIELD.typeflag[0]] = typeflag.charCodeAt(0);
  b.set(enc.encode("ustar\u000000"), FIELD.magic[0]);
  octal(b, FIELD.devmajor, 0);
  octal(b, FIELD.devminor, 0);
  b.set(prefix, FIELD.prefix[0]);
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.set(enc.encode(sum.toString(8).padStart(6, "0")), FIELD.checksum[0]);
  b[FIELD.checksum[0] + 6] = 0;
  b[FIELD.checksum[0] + 7] = 0x20;
  return b;
}

function octal(b: Uint8Array, [off, len]: readonly [number, number], n: number): void {
  b.set(enc.encode(n.toString(8).padStart(len - 1, "0")), off);
}

function paxRecord(key: string, value: string): Uint8Array {
  const body = enc.encode(` ${key}=${value}\n`).length;
  // The length prefix counts its own digits.
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  return enc.encode(`${len} ${key}=${value}\n`);
}

function asciiOnly(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "_");
}
