/**
 * Scalar scanners: plain (one line, or folded over continuation lines), single- and double-quoted (all
 * YAML escapes, line folding) and literal/folded block scalars (chomping and indentation indicators).
 * Quoted and block scalars are decoded into `tmp`; plain text is typed by resolve.ts.
 */
import { S, tmp, at, isBreak, isWsOrEnd, newline, fail, failWith, fallback, atDocMarker, skipInline } from "./state.ts";
import { writePlain } from "./resolve.ts";

/** Why the last `scanPlainLine` stopped: 0 line end or comment, 1 a `: ` key indicator, 2 a flow indicator. */
export let stopKind: i32 = 0;

@inline function isFlowIndicator(c: i32): bool {
  return c == 44 || c == 91 || c == 93 || c == 123 || c == 125;
}

/** Scans plain text on the current line from S.pos; returns the end of the text without trailing blanks. */
export function scanPlainLine(flow: bool): usize {
  const start = S.pos;
  let p = start;
  let last = p;
  stopKind = 0;
  while (true) {
    const c = <i32>load<u8>(p);
    if (c == 58) {
      const d = <i32>load<u8>(p + 1);
      if (isWsOrEnd(d) || (flow && isFlowIndicator(d))) { stopKind = 1; break; }
    } else if (c == 35) {
      if (p > start) {
        const b = <i32>load<u8>(p - 1);
        if (b == 32 || b == 9) break;
      }
    } else if (c < 32 && c != 9) {
      if (c != 10 && c != 13 && p < S.end) fail("control characters are not allowed", p);
      break;
    } else if (flow && isFlowIndicator(c)) {
      stopKind = 2;
      break;
    }
    p++;
    if (c != 32 && c != 9) last = p;
  }
  S.pos = p;
  return last;
}

/**
 * After a plain or quoted line, finds the next line that continues the scalar (indented more than `n`, not
 * a comment or document marker). Returns the number of line breaks crossed, or 0 (cursor unchanged) if the
 * scalar ends here.
 */
export function continuation(n: i32, flow: bool): i32 {
  const savePos = S.pos, saveLine = S.lineStart;
  skipInline();
  if (S.pos >= S.end || !isBreak(at(0))) {
    S.pos = savePos;
    S.lineStart = saveLine;
    return 0;
  }
  let breaks = 0;
  while (isBreak(at(0))) {
    newline();
    breaks++;
    if (atDocMarker()) break;
    while (at(0) == 32) S.pos++;
    const ind = <i32>(S.pos - S.lineStart);
    while (at(0) == 32 || at(0) == 9) S.pos++;
    const c = at(0);
    if (isBreak(c)) continue;
    if (S.pos >= S.end || c == 35 || (!flow && ind <= n)) break;
    if (flow && (isFlowIndicator(c) || (c == 58 && (isWsOrEnd(at(1)) || isFlowIndicator(at(1)))))) break;
    return breaks;
  }
  S.pos = savePos;
  S.lineStart = saveLine;
  return 0;
}

function fold(breaks: i32): void {
  if (breaks == 1) tmp.byte(32);
  else for (let i = 1; i < breaks; i++) tmp.byte(10);
}

/**
 * A plain scalar that may fold over lines; writes its typed value. In block context (`flow` false) its
 * continuation lines must be indented more than `n` and `: ` inside it is an error; in a flow collection
 * the collection's punctuation ends it instead.
 */
function plain(n: i32, flow: bool): void {
  const start = S.pos;
  let last = scanPlainLine(flow);
  if (!flow && stopKind == 1) { fail("mapping values are not allowed in this context", S.pos); return; }
  let breaks = continuation(n, flow);
  if (breaks == 0) {
    writePlain(start, <i32>(last - start));
    return;
  }
  tmp.len = 0;
  tmp.copy(start, <i32>(last - start));
  while (breaks > 0) {
    fold(breaks);
    const s = S.pos;
    last = scanPlainLine(flow);
    if (!flow && stopKind == 1) { fail("mapping values are not allowed in this context", S.pos); return; }
    tmp.copy(s, <i32>(last - s));
    breaks = continuation(n, flow);
  }
  writePlain(tmp.ptr, tmp.len);
}

