/**
 * A fast YAML emitter for JSON-like values (the output of `rivulet build`), written like
 * `kubectl kustomize` output: keys in go-yaml's natural order (key-order.ts), two-space indentation,
 * sequences under a key not indented, `{}` / `[]` for empty collections, strings styled by
 * string-scalar.ts (plain, quoted or literal block).
 * The contract is that `parseDocuments(emitDocuments(xs))` equals `xs`, except that a lone UTF-16 surrogate
 * (no UTF-8 form; go-yaml refuses its escape) is written, and so reads back, as U+FFFD.
 *
 * Speed: the text is written as UTF-8 into one reused byte buffer and decoded once at the end; measured
 * against string concatenation and an array of parts joined, that is 1.8-2.7x faster on Bun, Deno and Node
 * (bench/yaml.md), because 5,000 manifests make ~400,000 small pieces. Plain ASCII strings, the common
 * case, are classified and copied in one pass (copyPlain); rendered mapping keys are cached as bytes.
 * Not handled: long-line folding (kustomize folds plain text past column 80; we write one line),
 * `undefined` (skipped in maps as JSON.stringify does, and in arrays too, where JSON.stringify writes
 * null), non-finite numbers and non-JSON types (error), nesting deeper than DEFAULTS.maxDepth (error;
 * parse.ts reads back at most 256 levels), `toJSON` (not called).
 */
import { sortKeys } from "./key-order.ts";
import { copyPlain, doubleQuoted, scalarStyle, stringScalar } from "./string-scalar.ts";

export const DEFAULTS = {
  /** Deepest nesting of collections written; deeper values (or cycles) are an error. */
  maxDepth: 1000,
  /** Rendered mapping keys remembered across calls; the cache is emptied when it reaches this size. */
  keyCacheEntries: 4096,
  /** The output buffer is kept for the next call up to this size; a larger one is let go. */
  retainedBufferBytes: 4 * 1024 * 1024,
};

const SPACE = 0x20;
const NEWLINE = 0x0a;
const DASH = 0x2d;
const INITIAL_BUFFER_BYTES = 64 * 1024;

// The output: `buf[0, pos)`. Module state rather than an object passed around, because every write goes
// through it; emitYaml/emitDocuments save and restore it so a nested call (a getter that emits) is safe.
let buf = new Uint8Array(INITIAL_BUFFER_BYTES);
let pos = 0;

function grow(n: number): void {
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
}

/** Appends `s` as UTF-8; a lone surrogate becomes U+FFFD (string-scalar.ts leaves them unescaped for this). */
function writeText(s: string): void {
  const n = s.length;
  if (pos + n * 3 > buf.length) grow(n * 3);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[p++] = c;
    else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      b[p++] = 0xf0 | (c >> 18);
      b[p++] = 0x80 | ((c >> 12) & 63);
      b[p++] = 0x80 | ((c >> 6) & 63);
      b[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 63);
      b[p++] = 0x80 | (c & 63);
    }
  }
  pos = p;
}

function writeByte(c: number): void {
  if (pos >= buf.length) grow(1);
  buf[pos++] = c;
}

/** Appends `level` indentation steps (two spaces each). */
function writeIndent(level: number): void {
  const end = pos + level * 2;
  if (end > buf.length) grow(level * 2);
  const b = buf;
  for (let p = pos; p < end; p++) b[p] = SPACE;
  pos = end;
}

const keyCache = new Map<string, Uint8Array>();
const encoder = new TextEncoder();

/** Appends `key:`. A key is never a block scalar, so multi-line keys are double-quoted. */
function writeKey(k: string): void {
  let bytes = keyCache.get(k);
  if (bytes === undefined) {
    bytes = encoder.encode((scalarStyle(k) === "literal" ? doubleQuoted(k) : stringScalar(k, "")) + ":");
    if (keyCache.size >= DEFAULTS.keyCacheEntries) keyCache.clear();
    keyCache.set(k, bytes);
  }
  const n = bytes.length;
  if (pos + n > buf.length) grow(n);
  // A loop beats `set` for the few bytes a key has.
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
  pos = p;
}

const indents: string[] = [""];
function indentOf(level: number): string {
  while (indents.length <= level) indents.push(indents[indents.length - 1]! + "  ");
  return indents[level]!;
}

