/**
 * Block structure: mappings (`key: value`), sequences (`- item`, compact `- key: v`, and sequences at the
 * same indentation as their parent key) and the node dispatch. Anchors, aliases, tags, `?` keys and merge
 * keys fall back; bad indentation, duplicate and non-string keys are errors.
 */
import { S, out, tmp, at, col, isBreak, isWsOrEnd, fail, fallback, atDocMarker, skipInline, skipToContent, MAX_DEPTH, OK } from "./state.ts";
import { plainValue, scanPlainLine, scanQuoted, scanBlockScalar, stopKind } from "./scalars.ts";
import { flowCollection } from "./flow.ts";
import { writeString } from "./json.ts";
import { writeKey, openKeys, closeKeys } from "./keys.ts";

@inline function isProperty(c: i32): bool {
  return c == 38 || c == 42 || c == 33; // & * !
}

/** Whether the line at S.pos is `key: ...` (plain or quoted key on one line). Does not move the cursor. */
function isKeyLine(): bool {
  const save = S.pos, saveStatus = S.status;
  const c = at(0);
  let found = false;
  if (c == 34 || c == 39) {
    let p = S.pos + 1;
    while (p < S.end) {
      const b = <i32>load<u8>(p);
      if (isBreak(b)) break;
      if (b == 92 && c == 34) { p += 2; continue; }
      if (b == c) {
        if (c == 39 && load<u8>(p + 1) == 39) { p += 2; continue; }
        p++;
        while (load<u8>(p) == 32 || load<u8>(p) == 9) p++;
        found = load<u8>(p) == 58 && isWsOrEnd(<i32>load<u8>(p + 1));
        break;
      }
      p++;
    }
  } else {
    scanPlainLine(false);
    found = stopKind == 1;
    S.status = saveStatus;
  }
  S.pos = save;
  return found;
}

/** After a quoted or flow value only a comment may follow on the line. */
function endOfLine(): void {
  skipInline();
  if (S.pos < S.end && !isBreak(at(0))) fail("unexpected text after a value", S.pos);
}

/** The node at S.pos (first non-blank character) whose parent block is indented `n`. */
export function blockNode(n: i32): void {
  if (++S.depth > MAX_DEPTH) { fail("nesting is too deep", S.pos); return; }
  const c = at(0);
  const here = col();
  if (c == 45 && isWsOrEnd(at(1))) blockSeq(here);
  else if (isProperty(c) || (c == 63 && isWsOrEnd(at(1)))) fallback();
  else if (c == 124 || c == 62) {
    scanBlockScalar(n);
    if (S.status == OK) writeString(tmp.ptr, tmp.len);
  } else if (c == 91 || c == 123) {
    flowCollection();
    if (S.status == OK) {
      skipInline();
      if (at(0) == 58) fallback(); // a flow collection as a key
      else endOfLine();
    }
  } else if (c == 64 || c == 96) fail("reserved character at the start of a plain scalar", S.pos);
  else if (c == 93 || c == 125 || c == 44 || c == 37) fail("unexpected character", S.pos);
  else if (isKeyLine()) blockMap(here);
  else if (c == 34 || c == 39) {
    scanQuoted();
    if (S.status == OK) {
      writeString(tmp.ptr, tmp.len);
      endOfLine();
    }
  } else plainValue(n);
  S.depth--;
}

