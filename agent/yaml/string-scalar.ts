/**
 * How a string is written as a YAML scalar, in `kubectl kustomize` (go-yaml v3) style: plain when it reads
 * back as the same string, double quotes when plain text would read as another type (`"yes"`, `"0755"`,
 * `""`) or when it holds characters only escapes can carry (tabs, controls, line separators), single
 * quotes when it only clashes with YAML syntax (`' lead'`, `'a: b'`, `'[x'`), a literal block (`|`, `|-`,
 * `|+`) for multi-line text whose lines can be written as they are.
 *
 * One pass over the UTF-16 code units decides the style; there is no regular expression on the hot path.
 * The rules are a superset of what YAML 1.1, YAML 1.2 core and go-yaml read as non-strings, so the result
 * reads back as the same string through either parser; when in doubt it quotes. Limits: no line folding
 * (kustomize folds long plain scalars at 80 columns), leading-space multi-line text is double-quoted
 * rather than given an indentation indicator (`|2`), non-BMP characters are written as is (go-yaml
 * escapes them as `\U0001F600`).
 */

export type ScalarStyle = "plain" | "single" | "double" | "literal";

/**
 * Plain words some YAML reader (1.1, 1.2 core, go-yaml) takes as null, a boolean, a float or a merge key
 * (go-yaml writes `<<` plain, and then reads it back as a merge key).
 */
const WORDS = new Set([
  "~", "null", "Null", "NULL",
  "true", "True", "TRUE", "false", "False", "FALSE",
  "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
  "on", "On", "ON", "off", "Off", "OFF",
  ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
  ".nan", ".NaN", ".NAN", "<<",
]);
/** Longest entry of WORDS: longer strings skip the set lookup. */
const MAX_WORD = 5;

/** Characters numbers and timestamps are made of in some schema (digits, hex, radix prefixes, signs, `.`, `_`, `:`, exponents, T/Z, space). */
const NUMERIC_CHARS = "0123456789abcdefABCDEFxXoO+-._:tTzZ ";

// Per-ASCII-character flags, so the loop does one table load per code unit.
/** May not start a plain scalar (YAML indicators and blanks); `-`, `?` and `:` are handled apart. */
const BAD_START = 1;
/** Only an escape can carry it in a scalar: C0 controls (tab and CR included) and DEL. */
const ESCAPE = 2;
/** One of NUMERIC_CHARS. */
const NUMERIC = 4;
/** Needs no look-around inside a plain scalar (printable ASCII but `:` and `#`); for copyPlain. */
const SAFE = 8;
/** May start a plain scalar with no look-ahead (printable ASCII but indicators, `-`, `+`, `.`); for copyPlain. */
const SAFE_START = 16;
const FLAGS = new Uint8Array(128);
for (const c of ",[]{}#&*!|>'\"%@` ") FLAGS[c.charCodeAt(0)]! |= BAD_START;
for (let c = 0; c < 0x20; c++) if (c !== 0x0a) FLAGS[c]! |= ESCAPE;
FLAGS[0x7f]! |= ESCAPE;
for (const c of NUMERIC_CHARS) FLAGS[c.charCodeAt(0)]! |= NUMERIC;
for (let c = 0x20; c < 0x7f; c++) if (c !== 0x3a && c !== 0x23) FLAGS[c]! |= SAFE;
for (let c = 0x21; c < 0x7f; c++) if ((FLAGS[c]! & BAD_START) === 0 && !"-?:+.".includes(String.fromCharCode(c))) FLAGS[c]! |= SAFE_START;

const SPACE = 0x20;
const NEWLINE = 0x0a;
const COLON = 0x3a;
const HASH = 0x23;
const DASH = 0x2d;
const QUESTION = 0x3f;
const DOT = 0x2e;
const PLUS = 0x2b;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNumericStart(c: number): boolean {
  return isDigit(c) || c === DASH || c === PLUS || c === DOT || c === 0x65 /* e */ || c === 0x45 /* E */;
}

/** Non-ASCII code units that need an escape: C1 controls (NEL included), BOM, line/paragraph separators. */
function nonAsciiNeedsEscape(c: number): boolean {
  return c <= 0x9f || c === 0xfeff || c === 0x2028 || c === 0x2029;
}

