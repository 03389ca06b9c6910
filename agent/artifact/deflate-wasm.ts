/**
 * Raw deflate (RFC 1951) and CRC-32 by the AssemblyScript module in wasm/deflate: the same bytes on
 * every runtime because the same WASM module runs everywhere (native zlib differs between Bun, Deno and
 * Node). Deflate is one shot: the input is copied into the module's memory, which grows to hold it and
 * the output (WASM memory cannot shrink, so an instance that grew past `DEFAULTS.keepMemory` is dropped
 * after the call and a fresh one made next time). CRC-32 streams the data through in slices. Calls are
 * synchronous, so one instance is never used by two calls at once.
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
  /** An instance whose memory grew past this is released after the call rather than kept. */
  keepMemory: 32 * 1024 * 1024,
  /** CRC-32 copies the data into the module this much at a time. */
  crcSlice: 1024 * 1024,
} as const;

let module: WebAssembly.Module | undefined;
let instance: DeflateExports | undefined;

function load(): DeflateExports {
  if (!instance) {
    module ??= new WebAssembly.Module(Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as DeflateExports;
  }
  return instance;
}

function release(w: DeflateExports): void {
  if (w.memory.buffer.byteLength > DEFAULTS.keepMemory) instance = undefined;
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
  return deflateWithCrc(data).deflated;
}

/** Raw deflate and the CRC-32 of `data` with one copy into the module, as gzip needs both. */
export function deflateWithCrc(data: Uint8Array): { deflated: Uint8Array; crc: number } {
  const w = load();
  const at = copyIn(w, data);
  const crc = w.crc32(at, data.length, 0) >>> 0;
  const n = w.deflate(data.length);
  const deflated = new Uint8Array(w.memory.buffer, w.output(), n).slice();
  release(w);
  return { deflated, crc };
}

/** CRC-32 (IEEE) continuing `crc` (0 to start); unsigned. */
export function crc32Wasm(data: Uint8Array, crc = 0): number {
  const w = load();
  const slice = Math.min(data.length, DEFAULTS.crcSlice);
  const at = w.prepare(slice);
  if (at === 0) throw new Error(`Cannot compute the CRC-32: WASM memory cannot grow to fit ${slice} bytes`);
  for (let i = 0; i < data.length; i += slice) {
    const part = data.subarray(i, i + slice);
    new Uint8Array(w.memory.buffer, at, part.length).set(part);
    crc = w.crc32(at, part.length, crc);
  }
  return crc >>> 0;
}