/** The value after `key:` of a mapping indented `ind`, starting on the same line or below. */
function mapValue(ind: i32): void {
  skipInline();
  if (S.pos >= S.end || isBreak(at(0))) {
    skipToContent();
    if (S.status != OK) return;
    if (S.pos >= S.end || atDocMarker()) { out.ascii("null"); return; }
    const c = col();
    if (c > ind) blockNode(ind);
    else if (c == ind && at(0) == 45 && isWsOrEnd(at(1))) blockSeq(ind);
    else out.ascii("null");
    return;
  }
  const c = at(0);
  if (c == 45 && isWsOrEnd(at(1))) { fail("block sequence entries are not allowed in this context", S.pos); return; }
  if (c == 34 || c == 39) {
    scanQuoted();
    if (S.status != OK) return;
    skipInline();
    if (at(0) == 58 && isWsOrEnd(at(1))) { fail("mapping values are not allowed in this context", S.pos); return; }
    if (S.pos < S.end && !isBreak(at(0))) { fail("unexpected text after a value", S.pos); return; }
    writeString(tmp.ptr, tmp.len);
    return;
  }
  if (c == 91 || c == 123) {
    flowCollection();
    if (S.status == OK) {
      skipInline();
      if (at(0) == 58) fail("mapping values are not allowed in this context", S.pos);
      else endOfLine();
    }
    return;
  }
  if (c == 124 || c == 62) {
    scanBlockScalar(ind);
    if (S.status == OK) writeString(tmp.ptr, tmp.len);
    return;
  }
  if (isProperty(c) || (c == 63 && isWsOrEnd(at(1)))) { fallback(); return; }
  if (c == 64 || c == 96) { fail("reserved character at the start of a plain scalar", S.pos); return; }
  if (c == 93 || c == 125 || c == 44 || c == 37) { fail("unexpected character", S.pos); return; }
  plainValue(ind);
}

/** A block mapping whose keys sit at column `ind`; S.pos is at its first key. */
function blockMap(ind: i32): void {
  out.byte(123);
  const mark = openKeys();
  let first = true;
  while (S.status == OK) {
    const c = at(0);
    const keyPos = S.pos;
    if (isProperty(c) || (c == 63 && isWsOrEnd(at(1))) || c == 91 || c == 123) { fallback(); break; }
    if (c == 45 && isWsOrEnd(at(1))) { fail("expected a mapping key, found a sequence entry", S.pos); break; }
    if (!first) out.byte(44);
    first = false;
    if (c == 34 || c == 39) {
      if (scanQuoted()) { fail("a mapping key must be on a single line", keyPos); break; }
      if (S.status != OK) break;
      writeKey(tmp.ptr, tmp.len, false, keyPos, mark);
      skipInline();
    } else {
      const last = scanPlainLine(false);
      if (stopKind != 1) { fail("could not find expected ':'", keyPos); break; }
      writeKey(keyPos, <i32>(last - keyPos), true, keyPos, mark);
    }
    if (S.status != OK) break;
    if (at(0) != 58) { fail("could not find expected ':'", keyPos); break; }
    S.pos++;
    out.byte(58);
    mapValue(ind);
    if (S.status != OK) break;
    skipToContent();
    if (S.status != OK || S.pos >= S.end || atDocMarker()) break;
    const next = col();
    if (next < ind) break;
    if (next > ind) { fail("bad indentation of a mapping entry", S.pos); break; }
  }
  closeKeys(mark);
  out.byte(125);
}

/** A block sequence whose `-` indicators sit at column `ind`. */
function blockSeq(ind: i32): void {
  out.byte(91);
  let first = true;
  while (S.status == OK) {
    if (!first) out.byte(44);
    first = false;
    S.pos++; // the '-'
    skipInline();
    if (S.pos >= S.end || isBreak(at(0))) {
      skipToContent();
      if (S.status != OK) break;
      if (S.pos < S.end && !atDocMarker() && col() > ind) blockNode(ind);
      else out.ascii("null");
    } else blockNode(ind);
    if (S.status != OK) break;
    skipToContent();
    if (S.status != OK || S.pos >= S.end || atDocMarker()) break;
    const next = col();
    if (next < ind) break;
    if (next == ind) {
      if (at(0) == 45 && isWsOrEnd(at(1))) continue;
      break; // a sequence under a key at the key's own indentation ends at the next key
    }
    fail("bad indentation of a sequence entry", S.pos);
  }
  out.byte(93);
}