/** The style `s` is written in (see the module comment). */
export function scalarStyle(s: string): ScalarStyle {
  const n = s.length;
  if (n === 0) return "double";
  const c0 = s.charCodeAt(0);
  // Plain is out from the start when the first character is an indicator, or `-`, `?` or `:` followed by
  // a blank (`- x`, `-`), or the text opens with a document marker (`---`, `...`).
  let plain = true;
  if (c0 < 128 && (FLAGS[c0]! & BAD_START) !== 0) plain = false;
  else if ((c0 === DASH || c0 === QUESTION || c0 === COLON) && (n === 1 || s.charCodeAt(1) === SPACE)) plain = false;
  else if ((c0 === DASH || c0 === DOT) && n >= 3 && s.charCodeAt(1) === c0 && s.charCodeAt(2) === c0) plain = false;
  // Number-like: starts as a number can (a digit, sign, dot, or the exponent: YAML 1.1 floats may be
  // `e3` or `.`), has a digit or a dot, and every character is one numbers and timestamps are made of.
  let numeric = isNumericStart(c0);
  let digitOrDot = false;
  let newline = false;
  let spaceBeforeBreak = false;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      const f = FLAGS[c]!;
      if ((f & NUMERIC) === 0) numeric = false;
      else if ((c <= 0x39 && c >= 0x30) || c === DOT) digitOrDot = true;
      if (c === NEWLINE) {
        newline = true;
        if (prev === SPACE) spaceBeforeBreak = true;
      } else if ((f & ESCAPE) !== 0) return "double";
      else if (c === COLON) {
        if (i + 1 === n || s.charCodeAt(i + 1) === SPACE) plain = false;
      } else if (c === HASH && prev === SPACE) plain = false;
    } else {
      numeric = false;
      if (c <= 0x9f || c === 0xfeff || c === 0x2028 || c === 0x2029) return "double";
      // A surrogate pair is one printable character. A lone half has no UTF-8 form: the emitter writes it
      // as U+FFFD (as TextEncoder does, and as the API server stores a JSON "\ud800"), also printable. It
      // is never escaped, because go-yaml (kubectl, kustomize, parse.ts) refuses surrogate escapes.
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    }
    prev = c;
  }
  if (newline) {
    // A literal block keeps every character but cannot start with a blank or a break (that would need an
    // indentation indicator), have a space before a break, or end in a space; all-breaks text has no body.
    if (c0 === SPACE || c0 === NEWLINE || spaceBeforeBreak || prev === SPACE) return "double";
    return "literal";
  }
  if (numeric && digitOrDot) return "double";
  if (n <= MAX_WORD && WORDS.has(s)) return "double";
  if (!plain || prev === SPACE) return "single";
  return "plain";
}

/**
 * `s` in double quotes: JSON's escapes, plus `\uXXXX` for the characters YAML reads as breaks or BOM. A lone
 * surrogate is left as it is (the emitter's UTF-8 writer turns it into U+FFFD), not escaped as
 * JSON.stringify does, since go-yaml refuses surrogate escapes.
 */
export function doubleQuoted(s: string): string {
  let json = JSON.stringify(s);
  // JSON.stringify writes `\udXXX` only for a lone surrogate; only then is the slow replacement needed.
  if (json.includes("\\ud")) json = json.replace(/(?<!\\)((?:\\\\)*)\\u(d[89a-f][0-9a-f]{2})/g, (_, bs: string, hex: string) => bs + String.fromCharCode(parseInt(hex, 16)));
  for (let i = 1; i < json.length - 1; i++) {
    const c = json.charCodeAt(i);
    if (c >= 0x7f && nonAsciiNeedsEscape(c)) return json.replace(/[\u007f-\u009f\ufeff\u2028\u2029]/g, (x) => `\\u${x.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  return json;
}

/** `s` as a literal block (header, break, lines) with `indent` before each non-empty line; no final break. */
export function literalBlock(s: string, indent: string): string {
  let end = s.length;
  let out: string;
  if (s.charCodeAt(end - 1) !== NEWLINE) out = "|-";
  else {
    out = end >= 2 && s.charCodeAt(end - 2) === NEWLINE ? "|+" : "|";
    // The final break is the one the block's own line end supplies.
    end--;
  }
  let start = 0;
  while (start <= end) {
    let stop = s.indexOf("\n", start);
    if (stop === -1 || stop > end) stop = end;
    out += stop === start ? "\n" : "\n" + indent + s.slice(start, stop);
    start = stop + 1;
  }
  return out;
}

/** `s` written in its style; a literal block's lines get `indent`. No trailing line break. */
export function stringScalar(s: string, indent: string): string {
  const style = scalarStyle(s);
  if (style === "plain") return s;
  if (style === "double") return doubleQuoted(s);
  if (style === "single") return "'" + s.replaceAll("'", "''") + "'";
  return literalBlock(s, indent);
}

/**
 * The emitter's fast path: when `s` is plain and ASCII (most manifest strings), copies it to `out` at `at`
 * (the caller ensures `s.length` bytes of room) and returns the end; otherwise returns -1 and the caller
 * writes `stringScalar(s)`. Decides a subset of what scalarStyle calls plain, in the same single pass as
 * the copy.
 */
export function copyPlain(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  if (n === 0) return -1;
  const c0 = s.charCodeAt(0);
  if (c0 >= 128 || (FLAGS[c0]! & SAFE_START) === 0) return -1;
  let p = at;
  let all = NUMERIC;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return -1;
    const f = FLAGS[c]!;
    if ((f & SAFE) === 0 && (c !== COLON || i + 1 === n || s.charCodeAt(i + 1) === SPACE)) return -1;
    all &= f;
    out[p++] = c;
  }
  if (s.charCodeAt(n - 1) === SPACE) return -1;
  if (all !== 0 && isNumericStart(c0) && (isDigit(c0) || hasDigitOrDot(s))) return -1;
  if (n <= MAX_WORD && WORDS.has(s)) return -1;
  return p;
}

function hasDigitOrDot(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c) || c === DOT) return true;
  }
  return false;
}
