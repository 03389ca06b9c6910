/**
 * The WASM YAML→JSON scanner (wasm/yaml): instantiated lazily from the embedded bytes on first use, so
 * importing this module does nothing and works the same on Bun, Deno and Node. One call converts a whole
 * stream; documents outside the fast path come back as byte ranges for the exact parser.
 */
import { wasmBase64 } from "../../wasm/yaml/build/yaml-wasm.ts";

interface Exports {
  memory: WebAssembly.Memory;
  input(len: number): number;
  convert(len: number, maxDoc: number): number;
  resolve(len: number): number;
  outPtr(): number;
  outLen(): number;
  docsPtr(): number;
  docCount(): number;
  errLine(): number;
  errCol(): number;
  errTextPtr(): number;
  errTextLen(): number;
  errArgPtr(): number;
  errArgLen(): number;
}

export type DocKind = "json" | "fallback";

export interface ScannedDoc {
  kind: DocKind;
  /** Text of the document, only for `fallback` documents (the exact parser's input). */
  text: string;
  /** 1-based line of the document's first line in the stream. */
  line: number;
}

export interface ScanResult {
  /** One value per document; `null` in the place of fallback documents. */
  values: unknown[];
  docs: ScannedDoc[];
}

export interface ScanError {
  line: number;
  col: number;
  message: string;
}

/** Typing outcomes of `resolvePlain`, in the order of wasm/yaml/assembly/resolve.ts. */
export type PlainType = "str" | "null" | "bool" | "int" | "float" | "timestamp" | "nonjson";
const TYPES: PlainType[] = ["str", "null", "bool", "int", "float", "timestamp", "nonjson"];

let wasm: Exports | undefined;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function instance(): Exports {
  if (wasm) return wasm;
  const bin = atob(wasmBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const imports = {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`Cannot run the YAML scanner: aborted at ${line}:${col}`);
      },
      seed: () => Date.now(),
    },
  };
  wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports as unknown as Exports;
  return wasm;
}

/** Copies `text` as UTF-8 into the module's input buffer; returns its byte length. */
function put(w: Exports, text: string): number {
  // UTF-8 needs at most 3 bytes per UTF-16 unit.
  const ptr = w.input(text.length * 3);
  const { written } = encoder.encodeInto(text, new Uint8Array(w.memory.buffer, ptr, text.length * 3));
  return written;
}

/** Converts a YAML stream; returns the values or the first error's position and message. */
export function scanYaml(text: string, maxDocumentBytes: number): ScanResult | ScanError {
  const w = instance();
  const len = put(w, text);
  const status = w.convert(len, Math.min(maxDocumentBytes, 0x7fffffff));
  const mem = new Uint8Array(w.memory.buffer);
  if (status !== 0) {
    const msg = decoder.decode(mem.subarray(w.errTextPtr(), w.errTextPtr() + w.errTextLen()));
    const arg = decoder.decode(mem.subarray(w.errArgPtr(), w.errArgPtr() + w.errArgLen()));
    return { line: w.errLine(), col: w.errCol(), message: msg + arg };
  }
  const json = decoder.decode(mem.subarray(w.outPtr(), w.outPtr() + w.outLen()));
  const values = JSON.parse(json) as unknown[];
  const count = w.docCount();
  const recs = new Int32Array(w.memory.buffer, w.docsPtr(), count * 4);
  const inputBase = w.input(0);
  const docs: ScannedDoc[] = [];
  for (let i = 0; i < count; i++) {
    const fallback = recs[i * 4] === 1;
    docs.push({
      kind: fallback ? "fallback" : "json",
      text: fallback ? decoder.decode(mem.subarray(inputBase + recs[i * 4 + 1]!, inputBase + recs[i * 4 + 2]!)) : "",
      line: recs[i * 4 + 3]!,
    });
  }
  return { values, docs };
}

/** Types one plain scalar with the module's table (the fallback parser uses this, so the table lives in one place). */
export function resolvePlain(text: string): { type: PlainType; value: unknown } {
  const w = instance();
  const len = put(w, text);
  const t = TYPES[w.resolve(len)] ?? "str";
  if (t === "nonjson") return { type: t, value: undefined };
  const mem = new Uint8Array(w.memory.buffer);
  return { type: t, value: JSON.parse(decoder.decode(mem.subarray(w.outPtr(), w.outPtr() + w.outLen()))) };
}
