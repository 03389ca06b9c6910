/**
 * Git's pkt-line framing (gitprotocol-common): four hex digits of length (including themselves) and the
 * payload; "0000" flush, "0001" delimiter, "0002" response-end. A reader over a whole response body, and
 * the sideband demultiplexer for the packfile section (band 1 data, 2 progress, 3 fatal error).
 */
import { concat } from "../../core/bytes.ts";

export const DEFAULTS = {
  /** The protocol's maximum pkt-line length (65520 bytes including the 4-byte header). */
  maxPktLength: 65520,
} as const;

export type Pkt = { type: "data"; data: Uint8Array } | { type: "flush" } | { type: "delim" } | { type: "end" };

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One pkt-line carrying `text` (callers add the trailing "\n" the protocol expects). */
export function pktLine(text: string | Uint8Array): Uint8Array {
  const body = typeof text === "string" ? enc.encode(text) : text;
  const len = body.length + 4;
  if (len > DEFAULTS.maxPktLength) throw new Error(`Cannot encode a pkt-line: ${len} bytes exceed ${DEFAULTS.maxPktLength}`);
  const out = new Uint8Array(len);
  out.set(enc.encode(len.toString(16).padStart(4, "0")));
  out.set(body, 4);
  return out;
}

export const FLUSH = enc.encode("0000");
export const DELIM = enc.encode("0001");

/** Splits a whole response body into pkt-lines; data payloads are views into `buf`, not copies. */
export function* readPkts(buf: Uint8Array): Generator<Pkt> {
  let i = 0;
  while (i < buf.length) {
    if (i + 4 > buf.length) throw new Error("Cannot read the git response: truncated pkt-line header");
    const len = hexLength(buf, i);
    if (len === 0) yield { type: "flush" };
    else if (len === 1) yield { type: "delim" };
    else if (len === 2) yield { type: "end" };
    else if (len < 4) throw new Error(`Cannot read the git response: invalid pkt-line length ${len}`);
    if (len < 4) {
      i += 4;
      continue;
    }
    if (i + len > buf.length) throw new Error("Cannot read the git response: truncated pkt-line");
    yield { type: "data", data: buf.subarray(i + 4, i + len) };
    i += len;
  }
}

/** The payload as text without its trailing newline. */
export function pktText(data: Uint8Array): string {
  const s = dec.decode(data);
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

function hexLength(buf: Uint8Array, i: number): number {
  let n = 0;
  for (let k = 0; k < 4; k++) {
    const c = buf[i + k]!;
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (v < 0) throw new Error(`Cannot read the git response: invalid pkt-line header "${dec.decode(buf.subarray(i, i + 4))}"`);
    n = n * 16 + v;
  }
  return n;
}

/**
 * Collects band 1 of a sideband stream into one buffer (the packfile), until a flush. Band 3 is the
 * server's fatal error and becomes an exception; band 2 (progress) is dropped.
 */
export function demuxSideband(pkts: Iterator<Pkt>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let r = pkts.next(); !r.done; r = pkts.next()) {
    const p = r.value;
    if (p.type !== "data") break;
    const band = p.data[0];
    if (band === 1) {
      parts.push(p.data.subarray(1));
    } else if (band === 3) throw new Error(`Cannot fetch the packfile: the server reported "${pktText(p.data.subarray(1))}"`);
    else if (band !== 2) throw new Error(`Cannot fetch the packfile: unknown sideband ${band}`);
  }
  return concat(parts);
}
