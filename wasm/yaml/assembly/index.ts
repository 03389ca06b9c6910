/**
 * YAML stream → JSON text, for manifests. The host writes UTF-8 into `input(len)`, calls `convert`, then
 * reads one JSON array (one element per document) from `outPtr/outLen` and a record per document from
 * `docsPtr` (kind 0 = converted, 1 = outside the fast path: parse that byte range with the exact parser;
 * then input start, input end, first line). On error `convert` returns 2 and `errLine/errCol/errText*`
 * describe it. Limits: nesting depth 256 (state.ts), document size `maxDoc` bytes.
 */
import { S, Buf, out, docs, keys, errText, errArg, at, isBreak, newline, fail, fallback, atDocMarker, skipInline, skipToContent, OK, ERROR, FALLBACK } from "./state.ts";
import { blockNode } from "./block.ts";
import { writePlain } from "./resolve.ts";

const inp = new Buf();
let errLineV: i32 = 0;
let errColV: i32 = 0;

/** Reserves room for `len` bytes of input (plus zero padding the scanner relies on); returns its address. */
export function input(len: i32): usize {
  inp.len = 0;
  inp.ensure(len + 16);
  return inp.ptr;
}

function lineOf(p: usize): i32 {
  let line = 1;
  for (let q = S.base; q < p; q++) if (load<u8>(q) == 10) line++;
  return line;
}

/** Moves to the start of the next line that is a `---` or `...` marker (or the end). */
function nextBoundary(): void {
  while (S.pos < S.end) {
    while (S.pos < S.end && !isBreak(at(0))) S.pos++;
    if (S.pos >= S.end) break;
    newline();
    if (atDocMarker()) break;
  }
}

export function convert(len: i32, maxDoc: i32): i32 {
  S.base = inp.ptr;
  S.end = S.base + <usize>len;
  memory.fill(S.end, 0, 16);
  S.pos = S.base;
  S.lineStart = S.base;
  S.status = OK;
  S.depth = 0;
  out.len = 0;
  docs.len = 0;
  keys.len = 0;
  errText.len = 0;
  errArg.len = 0;
  if (len >= 3 && at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) {
    S.pos += 3;
    S.lineStart = S.pos;
  }
  out.byte(91);
  let count = 0;
  while (S.status == OK) {
    const docStart = S.lineStart;
    let directive = false, tagDirective = false;
    while (true) {
      skipToContent();
      if (S.status != OK || S.pos >= S.end || S.pos != S.lineStart || at(0) != 37) break;
      directive = true;
      if (!(at(1) == 89 && at(2) == 65 && at(3) == 77 && at(4) == 76)) tagDirective = true; // not %YAML
      while (S.pos < S.end && !isBreak(at(0))) S.pos++;
    }
    if (S.status != OK) break;
    if (S.pos >= S.end) {
      if (directive) fail("a directive must be followed by ---", S.pos);
      break;
    }
    if (atDocMarker() && at(0) == 46) {
      // A stray document end marker.
      S.pos += 3;
      continue;
    }
    if (atDocMarker()) S.pos += 3;
    else if (directive) { fail("a directive must be followed by ---", S.pos); break; }
    if (count > 0) out.byte(44);
    count++;
    const outMark = out.len;
    if (tagDirective) fallback();
    else {
      skipInline();
      if (S.pos < S.end && !isBreak(at(0))) blockNode(-1);
      else {
        skipToContent();
        if (S.status == OK) {
          if (S.pos >= S.end || atDocMarker()) out.ascii("null");
          else blockNode(-1);
        }
      }
      if (S.status == OK) {
        skipToContent();
        if (S.status == OK && S.pos < S.end && !atDocMarker()) fail("unexpected content after the document", S.pos);
      }
    }
    if (S.status == ERROR) break;
    let kind = 0;
    if (S.status == FALLBACK) {
      out.len = outMark;
      out.ascii("null");
      kind = 1;
      S.status = OK;
      nextBoundary();
    }
    const docEnd = S.pos;
    if (<i64>(docEnd - docStart) > <i64>maxDoc) {
      fail("document is " + (docEnd - docStart).toString() + " bytes, above the limit of " + maxDoc.toString(), docStart);
      break;
    }
    docs.i32(kind);
    docs.i32(<i32>(docStart - S.base));
    docs.i32(<i32>(docEnd - S.base));
    docs.i32(kind == 1 ? lineOf(docStart) : 0);
    if (atDocMarker() && at(0) == 46) {
      S.pos += 3;
      skipInline();
      if (S.pos < S.end && !isBreak(at(0))) { fail("unexpected content after the document end marker", S.pos); break; }
    }
    if (S.pos >= S.end) break;
  }
  out.byte(93);
  if (S.status == ERROR) {
    errLineV = lineOf(S.errPos);
    let ls = S.errPos;
    while (ls > S.base && load<u8>(ls - 1) != 10) ls--;
    let c = 1;
    for (let q = ls; q < S.errPos; q++) if ((load<u8>(q) & 0xC0) != 0x80) c++;
    errColV = c;
    return ERROR;
  }
  return OK;
}

/** Types one plain scalar (the text in the input buffer) and writes its JSON to the output; for the fallback parser. */
export function resolve(len: i32): i32 {
  out.len = 0;
  memory.fill(inp.ptr + <usize>len, 0, 16);
  return writePlain(inp.ptr, len);
}

export function outPtr(): usize { return out.ptr; }
export function outLen(): i32 { return out.len; }
export function docsPtr(): usize { return docs.ptr; }
export function docCount(): i32 { return docs.len >> 4; }
export function errLine(): i32 { return errLineV; }
export function errCol(): i32 { return errColV; }
export function errTextPtr(): usize { return errText.ptr; }
export function errTextLen(): i32 { return errText.len; }
export function errArgPtr(): usize { return errArg.ptr; }
export function errArgLen(): i32 { return errArg.len; }
