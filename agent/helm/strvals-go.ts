/**
 * The Go rules under Helm's `--set` parser (strvals.ts): strconv.Atoi on 64 bits, Go's %q of keys and
 * rune lists in messages, Go's type names in the panics Helm recovers, `--set`'s typing of a value, and
 * where a JSON value ends in `--set-json` text.
 */
import { hasOwn } from "./own.ts";

/** A value and Go's error beside it, as the parser passes them along. */
export type Result<T> = [T, Error | null];

/** Go's %q for the keys in messages (ASCII keys read the same as JSON's quoting). */
export const q = (s: string) => JSON.stringify(s);

export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  return typeof v;
}

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Go's strconv.Atoi on 64 bits, errors included: overflow is reported as soon as the digits read so far
 * pass the unsigned 64-bit range, even when a bad character follows.
 */
export function atoi(s: string): Result<number> {
  const syntax: Result<number> = [0, new Error(`strconv.Atoi: parsing ${q(s)}: invalid syntax`)];
  const range: Result<number> = [0, new Error(`strconv.Atoi: parsing ${q(s)}: value out of range`)];
  let i = 0;
  const negative = s[0] === "-";
  if (s[0] === "+" || s[0] === "-") i = 1;
  if (i >= s.length) return syntax;
  let n = 0n;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return syntax;
    n = n * 10n + BigInt(c);
    if (n > UINT64_MAX) return range;
  }
  if (negative ? n > INT64_MAX + 1n : n > INT64_MAX) return range;
  const v = Number(negative ? -n : n);
  return [v === 0 ? 0 : v, null];
}

/** Go's %q of a []rune: each rune single-quoted, in brackets. */
export function quoteRunes(s: string): string {
  const quoteRune = (r: string): string => {
    const escapes: Record<string, string> = { "'": "\\'", "\\": "\\\\", "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
    if (hasOwn(escapes, r)) return `'${escapes[r]}'`;
    const cp = r.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, "0")}'`;
    return `'${r}'`;
  };
  return `[${[...s].map(quoteRune).join(" ")}]`;
}

/** `--set`'s typing of a value. */
export function typedValue(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (text === "0") return 0;
  if (text !== "" && text[0] !== "0") {
    const [n, err] = atoi(text);
    if (err === null) return Number.isSafeInteger(n) ? n : text;
  }
  return text;
}

/**
 * Where the first JSON value of `text` ends (after leading blanks), or undefined when it does not end:
 * the scan only finds the extent; JSON.parse then checks the value.
 */
export function jsonEnd(text: string): number | undefined {
  let i = text.search(/\S/);
  if (i < 0) return undefined;
  const c = text[i]!;
  if (c === "{" || c === "[" || c === '"') {
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        if (ch === "\\") i++;
        else if (ch === '"') {
          inString = false;
          if (depth === 0) return i + 1;
        }
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) return i + 1;
        if (depth < 0) return undefined;
      }
    }
    return undefined;
  }
  const m = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(i));
  return m ? i + m[0].length : undefined;
}
