/**
 * Raw deflate (RFC 1951) and CRC-32 by the AssemblyScript module in wasm/deflate: the same bytes on
 * every runtime because the same WASM module runs everywhere (native zlib differs between Bun, Deno and
 * Node). One shot: the input is copied into the module's memory, which grows to fit (inputs up to a few
 * hundred MB; WASM memory stops at 4 GiB). The module is instantiated lazily, once, and is not reentrant,
 * which is fine since calls are synchronous.
 */
import { wasmBase64 } from "../../wasm/deflate/build/deflate-wasm.ts";

interface DeflateExports {
  memory: WebAssembly.Memory;
  prepare(n: number): number;
  deflate(n: number): number;
  output(): number;
  crc32(p: number, len: number, crc: number): number;
}

export const DEFAULTS = {
  /** Larger inputs would not fit the module's 4 GiB memory together with the output. */
  maxInput: 1.5 * 1024 ** 3,
} as const;

let instance: DeflateExports | undefined;

function load(): DeflateExports {
  if (!instance) {
    const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as DeflateExports;
  }
  return instance;
}

function copyIn(w: DeflateExports, data: Uint8Array): number {
  if (data.length > DEFAULTS.maxInput) {
    throw new Error(`Cannot compress the data: ${data.length} bytes is more than the ${DEFAULTS.maxInput} the WASM deflate takes`);
  }
  const at = w.prepare(data.length);
  if (at === 0) throw new Error(`Cannot compress the data: WASM memory cannot grow to fit ${data.length} bytes`);
  new Uint8Array(w.memory.buffer, at, data.length).set(data);
  return at;
}

/** The raw deflate stream of `data` (no zlib or gzip wrapper). */
export function deflateWasm(data: Uint8Array): Uint8Array {
  const w = load();
  copyIn(w, data);
  const n = w.deflate(data.length);
  return new Uint8Array(w.memory.buffer, w.output(), n).slice();
}

/** Raw deflate and the CRC-32 of `data` in one copy into the module, as gzip needs both. */
export function deflateWithCrc(data: Uint8Array): { deflated: Uint8Array; crc: number } {
  const w = load();
  const at = copyIn(w, data);
  const crc = w.crc32(at, data.length, 0) >>> 0;
  const n = w.deflate(data.length);
  return { deflated: new Uint8Array(w.memory.buffer, w.output(), n).slice(), crc };
}

/** CRC-32 (IEEE) continuing `crc` (0 to start); unsigned. */
export function crc32Wasm(data: Uint8Array, crc = 0): number {
  const w = load();
  const at = copyIn(w, data);
  return w.crc32(at, data.length, crc) >>> 0;
}
