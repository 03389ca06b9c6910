/**
 * JSON text byte for byte as Go's encoding/json writes it (json.Marshal, and json.Encoder.Encode before
 * its trailing newline), for digests Flux computes over Go values: struct fields in declaration order
 * (a GoStruct lists them, omitempty already applied by the caller), map keys sorted as Go compares
 * strings (UTF-8 bytes), `<`, `>`, `&`, U+2028 and U+2029 escaped (Go's HTML-safe default), control
 * characters as `\b \f \n \r \t` or `\u00xx`, lone UTF-16 surrogates as U+FFFD (Go has no other form for
 * them), and float64 numbers as Go formats them (`1e-7`, `1e+21`, `-0`).
 *
 * Limits: numbers are float64 (Go's int64 beyond 2^53 cannot reach here through JSON anyway); no
 * MarshalJSON hooks: callers build the value the hook would have produced.
 */

/** A Go struct: fields in declaration order, already without the omitempty ones that are empty. */
export class GoStruct {
  constructor(readonly fields: ReadonlyArray<readonly [string, GoJson]>) {}
}

export type GoJson = null | boolean | number | string | readonly GoJson[] | GoStruct | { readonly [key: string]: GoJson };

const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
// Control characters, the quote and backslash, HTML's three, the two JavaScript line separators and lone surrogates.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string as Go's encoder quotes it. */
export function goJsonString(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return "\ufffd";
    return ESCAPES[c] ?? `\\u${code.toString(16).padStart(4, "0")}`;
  })}"`;
}

/** A float64 as Go's encoder writes it: JavaScript agrees on digits and on when to use an exponent, except for -0. */
export function goJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`Cannot encode ${n} as JSON: Go's encoder refuses non-finite numbers`);
  return Object.is(n, -0) ? "-0" : String(n);
}

function byteOrder(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** json.Marshal(value). */
export function encodeGoJson(value: GoJson): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      return goJsonNumber(value);
    case "string":
      return goJsonString(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => encodeGoJson(v)).join(",")}]`;
  if (value instanceof GoStruct) return `{${value.fields.map(([k, v]) => `${goJsonString(k)}:${encodeGoJson(v)}`).join(",")}}`;
  const map = value as { readonly [key: string]: GoJson };
  const keys = Object.keys(map).filter((k) => map[k] !== undefined).sort(byteOrder);
  return `{${keys.map((k) => `${goJsonString(k)}:${encodeGoJson(map[k]!)}`).join(",")}}`;
}
