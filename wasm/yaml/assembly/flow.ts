/** Flow collections (`[a, b]`, `{k: v}`), possibly spanning lines. Implicit pairs in sequences, complex keys and node properties fall back. */
import { S, out, tmp, at, isBreak, isWsOrEnd, newline, fail, fallback, MAX_DEPTH, OK } from "./state.ts";
import { plainFlow, scanQuoted, scanPlainLine, continuation } from "./scalars.ts";
import { writeString } from "./json.ts";
import { writeKey, openKeys, closeKeys } from "./keys.ts";

/** Skips blanks, line breaks and comments inside a flow collection. */
function skipFlow(): void {
  while (S.pos < S.end) {
    const c = at(0);
    if (c == 32 || c == 9) S.pos++;
    else if (isBreak(c)) newline();
    else if (c == 35) { while (S.pos < S.end && !isBreak(at(0))) S.pos++; }
    else break;
  }
}

function flowNode(): void {
  const c = at(0);
  if (c == 91 || c == 123) { flowCollection(); return; }
  if (c == 34 || c == 39) {
    scanQuoted();
    if (S.status == OK) writeString(tmp.ptr, tmp.len);
    return;
  }
  if (c == 38 || c == 42 || c == 33) { fallback(); return; }
  if (c == 124 || c == 62 || c == 64 || c == 96 || c == 37) { fail("unexpected character in a flow collection", S.pos); return; }
  if ((c == 45 || c == 63) && isWsOrEnd(at(1))) { fail("unexpected character in a flow collection", S.pos); return; }
  plainFlow();
}

/** A `[...]` or `{...}` at S.pos; writes a JSON array or object. */
export function flowCollection(): void {
  if (++S.depth > MAX_DEPTH) { fail("nesting is too deep", S.pos); return; }
  const open = S.pos;
  const isMap = at(0) == 123;
  const close = isMap ? 125 : 93;
  S.pos++;
  out.byte(isMap ? 123 : 91);
  const mark = openKeys();
  let first = true;
  while (S.status == OK) {
    skipFlow();
    if (S.pos >= S.end) { fail(isMap ? "unterminated flow mapping" : "unterminated flow sequence", open); break; }
    let c = at(0);
    if (c == close) { S.pos++; break; }
    if (c == 44) { fail("unexpected ',' in a flow collection", S.pos); break; }
    if (!first) out.byte(44);
    first = false;
    if (isMap) {
      flowKey(mark);
      if (S.status != OK) break;
      out.byte(58);
      skipFlow();
      if (at(0) == 58) {
        S.pos++;
        skipFlow();
        c = at(0);
        if (c == 44 || c == close) out.ascii("null");
        else flowNode();
      } else out.ascii("null");
    } else {
      flowNode();
      if (S.status != OK) break;
      skipFlow();
      if (at(0) == 58) { fallback(); break; } // implicit single-pair mapping
    }
    if (S.status != OK) break;
    skipFlow();
    c = at(0);
    if (c == 44) S.pos++;
    else if (c != close) {
      if (S.pos >= S.end) fail(isMap ? "unterminated flow mapping" : "unterminated flow sequence", open);
      fail(isMap ? "did not find expected ',' or '}'" : "did not find expected ',' or ']'", S.pos);
      break;
    }
  }
  closeKeys(mark);
  out.byte(isMap ? 125 : 93);
  S.depth--;
}

function flowKey(mark: i32): void {
  const c = at(0);
  const keyPos = S.pos;
  if (c == 63 && isWsOrEnd(at(1))) { fallback(); return; }
  if (c == 91 || c == 123 || c == 38 || c == 42 || c == 33) { fallback(); return; }
  if (c == 34 || c == 39) {
    scanQuoted();
    if (S.status != OK) return;
    writeKey(tmp.ptr, tmp.len, false, keyPos, mark);
    return;
  }
  const start = S.pos;
  let last = scanPlainLine(true);
  if (continuation(-1, true) != 0) { fallback(); return; } // multi-line plain key: rare, let the exact parser decide
  writeKey(start, <i32>(last - start), true, keyPos, mark);
}
