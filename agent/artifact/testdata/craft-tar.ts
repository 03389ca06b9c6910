/**
 * Test-only: builds raw tar streams header by header, including the malformed and hostile ones a real tar
 * tool refuses to write (traversal names, devices, wrong checksums). Portable (no node:*) so it passes the portable type-check.
 */
import { concat } from "../../core/bytes.ts";
export interface CraftEntry {
  name: string;
  /** Type flag character; default "0". */
  type?: string;
  data?: string | Uint8Array;
  /** Size field override (defaults to the data length). */
  size?: number;
  linkname?: string;
  mode?: number;
  /** Added to the correct checksum, to corrupt it. */
  checksumDelta?: number;
  prefix?: string;
}

const enc = new TextEncoder();

export function craftHeader(e: CraftEntry, dataLen: number): Uint8Array {
  const b = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => b.set(enc.encode(s).subarray(0, len), off);
  const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, "0"), off, len);
  put(e.name, 0, 100);
  oct(e.mode ?? 0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(e.size ?? dataLen, 124, 12);
  oct(0, 136, 12);
  b[156] = (e.type ?? "0").charCodeAt(0);
  put(e.linkname ?? "", 157, 100);
  put("ustar\u000000", 257, 8);
  put(e.prefix ?? "", 345, 155);
  let sum = 8 * 32;
  for (const x of b) sum += x;
  put((sum + (e.checksumDelta ?? 0)).toString(8).padStart(6, "0") + "\u0000 ", 148, 8);
  return b;
}

export function craftTar(entries: CraftEntry[], trailer = true): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0);
    parts.push(craftHeader(e, data.length), data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  if (trailer) parts.push(new Uint8Array(1024));
  return concat(parts);
}

/** A PAX extended header entry carrying the given records. */
export function paxEntry(records: Record<string, string>, type = "x"): CraftEntry {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    const n = enc.encode(rest).length;
    let len = n + String(n).length;
    if (String(len).length !== String(n).length) len = n + String(len).length;
    body += `${len}${rest}`;
  }
  return { name: "PaxHeaders.0/x", type, data: body };
}
