/**
 * A fast YAML emitter for JSON-like values (the output of `rivulet build`), written to read like
 * `kubectl kustomize` output: keys sorted, two-space indentation, sequences under a key not indented,
 * multi-line strings as literal blocks (`|`, `|-`, `|+`), strings that would read back as another type
 * double-quoted ("yes", "123", ""), strings with indicators single-quoted. When in doubt it quotes: the
 * contract is that `parseDocuments(emitDocuments(xs))` equals `xs`. Not handled: long-line folding
 * (kustomize wraps at 80 columns), `undefined` (skipped like JSON.stringify), non-finite numbers (error).
 */

/** Plain text go-yaml (or a YAML 1.1 reader) could take as something other than a string. */
const AMBIGUOUS_WORD = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|<<|=)$/;
/** Anything number- or date-like: a superset of what the typing table turns into numbers or timestamps. */
const NUMERIC = /^[-+]?\.?[0-9]/;
/** Characters that may not start a plain scalar. */
const BAD_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
/** Sequences that end or break a plain scalar, or trailing blanks. */
const BAD_INSIDE = /: |:$| #|\s$|\t/;
/** Characters double quotes must escape (controls, DEL, C1, BOM, line/paragraph separators, lone surrogates). */
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029\ud800-\udfff]/;

function doubleQuoted(s: string): string {
  // JSON string syntax is valid YAML double-quoted syntax except for the characters YAML reads as line breaks.
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029\u007f-\u009f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function scalarString(s: string): string {
  if (s === "") return '""';
  if (AMBIGUOUS_WORD.test(s) || NUMERIC.test(s)) return doubleQuoted(s);
  if (NON_PRINTABLE.test(s) || s.includes("\n") || s.includes("\t") || s.includes("\r") || s.includes("\u0085")) return doubleQuoted(s);
  if (BAD_START.test(s) || BAD_INSIDE.test(s)) return `'${s.replaceAll("'", "''")}'`;
  return s;
}

/** A literal block for multi-line text when every line can be written as is; undefined otherwise. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes("\n") || NON_PRINTABLE.test(s) || s.includes("\r") || s.includes("\u0085")) return undefined;
  if (/^[ \t]|^\n| \n|\t\n|[ \t]$/.test(s) || /^\n*$/.test(s)) return undefined;
  let body = s;
  let header = "|";
  if (s.endsWith("\n\n")) header = "|+";
  else if (s.endsWith("\n")) header = "|";
  else header = "|-";
  if (header !== "|-") body = s.slice(0, -1);
  const lines = body.split("\n").map((l) => (l === "" ? "" : indent + l));
  return `${header}\n${lines.join("\n")}`;
}

function keyText(k: string): string {
  return scalarString(k);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`Cannot emit YAML: the number ${v} has no JSON form`);
    return String(v);
  }
  if (typeof v === "string") return scalarString(v);
  if (typeof v === "bigint") return v.toString();
  throw new Error(`Cannot emit YAML: unsupported value of type ${typeof v}`);
}

function entries(o: Record<string, unknown>): [string, unknown][] {
  return Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => [k, o[k]]);
}

/** Appends `v` as the value of a mapping entry or sequence item; `indent` is the block's indentation. */
function value(parts: string[], v: unknown, indent: string, inSeq: boolean): void {
  if (Array.isArray(v)) {
    const items = v.filter((x) => x !== undefined);
    if (items.length === 0) {
      parts.push(" []\n");
      return;
    }
    // Under a key a sequence keeps the key's indentation (kustomize style); inside a sequence it is compact.
    if (inSeq) {
      parts.push(" ");
      seq(parts, items, indent + "  ", true);
    } else {
      parts.push("\n");
      seq(parts, items, indent, false);
    }
    return;
  }
  if (isObject(v)) {
    const es = entries(v);
    if (es.length === 0) {
      parts.push(" {}\n");
      return;
    }
    if (inSeq) {
      parts.push(" ");
      map(parts, es, indent + "  ", true);
    } else {
      parts.push("\n");
      map(parts, es, indent + "  ", false);
    }
    return;
  }
  if (typeof v === "string" && v.includes("\n")) {
    const block = literalBlock(v, indent + "  ");
    if (block) {
      parts.push(" ", block, "\n");
      return;
    }
  }
  parts.push(" ", scalar(v), "\n");
}

function map(parts: string[], es: [string, unknown][], indent: string, firstInline: boolean): void {
  for (let i = 0; i < es.length; i++) {
    const [k, v] = es[i]!;
    if (!(i === 0 && firstInline)) parts.push(indent);
    parts.push(keyText(k), ":");
    value(parts, v, indent, false);
  }
}

function seq(parts: string[], items: unknown[], indent: string, firstInline: boolean): void {
  for (let i = 0; i < items.length; i++) {
    if (!(i === 0 && firstInline)) parts.push(indent);
    parts.push("-");
    value(parts, items[i], indent, true);
  }
}

/** One value as a YAML document body (no `---`). */
export function emitYaml(obj: unknown): string {
  const parts: string[] = [];
  if (Array.isArray(obj) && obj.length > 0) seq(parts, obj.filter((x) => x !== undefined), "", false);
  else if (isObject(obj) && entries(obj).length > 0) map(parts, entries(obj), "", false);
  else if (typeof obj === "string" && obj.includes("\n") && literalBlock(obj, "  ")) parts.push(literalBlock(obj, "  ")!, "\n");
  else parts.push(Array.isArray(obj) ? "[]" : isObject(obj) ? "{}" : scalar(obj), "\n");
  return parts.join("");
}

/** Several values as a YAML stream, separated by `---` like `kubectl kustomize` output. */
export function emitDocuments(objects: unknown[]): string {
  return objects.map(emitYaml).join("---\n");
}
