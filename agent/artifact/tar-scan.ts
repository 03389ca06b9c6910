/**
 * Reads an uncompressed tar stream into a list of entries whose `data` are views on the input buffer
 * (zero copy). Understands what GNU tar, BSD tar and Go's archive/tar write: the ustar `prefix` field, GNU
 * long names and link names (`L`/`K` entries), PAX extended headers (`path`, `linkpath`, `size`; global
 * headers are read and ignored) and trailing zero blocks. It reports what the archive says; deciding which
 * names and types are acceptable is unpack.ts's job.
 */
import { BLOCK, FIELD, readNumber, readString } from "./tar-format.ts";
import { indexTarJs, type TarIndexer, type TarIndexLimits } from "./tar-index.ts";

export type TarEntryType =
  | "file"
  | "dir"
  | "symlink"
  | "hardlink"
  | "char-device"
  | "block-device"
  | "fifo"
  | "unknown";

export interface TarEntry {
  /** The name as stored (after applying PAX/GNU long names), not yet normalized. */
  name: string;
  type: TarEntryType;
  /** The raw type flag character, for error messages about unknown types. */
  typeflag: string;
  /** Permission bits from the header (mode & 0o7777). */
  mode: number;
  linkname: string;
  /** The entry's content: a view on the tar buffer. Empty for everything but files. */
  data: Uint8Array;
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char-device",
  "4": "block-device",
  "5": "dir",
  "6": "fifo",
};

const utf8 = new TextDecoder("utf-8");

export function scanTar(tar: Uint8Array, limits: TarIndexLimits, indexer: TarIndexer = indexTarJs): TarEntry[] {
  const { count, table } = indexer(tar, limits);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  for (let i = 0; i < count; i++) {
    const at = table[3 * i]!;
    const size = table[3 * i + 1]!;
    const flag = String.fromCharCode(table[3 * i + 2]!);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    switch (flag) {
      case "L":
        longName = cString(data);
        continue;
      case "K":
        longLink = cString(data);
        continue;
      case "x":
        pax = paxRecords(data, pax);
        continue;
      case "g":
        continue; // global attributes: nothing in them changes what we extract
    }
    const name = longName ?? pax?.get("path") ?? ustarName(tar, at);
    const linkname = longLink ?? pax?.get("linkpath") ?? readString(tar, at, FIELD.linkname);
    longName = longLink = pax = undefined;
    const type = TYPES[flag] ?? "unknown";
    entries.push({
      name,
      type,
      typeflag: flag,
      mode: readNumber(tar, at, FIELD.mode) & 0o7777,
      linkname,
      data: type === "file" ? data : tar.subarray(0, 0),
    });
  }
  return entries;
}

/** name, with the ustar prefix in front when the header is POSIX ustar (GNU headers use those bytes otherwise). */
function ustarName(tar: Uint8Array, at: number): string {
  const name = readString(tar, at, FIELD.name);
  const isPosixUstar =
    tar[at + 257] === 0x75 && tar[at + 262] === 0 && tar[at + 263] === 0x30 && tar[at + 264] === 0x30;
  if (!isPosixUstar) return name;
  const prefix = readString(tar, at, FIELD.prefix);
  return prefix ? `${prefix}/${name}` : name;
}

function cString(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return utf8.decode(nul < 0 ? data : data.subarray(0, nul));
}

/** PAX records, `"<len> <key>=<value>\n"`; tar-index.ts has already checked the framing. */
function paxRecords(data: Uint8Array, into = new Map<string, string>()): Map<string, string> {
  let p = 0;
  while (p < data.length && data[p] !== 0) {
    const space = data.indexOf(0x20, p);
    const recLen = Number(utf8.decode(data.subarray(p, space)));
    const record = data.subarray(space + 1, p + recLen - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) into.set(utf8.decode(record.subarray(0, eq)), utf8.decode(record.subarray(eq + 1)));
    p += recLen;
  }
  return into;
}
