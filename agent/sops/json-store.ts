/**
 * sops's JSON store: a top-level object read with keys in order (duplicates kept, as Go's token decoder
 * keeps them), integers apart from floats, and written as Go's encoding/json would (HTML-safe escapes,
 * tab indentation from json.Indent). The binary store wraps a whole file as the one `data` string.
 */
import { Branch, BinaryString, Comment, SopsTime, type TreeValue } from "./tree.ts";

/** A parse failure with its position only: the text around it may be secret. */
export class FormatError extends Error {}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    const before = this.s.slice(0, this.i);
    const line = before.split("\n").length;
    throw new FormatError(`${what} at line ${line}, column ${this.i - before.lastIndexOf("\n")}`);
  }

  ws(): void {
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i]!)) this.i++;
  }

  value(): TreeValue {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "t" && this.s.startsWith("true", this.i)) return (this.i += 4), true;
    if (c === "f" && this.s.startsWith("false", this.i)) return (this.i += 5), false;
    if (c === "n" && this.s.startsWith("null", this.i)) return (this.i += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail(c === undefined ? "unexpected end of JSON input" : "invalid character in JSON");
    this.i += m[0].length;
    // json.Number.Int64 first, then Float64, as sops's store does.
    if (!m[2] && !m[3]) {
      const n = BigInt(m[0]);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
    }
    return Number(m[0]);
  }

  object(): Branch {
    this.i++;
    const b = new Branch();
    this.ws();
    if (this.s[this.i] === "}") return this.i++, b;
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail("expected an object key");
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ":") this.fail("expected ':' after an object key");
      this.i++;
      b.items.push({ key, value: this.value() });
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.s[this.i] === "}") return this.i++, b;
      this.fail("expected ',' or '}' in an object");
    }
  }

  array(): TreeValue[] {
    this.i++;
    const out: TreeValue[] = [];
    this.ws();
    if (this.s[this.i] === "]") return this.i++, out;
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.s[this.i] === "]") return this.i++, out;
      this.fail("expected ',' or ']' in an array");
    }
  }

  string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail("unterminated string");
      if (c === "\\") this.i += 2;
      else if (c === '"') break;
      else if (c < " ") this.fail("control character in a string");
      else this.i++;
    }
    this.i++;
    try {
      return JSON.parse(this.s.slice(start, this.i)) as string;
    } catch {
      this.i = start;
      this.fail("invalid escape in a string");
    }
  }
}

/** A JSON document with a top-level object, as a branch. */
export function parseJsonBranch(text: string): Branch {
  const p = new Parser(text);
  p.ws();
  if (p.s[p.i] !== "{") p.fail("SOPS only supports JSON files with a top-level object");
  const b = p.object();
  p.ws();
  if (p.i < p.s.length) p.fail("unexpected data after the top-level object");
  return b;
}

/** Go's json.Marshal of a string: HTML-safe, U+2028/2029 escaped. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function scalar(v: TreeValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new FormatError("JSON cannot hold an infinite or NaN float");
    return String(v);
  }
  if (typeof v === "boolean") return String(v);
  if (v instanceof SopsTime) return quote(v.text);
  if (v instanceof BinaryString) return quote(new TextDecoder().decode(v.bytes));
  if (v instanceof Uint8Array) return quote(base64(v));
  throw new FormatError("a value cannot be written as JSON");
}

/** The value as Go's json.Indent(encodeTree(v), "", indent) prints it. */
export function emitJsonValue(v: TreeValue, indent = "\t", depth = 0): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (v instanceof Branch) {
    const items = v.items.filter((i) => typeof i.key === "string");
    if (items.length === 0) return "{}";
    return `{\n${items.map((i) => `${pad}${quote(i.key as string)}: ${emitJsonValue(i.value, indent, depth + 1)}`).join(",\n")}\n${end}}`;
  }
  if (Array.isArray(v)) {
    const items = v.filter((x) => !(x instanceof Comment));
    if (items.length === 0) return "[]";
    return `[\n${items.map((x) => pad + emitJsonValue(x, indent, depth + 1)).join(",\n")}\n${end}]`;
  }
  return scalar(v);
}
