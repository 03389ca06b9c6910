/**
 * THE scalar typing table: what a plain (unquoted) scalar means. This is the one place it is decided, and
 * the JS fallback calls `resolveScalar` here too. It follows go-yaml v3's resolver as kustomize v5.5
 * (`kubectl kustomize`) applies it, checked case by case against `kubectl kustomize` output
 * (agent/yaml/testdata/scalars.tsv pins every row):
 *
 * | plain text                                   | value                     | note                          |
 * |----------------------------------------------|---------------------------|-------------------------------|
 * | (empty) `~` `null` `Null` `NULL`             | null                      | `nULL` is a string            |
 * | `true` `True` `TRUE` `false` `False` `FALSE` | boolean                   |                               |
 * | `yes` `no` `on` `off` `y` `n` (any case)     | string                    | YAML 1.1 words are NOT bools  |
 * | `0x1F` `0o17` `0b101` `0755` `-010` `+12`    | integer (Go ParseInt base 0) | `0755` is octal 493        |
 * | `1_000` `0x_1F` `1__0` `1_`                  | integer: `_` removed first | `_1` is a string (starts `_`) |
 * | `08` `09` `0128`                             | decimal float 8, 9, 128    | bad octal, valid float        |
 * | beyond int64: up to 2^64-1 unsigned, else float (decimal) or string (hex/octal/binary)   |      |
 * | `1.5` `.5` `5.` `1e3` `+1.5` `685.230_15e+03` | number                   | `-0.0` and `1e-400` give 0    |
 * | `1e400` (overflows float64)                  | string                    |                               |
 * | `.inf` `-.inf` `+.inf` `.nan` (3 spellings)  | error: not JSON           | kustomize fails on them too   |
 * | `inf` `nan` `Infinity` `0x1p3` `1.2.3` `12:30` | string                  | no YAML 1.1 sexagesimal       |
 * | `2001-12-14`, `2001-12-14T21:59:43.10-05:00`, `2001-12-14 21:59:43` | RFC 3339 string (see timestamp.ts) | |
 * | `2001-12-14T21:59:43` (T without zone), `2001-02-30` | string            |                               |
 * | `<<`                                         | merge key (fallback)      | a string as a value           |
 *
 * Mapping keys must resolve to strings: kustomize rejects `1: x`, `true: x`, `~: x`, so do we.
 */
import { Buf, out, failWith } from "./state.ts";
import { writeString, writeU64 } from "./json.ts";
import { writeTimestamp } from "./timestamp.ts";

export const T_STR: i32 = 0;
export const T_NULL: i32 = 1;
export const T_BOOL: i32 = 2;
export const T_INT: i32 = 3;
export const T_FLOAT: i32 = 4;
export const T_TIME: i32 = 5;
/** .inf / .nan: no JSON form; nothing is written. */
export const T_NONJSON: i32 = 6;

const num = new Buf();

