/**
 * go-yaml v2's scalar rules for go-yaml-v2.ts: which style a string is written in (plain, single- or
 * double-quoted, literal: yaml_emitter_analyze_scalar and resolve(), so a string that would read back as
 * a bool, number, null or timestamp is quoted), and numbers in Go's formats.
 */

export type Style = "plain" | "single" | "double" | "literal";

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

export const isBreak = (c: number | undefined) => c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number | undefined) => c === 0x20 || c === 0x09;
export const isPrintable = (c: number) =>
  c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);

/** go-yaml's yaml_emitter_analyze_scalar, reduced to what block context needs. */
export function analyze(cps: number[]): Analysis {
  if (cps.length === 0) return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  const at = (i: number) => String.fromCodePoint(cps[i]!);
  if (cps.length >= 3 && ((at(0) === "-" && at(1) === "-" && at(2) === "-") || (at(0) === "." && at(1) === "." && at(2) === "."))) {
    blockIndicators = true;
  }
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const ch = at(i);
    const followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      else if ((ch === "?" || ch === ":" || ch === "-") && followedByWhitespace) blockIndicators = true;
    } else if (ch === ":" && followedByWhitespace) blockIndicators = true;
    else if (ch === "#" && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) blockPlainAllowed = singleQuotedAllowed = false;
  if (spaceBreak || special) blockPlainAllowed = singleQuotedAllowed = blockAllowed = false;
  if (lineBreaks || blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

const NON_STRING_WORDS = new Set([
  "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
  "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
  "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
  "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
]);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const GO_UINT = /^\+?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;

/** Whether go-yaml's resolve() reads `s`, written plain, as a string (and not as a base-60 float). */
export function resolvesToString(s: string): boolean {
  if (NON_STRING_WORDS.has(s)) return false;
  const first = s[0]!;
  if (first === ".") return !/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (first === "+" || first === "-" || (first >= "0" && first <= "9")) {
    if (isTimestamp(s)) return false;
    const plain = s.replaceAll("_", "");
    if (fitsGoInteger(plain)) return false;
    if (YAML_FLOAT.test(plain)) return false;
    return !BASE60_FLOAT.test(s);
  }
  return true;
}

/** strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) succeeds. */
function fitsGoInteger(s: string): boolean {
  const signed = GO_INT.test(s);
  if (!signed) return false;
  const negative = s.startsWith("-");
  const digits = s.replace(/^[-+]/, "");
  const radix = /^0[xX]/.test(digits) ? 16 : /^0[oO]/.test(digits) ? 8 : /^0[bB]/.test(digits) ? 2 : digits.length > 1 && digits.startsWith("0") ? 8 : 10;
  const body = radix === 10 || (radix === 8 && !/^0[oO]/.test(digits)) ? digits : digits.slice(2);
  let n = 0n;
  for (const d of body) n = n * BigInt(radix) + BigInt(parseInt(d, radix));
  if (negative) return n <= 2n ** 63n;
  if (n < 2n ** 63n) return true;
  return GO_UINT.test(s) && n < 2n ** 64n;
}

const TIMESTAMP = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/;

/** One of the timestamp layouts go-yaml v2 tries, with Go's range checks. */
function isTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false;
  const h = m[4] ?? m[7];
  if (h === undefined) return true;
  const [hh, mm, ss] = [Number(h), Number(m[5] ?? m[8]), Number(m[6] ?? m[9])];
  return hh < 24 && mm < 60 && ss < 60;
}

/**
 * Go's strconv.FormatFloat(f, 'g', -1, 64), with go-yaml's `.inf`/`.nan`: the shortest digits, in
 * exponent form (at least two exponent digits) when the exponent is below -4 or at least 6.
 */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (!Number.isFinite(f)) return f > 0 ? ".inf" : "-.inf";
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(f);
}

/** A number as sigs.k8s.io/yaml hands it to go-yaml: int, uint64 or float64. */
export function goNumber(n: number): string {
  if (Number.isInteger(n)) {
    if (n >= -(2 ** 63) && n < 2 ** 63) return BigInt(n).toString();
    if (n >= 2 ** 63 && n < 2 ** 64) return BigInt(n).toString();
  }
  return goFloat(n);
}

/** The string with every lone UTF-16 surrogate replaced by U+FFFD. */
export const wellFormed = (s: string): string => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
