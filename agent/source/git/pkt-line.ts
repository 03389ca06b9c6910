/**
 * Git's pkt-line framing (gitprotocol-common): four hex digits of length (including themselves) and the
 * payload; "0000" flush, "0001" delimiter, "0002" response-end. A reader over a whole response body, a
 * splitter for one that arrives in chunks, and the sideband bands of the packfile section (1 data, 2
 * progress, 3 fatal error).
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

/** Bytes the line at `i` takes: its length, or 4 for the special lines (which readPkts checks). */
function lineLength(buf: Uint8Array, i: number): number {
  const len = hexLength(buf, i);
  return len < 4 ? 4 : len;
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
 * Splits a body that arrives in chunks into pkt-lines. Payloads are views of the chunk, or a copy for a
 * line that spans two chunks; only such a partial line (at most 65520 bytes) is kept between chunks.
 */
export class PktSplitter {
  #partial: Uint8Array | undefined;

  push(chunk: Uint8Array): Pkt[] {
    const out: Pkt[] = [];
    let buf = chunk;
    const p = this.#partial;
    if (p) {
      // Complete the partial line with just the bytes it lacks: its header first, then its payload.
      const head = p.length >= 4 ? p : concat([p, chunk.subarray(0, 4 - p.length)]);
      if (head.length < 4) {
        this.#partial = head;
        return out;
      }
      const missing = lineLength(head, 0) - p.length;
      if (chunk.length < missing) {
        this.#partial = concat([p, chunk]);
        return out;
      }
      out.push(...readPkts(concat([p, chunk.subarray(0, missing)])));
      buf = chunk.subarray(missing);
      this.#partial = undefined;
    }
    let i = 0;
    while (i + 4 <= buf.length) {
      const len = lineLength(buf, i);
      if (i + len > buf.length) break;
      out.push(...readPkts(buf.subarray(i, i + len)));
      i += len;
    }
    if (i < buf.length) this.#partial = buf.slice(i);
    return out;
  }

  /** After the last chunk: a line cut short is an error. */
  end(): void {
    if (this.#partial) throw new Error("Cannot read the git response: truncated pkt-line");
  }
}

/**
 * One pkt-line of a sideband stream: band 1's payload (pack data), undefined for band 2 (progress);
 * band 3 is the server's fatal error and becomes an exception.
 */
export function sidebandData(data: Uint8Array): Uint8Array | undefined {
  const band = data[0];
  if (band === 1) return data.subarray(1);
  if (band === 3) throw new Error(`Cannot fetch the packfile: the server reported "${pktText(data.subarray(1))}"`);
  if (band !== 2) throw new Error(`Cannot fetch the packfile: unknown sideband ${band}`);
  return undefined;
}