function eq(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  for (let i = 0; i < n; i++) if (<i32>load<u8>(p + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

function eq3(p: usize, n: i32, a: string, b: string, c: string): bool {
  return eq(p, n, a) || eq(p, n, b) || eq(p, n, c);
}

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

/** Go strconv.ParseInt/ParseUint with base 0 on text without underscores. Writes on success. */
function tryInt(p: usize, n: i32): bool {
  let i = 0;
  let neg = false, signed = false;
  const c0 = <i32>load<u8>(p);
  if (c0 == 43 || c0 == 45) {
    neg = c0 == 45;
    signed = true;
    i = 1;
  }
  if (i >= n) return false;
  let base: u64 = 10;
  if (load<u8>(p + <usize>i) == 48) {
    const l = <i32>load<u8>(p + <usize>(i + 1)) | 32;
    if (n - i >= 3 && l == 98) { base = 2; i += 2; }
    else if (n - i >= 3 && l == 111) { base = 8; i += 2; }
    else if (n - i >= 3 && l == 120) { base = 16; i += 2; }
    else { base = 8; i += 1; }
  }
  let v: u64 = 0;
  let overflow = false;
  for (; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    let d: i32;
    if (isDigit(c)) d = c - 48;
    else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
    else return false;
    if (<u64>d >= base) return false;
    const next = v * base + <u64>d;
    if (v > (0xFFFFFFFFFFFFFFFF - <u64>d) / base) overflow = true;
    v = next;
  }
  if (overflow) return false;
  if (neg) {
    if (v > 0x8000000000000000) return false;
    if (v != 0) out.byte(45);
    writeU64(v);
    return true;
  }
  // Above int64 only ParseUint can take it, and it refuses a sign.
  if (v > 0x7FFFFFFFFFFFFFFF && signed) return false;
  writeU64(v);
  return true;
}

/**
 * `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` then Go ParseFloat; written in JSON number
 * syntax (JSON.parse rounds exactly as ParseFloat does). Returns false on no match or overflow.
 */
function tryFloat(p: usize, n: i32): bool {
  let i = 0;
  let neg = false;
  let c = <i32>load<u8>(p);
  if (c == 43 || c == 45) { neg = c == 45; i = 1; }
  const intStart = i;
  while (i < n && isDigit(<i32>load<u8>(p + <usize>i))) i++;
  const intEnd = i;
  let fracStart = i, fracEnd = i;
  if (i < n && load<u8>(p + <usize>i) == 46) {
    i++;
    fracStart = i;
    while (i < n && isDigit(<i32>load<u8>(p + <usize>i))) i++;
    fracEnd = i;
  }
  if (intEnd == intStart && fracEnd == fracStart) return false;
  let exp: i32 = 0, expNeg = false, hasExp = false;
  if (i < n && (<i32>load<u8>(p + <usize>i) | 32) == 101) {
    i++;
    c = i < n ? <i32>load<u8>(p + <usize>i) : 0;
    if (c == 43 || c == 45) { expNeg = c == 45; i++; }
    const es = i;
    while (i < n && isDigit(<i32>load<u8>(p + <usize>i))) {
      if (exp < 100000) exp = exp * 10 + <i32>load<u8>(p + <usize>i) - 48;
      i++;
    }
    if (es == i) return false;
    hasExp = true;
  }
  if (i != n) return false;
  let is = intStart;
  while (is < intEnd && load<u8>(p + <usize>is) == 48) is++;
  // Decimal magnitude of the leading digit decides zero, underflow and overflow.
  let mag: i32;
  if (is < intEnd) mag = intEnd - is - 1;
  else {
    let f = fracStart;
    while (f < fracEnd && load<u8>(p + <usize>f) == 48) f++;
    if (f == fracEnd) mag = -1000000; // all zeros
    else mag = -(f - fracStart) - 1;
  }
  const e10 = mag == -1000000 ? mag : mag + (expNeg ? -exp : exp);
  if (mag == -1000000 || e10 < -400) {
    out.byte(48);
    return true;
  }
  if (e10 > 308) return false;
  if (e10 == 308) {
    // Near float64's maximum only an exact parse tells overflow apart.
    const v = parseFloat(String.UTF8.decodeUnsafe(p, <usize>n));
    if (!isFinite(v)) return false;
  }
  if (neg) out.byte(45);
  if (is < intEnd) out.copy(p + <usize>is, intEnd - is);
  else out.byte(48);
  if (fracEnd > fracStart) {
    out.byte(46);
    out.copy(p + <usize>fracStart, fracEnd - fracStart);
  }
  if (hasExp) {
    out.byte(101);
    if (expNeg) out.byte(45);
    writeU64(<u64>exp);
  }
  return true;
}

function nonJson(p: usize, n: i32): i32 {
  failWith("the value has no JSON form, as in kustomize (quote it): ", p, p, n);
  return T_NONJSON;
}

/** Types a plain scalar and writes its JSON value. Returns one of the T_ constants. */
export function writePlain(p: usize, n: i32): i32 {
  if (n == 0) { out.ascii("null"); return T_NULL; }
  const c = <i32>load<u8>(p);
  if (c == 126 || c == 110 || c == 78) {
    if (eq(p, n, "~") || eq3(p, n, "null", "Null", "NULL")) { out.ascii("null"); return T_NULL; }
  } else if (c == 116 || c == 84) {
    if (eq3(p, n, "true", "True", "TRUE")) { out.ascii("true"); return T_BOOL; }
  } else if (c == 102 || c == 70) {
    if (eq3(p, n, "false", "False", "FALSE")) { out.ascii("false"); return T_BOOL; }
  } else if (c == 46) {
    if (eq3(p, n, ".inf", ".Inf", ".INF") || eq3(p, n, ".nan", ".NaN", ".NAN")) return nonJson(p, n);
    // Go ParseFloat on the raw text: no underscores allowed.
    if (n >= 2 && isDigit(<i32>load<u8>(p + 1)) && tryFloat(p, n)) return T_FLOAT;
  } else if (isDigit(c) || c == 43 || c == 45) {
    if (eq3(p, n, "+.inf", "+.Inf", "+.INF") || eq3(p, n, "-.inf", "-.Inf", "-.INF")) return nonJson(p, n);
    if (isDigit(c) && writeTimestamp(p, n)) return T_TIME;
    let q = p, m = n;
    // go-yaml removes every underscore before trying int and float.
    let hasUnderscore = false;
    for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 95) { hasUnderscore = true; break; }
    if (hasUnderscore) {
      num.len = 0;
      num.ensure(n);
      for (let i = 0; i < n; i++) {
        const b = <i32>load<u8>(p + <usize>i);
        if (b != 95) num.byte(b);
      }
      q = num.ptr;
      m = num.len;
    }
    if (m > 0) {
      const mark = out.len;
      if (tryInt(q, m)) return T_INT;
      out.len = mark;
      if (tryFloat(q, m)) return T_FLOAT;
      out.len = mark;
    }
  }
  writeString(p, n);
  return T_STR;
}