/** A plain scalar value in block context whose continuation lines must be indented more than `n`. */
export function plainValue(n: i32): void {
  plain(n, false);
}

/** A plain scalar inside a flow collection (may fold over lines). */
export function plainFlow(): void {
  plain(-1, true);
}

function utf8(cp: u32): void {
  if (cp < 0x80) tmp.byte(<i32>cp);
  else if (cp < 0x800) {
    tmp.byte(<i32>(0xC0 | (cp >> 6)));
    tmp.byte(<i32>(0x80 | (cp & 63)));
  } else if (cp < 0x10000) {
    tmp.byte(<i32>(0xE0 | (cp >> 12)));
    tmp.byte(<i32>(0x80 | ((cp >> 6) & 63)));
    tmp.byte(<i32>(0x80 | (cp & 63)));
  } else {
    tmp.byte(<i32>(0xF0 | (cp >> 18)));
    tmp.byte(<i32>(0x80 | ((cp >> 12) & 63)));
    tmp.byte(<i32>(0x80 | ((cp >> 6) & 63)));
    tmp.byte(<i32>(0x80 | (cp & 63)));
  }
}

function hex(p: usize, n: i32): i64 {
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i) | 0;
    let d: i32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Also written by agent/yaml/fallback.ts, so both paths refuse a surrogate escape in the same words. */
const SURROGATE_ESCAPE = "invalid Unicode escape in a double-quoted scalar, as in kustomize (write the character itself or a \\U escape, not UTF-16 surrogates): ";

/** Returns true when the quoted scalar spanned more than one line (so it cannot be an implicit key). */
export function scanQuoted(): bool {
  const open = S.pos;
  const q = at(0);
  S.pos++;
  tmp.len = 0;
  let keep = 0; // tmp length that trailing-blank trimming must not cut into (escaped blanks)
  let multi = false;
  while (true) {
    if (S.pos >= S.end) {
      fail(q == 34 ? "unterminated double-quoted scalar" : "unterminated single-quoted scalar", open);
      return multi;
    }
    const c = at(0);
    if (c == q) {
      if (q == 39 && at(1) == 39) {
        tmp.byte(39);
        S.pos += 2;
        continue;
      }
      S.pos++;
      return multi;
    }
    if (c == 92 && q == 34) {
      const e = at(1);
      const bs = S.pos;
      S.pos += 2;
      let cp: i64 = -1;
      if (e == 48) cp = 0;
      else if (e == 97) cp = 7;
      else if (e == 98) cp = 8;
      else if (e == 116 || e == 9) cp = 9;
      else if (e == 110) cp = 10;
      else if (e == 118) cp = 11;
      else if (e == 102) cp = 12;
      else if (e == 114) cp = 13;
      else if (e == 101) cp = 27;
      else if (e == 32 || e == 34 || e == 47 || e == 92) cp = e;
      else if (e == 78) cp = 0x85;
      else if (e == 95) cp = 0xA0;
      else if (e == 76) cp = 0x2028;
      else if (e == 80) cp = 0x2029;
      else if (e == 120 || e == 117 || e == 85) {
        const w = e == 120 ? 2 : e == 117 ? 4 : 8;
        cp = S.pos + <usize>w <= S.end ? hex(S.pos, w) : -1;
        S.pos += <usize>w;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          // go-yaml (so kubectl kustomize and Flux) refuses every surrogate escape, a lone half and a
          // UTF-16 pair like \ud83d\ude00 alike: a surrogate is not a character and has no UTF-8 form.
          // Refusing here keeps us from accepting a manifest the cluster side would not build.
          failWith(SURROGATE_ESCAPE, bs, bs, 2 + w);
          return multi;
        }
        if (cp > 0x10FFFF) cp = -1;
      } else if (isBreak(e)) {
        // Escaped line break: join without a space, drop the next line's indentation.
        S.pos = bs + 1;
        newline();
        multi = true;
        while (at(0) == 32 || at(0) == 9) S.pos++;
        keep = tmp.len;
        continue;
      }
      if (cp < 0) {
        fail("invalid escape sequence in a double-quoted scalar", bs);
        return multi;
      }
      utf8(<u32>cp);
      keep = tmp.len;
      continue;
    }
    if (isBreak(c)) {
      multi = true;
      while (tmp.len > keep) {
        const t = <i32>load<u8>(tmp.ptr + <usize>(tmp.len - 1));
        if (t != 32 && t != 9) break;
        tmp.len--;
      }
      let breaks = 0;
      while (isBreak(at(0))) {
        newline();
        breaks++;
        if (atDocMarker()) {
          fail(q == 34 ? "unterminated double-quoted scalar" : "unterminated single-quoted scalar", open);
          return multi;
        }
        while (at(0) == 32 || at(0) == 9) S.pos++;
      }
      fold(breaks);
      keep = tmp.len;
      continue;
    }
    if (c < 32 && c != 9) {
      fail("control characters are not allowed", S.pos);
      return multi;
    }
    tmp.byte(c);
    S.pos++;
  }
  return multi;
}

