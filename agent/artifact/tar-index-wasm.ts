/**
 * The tar index pass (tar-index.ts) run by the AssemblyScript module in wasm/tar: same inputs, same
 * table, same errors as `indexTarJs`. The tar bytes are copied into the module's memory (WASM cannot see
 * a JS buffer in place), which is the cost this path has to earn back; bench/artifact.md has the numbers
 * and tar-index.ts's header says which path the agent uses. The module is instantiated lazily, once.
 */
import { wasmBase64 } from "../../wasm/tar/build/tar-wasm.ts";
import { TarIndexError, type TarIndexer, type TarIndexProblem } from "./tar-index.ts";

interface TarExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  errorOffset(): number;
  scan(tar: number, len: number, out: number, maxEntries: number, maxSize: number): number;
}

const PROBLEMS: Record<number, TarIndexProblem> = {
  [-1]: "checksum",
  [-2]: "truncated",
  [-3]: "too-many-entries",
  [-4]: "too-large",
  [-5]: "bad-number",
  [-6]: "bad-pax",
};

let instance: TarExports | undefined;

function load(): TarExports {
  if (!instance) {
    const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    const module = new WebAssembly.Module(bytes);
    instance = new WebAssembly.Instance(module, {}).exports as unknown as TarExports;
  }
  return instance;
}

export const indexTarWasm: TarIndexer = (tar, limits) => {
  const w = load();
  const base = (w.heapBase() + 15) & ~15;
  // One table row per header at most; a header takes at least one 512-byte block.
  const rows = Math.min(limits.maxEntries + 1, Math.floor(tar.length / 512) + 1);
  const out = (base + tar.length + 7) & ~7;
  const need = out + rows * 24;
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / 65536));
  new Uint8Array(w.memory.buffer, base, tar.length).set(tar);
  const maxEntries = Math.min(limits.maxEntries, 0x7fffffff);
  const n = w.scan(base, tar.length, out, maxEntries, limits.maxSize);
  if (n < 0) throw new TarIndexError(PROBLEMS[n]!, w.errorOffset(), limits);
  // Copy the table out: the next call reuses the memory.
  return { count: n, table: new Float64Array(w.memory.buffer, out, 3 * n).slice() };
};
