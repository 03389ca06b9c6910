/**
 * Shared scanner state: the input cursor, the growable output and scratch buffers, and the per-document
 * outcome (ok, fall back to the exact JS parser, or a positioned error). Raw memory from `heap`, never
 * managed objects, so the hot path allocates nothing the GC has to see.
 */

export const OK: i32 = 0;
export const FALLBACK: i32 = 1;
export const ERROR: i32 = 2;

/** Nesting deeper than this is rejected instead of overflowing the WASM stack. */
export const MAX_DEPTH: i32 = 256;

export class S {
  static base: usize = 0;
  static end: usize = 0;
  static pos: usize = 0;
  static lineStart: usize = 0;
  static status: i32 = 0;
  static errPos: usize = 0;
  static depth: i32 = 0;
}

/** A growable byte buffer in raw heap memory. */
export class Buf {
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
  ensure(n: i32): void {
    const need = this.len + n;
    if (need <= this.cap) return;
    let cap = this.cap < 4096 ? 4096 : this.cap;
    while (cap < need) cap <<= 1;
    this.ptr = this.ptr == 0 ? heap.alloc(<usize>cap) : heap.realloc(this.ptr, <usize>cap);
    this.cap = cap;
  }
  @inline byte(b: i32): void {
    if (this.len >= this.cap) this.ensure(1);
    store<u8>(this.ptr + <usize>this.len, <u8>b);
    this.len++;
  }
  copy(src: usize, n: i32): void {
    this.ensure(n);
    memory.copy(this.ptr + <usize>this.len, src, <usize>n);
    this.len += n;
  }
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    for (let i = 0; i < n; i++) store<u8>(this.ptr + <usize>(this.len + i), <u8>s.charCodeAt(i));
    this.len += n;
  }
  i32(v: i32): void {
    this.ensure(4);
    store<i32>(this.ptr + <usize>this.len, v);
    this.len += 4;
  }
}

/** JSON text of all documents, as one array. */
export const out = new Buf();
/** Decoded scalar text (folded, unescaped) before it is typed and written. */
export const tmp = new Buf();
/** Keys of the open mappings, for duplicate detection: (hash, out offset, length) triples. */
export const keys = new Buf();
/** The error message (ASCII). */
export const errText = new Buf();
/** The input (or output) text an error message ends with, e.g. the duplicate key. */
export const errArg = new Buf();
/** One record per document: kind, input start, input end, first line (all i32). */
export const docs = new Buf();

@inline export function at(i: usize): i32 {
  return <i32>load<u8>(S.pos + i);
}

@inline export function col(): i32 {
  return <i32>(S.pos - S.lineStart);
}

@inline export function isBreak(c: i32): bool {
  return c == 10 || c == 13;
}

/** Space, tab, line break or end of input (the input is followed by zero padding). */
@inline export function isWsOrEnd(c: i32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13 || c == 0;
}

/** Consumes one line break (LF, CRLF or CR) and starts a new line. */
export function newline(): void {
  if (load<u8>(S.pos) == 13 && load<u8>(S.pos + 1) == 10) S.pos += 2;
  else S.pos += 1;
  S.lineStart = S.pos;
}

/** Records the first error; later ones are consequences of it. */
export function fail(msg: string, p: usize): void {
  if (S.status == ERROR) return;
  S.status = ERROR;
  S.errPos = p;
  errText.len = 0;
  errText.ascii(msg);
  errArg.len = 0;
}

/** An error whose message ends with a slice of the input (or output), e.g. a key. */
export function failWith(msg: string, p: usize, arg: usize, argLen: i32): void {
  if (S.status == ERROR) return;
  fail(msg, p);
  errArg.copy(arg, argLen);
}

/** Marks the current document as outside the fast path: the JS side parses it with the `yaml` package. */
export function fallback(): void {
  if (S.status == OK) S.status = FALLBACK;
}

/** At a `---` or `...` marker at the start of a line (column 0). */
export function atDocMarker(): bool {
  if (S.pos != S.lineStart || S.pos + 3 > S.end) return false;
  const c = at(0);
  if (c != 45 && c != 46) return false;
  return at(1) == c && at(2) == c && isWsOrEnd(at(3));
}

/** Skips spaces and tabs on the current line, then a comment if one starts there. */
export function skipInline(): void {
  while (true) {
    const c = at(0);
    if (c == 32 || c == 9) S.pos++;
    else break;
  }
  if (at(0) == 35) while (S.pos < S.end && !isBreak(at(0))) S.pos++;
}

/**
 * Skips blank lines, comments and indentation up to the next content (or end). Block structure is
 * indentation, so a tab among the leading whitespace of a content line is an error.
 */
export function skipToContent(): void {
  let lead = S.pos == S.lineStart;
  let tab: usize = 0;
  while (S.pos < S.end) {
    const c = at(0);
    if (c == 32) S.pos++;
    else if (c == 9) {
      if (lead && tab == 0) tab = S.pos;
      S.pos++;
    } else if (c == 10 || c == 13) {
      newline();
      lead = true;
      tab = 0;
    } else if (c == 35) {
      while (S.pos < S.end && !isBreak(at(0))) S.pos++;
    } else break;
  }
  if (tab != 0 && S.pos < S.end) fail("tabs are not allowed in indentation", tab);
}