/** A literal (`|`) or folded (`>`) block scalar whose parent block is indented `n`; decoded into tmp. */
export function scanBlockScalar(n: i32): void {
  const folded = at(0) == 62;
  const header = S.pos;
  S.pos++;
  let indicator = 0;
  let chomp = 0; // -1 strip, 0 clip, 1 keep
  for (let i = 0; i < 2; i++) {
    const c = at(0);
    if (c >= 49 && c <= 57 && indicator == 0) { indicator = c - 48; S.pos++; }
    else if (c == 45 && chomp == 0) { chomp = -1; S.pos++; }
    else if (c == 43 && chomp == 0) { chomp = 1; S.pos++; }
  }
  const afterHeader = at(0);
  if (!isWsOrEnd(afterHeader)) { fail("invalid block scalar header", header); return; }
  skipInline();
  if (S.pos < S.end && !isBreak(at(0))) { fail("invalid block scalar header", header); return; }
  if (indicator != 0 && n < 0) { fallback(); return; }
  tmp.len = 0;
  if (S.pos >= S.end) return;
  newline();
  let indent = indicator != 0 ? n + indicator : -1;
  if (indent < 0) {
    // Auto-detect from the first non-blank line.
    let p = S.pos;
    while (true) {
      let q = p;
      while (load<u8>(q) == 32) q++;
      const c = <i32>load<u8>(q);
      if (q < S.end && isBreak(c)) {
        p = c == 13 && load<u8>(q + 1) == 10 ? q + 2 : q + 1;
        continue;
      }
      indent = <i32>(q - p);
      break;
    }
    if (indent <= n) indent = n + 1;
  }
  let pending = 0;
  let first = true;
  let prevSpaced = false;
  let lastBreak = false;
  while (S.pos < S.end) {
    let sp = 0;
    while (sp < indent && at(0) == 32) { S.pos++; sp++; }
    const c = at(0);
    if (S.pos >= S.end || isBreak(c)) {
      if (S.pos >= S.end) break;
      pending++;
      newline();
      continue;
    }
    if (sp < indent) {
      S.pos = S.lineStart;
      break;
    }
    if (S.pos - <usize>sp == S.lineStart && sp == 0) {
      if (atDocMarker()) break;
    }
    const start = S.pos;
    while (S.pos < S.end && !isBreak(at(0))) {
      const b = at(0);
      if (b < 32 && b != 9) { fail("control characters are not allowed", S.pos); return; }
      S.pos++;
    }
    const spaced = c == 32 || c == 9;
    if (first) for (let i = 0; i < pending; i++) tmp.byte(10);
    else if (folded && !spaced && !prevSpaced) {
      if (pending == 0) tmp.byte(32);
      else for (let i = 0; i < pending; i++) tmp.byte(10);
    } else for (let i = 0; i <= pending; i++) tmp.byte(10);
    tmp.copy(start, <i32>(S.pos - start));
    first = false;
    prevSpaced = spaced;
    pending = 0;
    lastBreak = S.pos < S.end;
    if (lastBreak) newline();
  }
  if (chomp == 1) {
    if (!first && lastBreak) tmp.byte(10);
    for (let i = 0; i < pending; i++) tmp.byte(10);
  } else if (chomp == 0 && !first && lastBreak) tmp.byte(10);
}