/** Appends a scalar; a literal block's lines are indented to `level`. */
function writeScalar(v: unknown, level: number): void {
  if (typeof v === "string") {
    if (pos + v.length > buf.length) grow(v.length);
    const end = copyPlain(v, buf, pos);
    if (end >= 0) pos = end;
    else writeText(stringScalar(v, indentOf(level)));
  } else if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`Cannot emit YAML: the number ${v} has no JSON form`);
    writeText("" + v);
  } else if (v === null) writeText("null");
  else if (v === true) writeText("true");
  else if (v === false) writeText("false");
  else if (typeof v === "bigint") writeText(v.toString());
  else throw new Error(`Cannot emit YAML: unsupported value of type ${typeof v}`);
}

/** Collections open around the one being written; emit() resets it after an error. */
let depth = 0;

function enter(): void {
  if (++depth > DEFAULTS.maxDepth) throw new Error(`Cannot emit YAML: nesting is deeper than ${DEFAULTS.maxDepth} levels (or the value is cyclic)`);
}

/**
 * Appends the entries of `o` with keys at `level`, the first one unindented when `inline` (it follows a
 * sequence dash). Returns false, having written nothing, when no entry has a value.
 */
function writeMapping(o: Record<string, unknown>, level: number, inline: boolean): boolean {
  enter();
  const ks = sortKeys(Object.keys(o));
  let first = true;
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    const v = o[k];
    if (v === undefined) continue;
    if (!(inline && first)) writeIndent(level);
    first = false;
    writeKey(k);
    if (typeof v !== "object" || v === null) {
      writeByte(SPACE);
      writeScalar(v, level + 1);
      writeByte(NEWLINE);
    } else if (Array.isArray(v)) {
      writeByte(NEWLINE);
      // Under a key a sequence keeps the key's indentation (kustomize style).
      if (!writeSequence(v, level, false)) {
        pos--;
        writeText(" []\n");
      }
    } else {
      writeByte(NEWLINE);
      if (!writeMapping(v as Record<string, unknown>, level + 1, false)) {
        pos--;
        writeText(" {}\n");
      }
    }
  }
  depth--;
  return !first;
}

/** Appends the items of `a` with dashes at `level`, like writeMapping. */
function writeSequence(a: unknown[], level: number, inline: boolean): boolean {
  enter();
  let first = true;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v === undefined) continue;
    if (!(inline && first)) writeIndent(level);
    first = false;
    writeByte(DASH);
    writeByte(SPACE);
    if (typeof v !== "object" || v === null) {
      writeScalar(v, level + 1);
      writeByte(NEWLINE);
    } else if (Array.isArray(v)) {
      // Inside a sequence a nested collection starts on the dash's line (`- - x`, `- key: v`).
      if (!writeSequence(v, level + 1, true)) writeText("[]\n");
    } else if (!writeMapping(v as Record<string, unknown>, level + 1, true)) writeText("{}\n");
  }
  depth--;
  return !first;
}

function writeDocument(v: unknown): void {
  if (typeof v !== "object" || v === null) {
    writeScalar(v, 1);
    writeByte(NEWLINE);
  } else if (Array.isArray(v)) {
    if (!writeSequence(v, 0, false)) writeText("[]\n");
  } else if (!writeMapping(v as Record<string, unknown>, 0, false)) writeText("{}\n");
}

const decoder = new TextDecoder();

/** Runs `write` on an empty buffer (a fresh one when nested) and returns the text it wrote. */
let active = 0;
function emit(write: () => void): string {
  const outerBuf = buf;
  const outerPos = pos;
  const outerDepth = depth;
  if (active > 0) buf = new Uint8Array(INITIAL_BUFFER_BYTES);
  pos = 0;
  depth = 0;
  active++;
  try {
    write();
    return decoder.decode(buf.subarray(0, pos));
  } finally {
    active--;
    if (active > 0) buf = outerBuf;
    else if (buf.length > DEFAULTS.retainedBufferBytes) buf = new Uint8Array(INITIAL_BUFFER_BYTES);
    pos = outerPos;
    depth = outerDepth;
  }
}

/** One value as a YAML document body (no `---`). */
export function emitYaml(obj: unknown): string {
  return emit(() => writeDocument(obj));
}

/** Several values as a YAML stream, separated by `---` like `kubectl kustomize` output. */
export function emitDocuments(objects: unknown[]): string {
  return emit(() => {
    for (let i = 0; i < objects.length; i++) {
      if (i > 0) writeText("---\n");
      writeDocument(objects[i]);
    }
  });
}
