/**
 * Artifact benchmarks for one runtime: digest, unpack and pack, each path (native / WASM / JS) as its own
 * row, each against a peer measured in the same run (in-process node:crypto, `openssl dgst -sha256`,
 * `tar xzf`, `tar czf | sha256sum`). Prints one JSON object on stdout; bench/artifact-all.ts runs it on
 * Bun, Deno and Node (Node 20 cannot strip types, so it runs a `bun build` bundle) and writes
 * bench/artifact.md. Each figure is the median of RUNS runs; the machine is shared and noisy.
 *
 *   bun bench/artifact.ts            (or deno run -A bench/artifact.ts)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync as zlibGzipSync } from "node:zlib";
import { gzipSync } from "fflate";
import { join } from "node:path";
import { digestOf, wasmSha256 } from "../agent/artifact/digest.ts";
import { gunzipJs } from "../agent/artifact/gunzip.ts";
import { gzipDeterministic } from "../agent/artifact/gzip.ts";
import { pack } from "../agent/artifact/pack.ts";
import { indexTarJs } from "../agent/artifact/tar-index.ts";
import { indexTarWasm } from "../agent/artifact/tar-index-wasm.ts";
import { unpack, type UnpackOptions } from "../agent/artifact/unpack.ts";
import { fsTreeReader } from "../agent/runtime/artifact-fs.ts";
import { nativeSha256 } from "../agent/runtime/native-digest.ts";
import { zlibGunzip } from "../agent/runtime/native-gunzip.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CACHE = join(tmpdir(), "rivulet-bench-artifact");

interface Row {
  group: string;
  impl: string;
  ms: number;
  /** Peer time / our time: > 1 means we are faster. */
  ratio?: number;
  peer?: string;
  note?: string;
}

async function median(fn: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function runtime(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

/** ~5,000 small Kubernetes-like YAML files (~20 MB), a 100 MB file, a 256 MiB file; made once, cached. */
function fixtures() {
  const repo = join(CACHE, "repo");
  const big = join(CACHE, "big");
  const blob = join(CACHE, "blob256");
  if (!existsSync(join(CACHE, "done"))) {
    rmSync(CACHE, { recursive: true, force: true });
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 5000; i++) {
      const dir = join(repo, `apps/team-${i % 50}/svc-${Math.floor(i / 50) % 20}`);
      mkdirSync(dir, { recursive: true });
      let y = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: team-${i % 50}\n  labels:\n    app: svc-${i % 97}\ndata:\n`;
      while (y.length < 4000) y += `  key-${rnd() % 10000}: "value-${rnd().toString(36)}-${rnd() % 1000}"\n`;
      writeFileSync(join(dir, `cm-${i}.yaml`), y);
    }
    mkdirSync(big, { recursive: true });
    const chunk: string[] = [];
    while (chunk.join("").length < 1 << 20) chunk.push(`line ${rnd().toString(36)} ${rnd() % 100000} data: ${"x".repeat(rnd() % 40)}\n`);
    const mb = chunk.join("").slice(0, 1 << 20);
    const parts: string[] = [];
    for (let i = 0; i < 100; i++) parts.push(mb.replace(/line/g, `l${i}`).slice(0, 1_000_000));
    writeFileSync(join(big, "data.txt"), parts.join(""));
    const b = new Uint8Array(256 * 1024 * 1024);
    for (let i = 0; i < b.length; i += 4096) b[i] = rnd() & 0xff;
    writeFileSync(blob, b);
    writeFileSync(join(CACHE, "done"), "");
  }
  return { repo, big, blob };
}

async function benchDigest(blob: string, rows: Row[]) {
  const bytes = new Uint8Array(readFileSync(blob));
  const peer = await median(() => createHash("sha256").update(bytes).digest("hex"));
  const openssl = await median(() => execFileSync("openssl", ["dgst", "-sha256", blob]));
  rows.push({ group: "digest 256 MiB", impl: "peer: in-process node:crypto", ms: peer });
  rows.push({ group: "digest 256 MiB", impl: "peer: openssl dgst -sha256 (incl. file read)", ms: openssl });
  const impls: Array<[string, () => Promise<unknown>]> = [
    ["native (node:crypto via digestOf, 4 MiB chunks)", () => digestOf(chunks(bytes, 4 << 20), nativeSha256)],
    ["WebCrypto one-shot (portable, whole buffer)", () => digestOf(bytes)],
    ["WASM hash-wasm streaming (portable)", () => digestOf(chunks(bytes, 4 << 20), wasmSha256)],
  ];
  for (const [impl, fn] of impls) {
    const ms = await median(fn);
    rows.push({ group: "digest 256 MiB", impl, ms, ratio: peer / ms, peer: "node:crypto", note: `vs openssl ${(openssl / ms).toFixed(2)}x` });
  }
}

function* chunks(b: Uint8Array, n: number) {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

async function benchUnpack(name: string, dir: string, rows: Row[]) {
  const { bytes } = await pack(fsTreeReader(dir), { sha256: nativeSha256 });
  const tgz = join(CACHE, `${name.replace(/\W+/g, "-")}.tgz`);
  writeFileSync(tgz, bytes);
  const peer = await median(() => {
    const out = mkdtempSync(join(tmpdir(), "rivulet-bench-x-"));
    try {
      execFileSync("tar", ["-xzf", tgz, "-C", out]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  const group = `unpack ${name} (${(bytes.length / 1e6).toFixed(1)} MB gz) into memory`;
  rows.push({ group, impl: "peer: tar xzf into a temp dir", ms: peer });
  const limits = { maxSize: 200 * 1024 * 1024 };
  const impls: Array<[string, UnpackOptions]> = [
    ["native node:zlib (capped) + JS index", { gunzip: zlibGunzip }],
    ["native node:zlib (capped) + WASM index", { gunzip: zlibGunzip, indexer: indexTarWasm }],
    ["JS fflate + JS index", {}],
    ["JS fflate + WASM index", { indexer: indexTarWasm }],
  ];
  for (const [impl, opts] of impls) {
    const ms = await median(() => unpack(bytes, { ...limits, ...opts }));
    rows.push({ group, impl, ms, ratio: peer / ms, peer: "tar xzf" });
  }
  // The index pass alone, on the already inflated tar: the part the WASM module replaces.
  const tar = gunzipJs(bytes, 1 << 30);
  const idx = { maxEntries: 1e6, maxSize: 1 << 30 };
  const js = await median(() => {
    for (let i = 0; i < 10; i++) indexTarJs(tar, idx);
  });
  const wasm = await median(() => {
    for (let i = 0; i < 10; i++) indexTarWasm(tar, idx);
  });
  rows.push({ group: `tar index pass only, ${name}`, impl: "JS indexTarJs", ms: js / 10 });
  rows.push({ group: `tar index pass only, ${name}`, impl: "WASM indexTarWasm (incl. copy into WASM memory)", ms: wasm / 10, ratio: js / wasm, peer: "JS index" });
}

async function benchPack(dir: string, rows: Row[]) {
  const tgz = join(CACHE, "peer.tgz");
  const peer = await median(() => {
    execFileSync("sh", ["-c", `tar -czf "${tgz}" -C "${dir}" . && sha256sum "${tgz}" >/dev/null`]);
  });
  const group = "pack repo (5,000 YAML files) from disk, with digest";
  rows.push({ group, impl: "peer: tar czf + sha256sum", ms: peer, note: `${mb(readFileSync(tgz).length)} gz` });
  let packed: Uint8Array = new Uint8Array(0);
  const ms = await median(async () => (packed = (await pack(fsTreeReader(dir), { sha256: nativeSha256 })).bytes));
  rows.push({ group, impl: "pack: WASM deflate (deterministic) + native sha256", ms, ratio: peer / ms, peer: "tar czf + sha256sum", note: `${mb(packed.length)} gz` });
  // The compression step alone, on the same tar, per implementation.
  const tar = new Uint8Array(zlibGunzip(packed, 1 << 30));
  const deflaters: Array<[string, () => Uint8Array]> = [
    ["deflate only: WASM gzipDeterministic (deflate + CRC-32)", () => gzipDeterministic(tar)],
    ["deflate only: fflate gzipSync level 6 (JS, deterministic)", () => gzipSync(tar, { level: 6, mtime: 0 })],
    ["deflate only: node:zlib gzipSync level 6 (NOT deterministic across runtimes)", () => new Uint8Array(zlibGzipSync(tar, { level: 6 }))],
  ];
  let wasm = 0;
  for (const [impl, fn] of deflaters) {
    let out: Uint8Array = new Uint8Array(0);
    const t = await median(() => (out = fn()));
    wasm ||= t; // the first row is the WASM deflate
    const speed = `${(tar.length / 1e3 / t).toFixed(0)} MB/s, ${mb(tar.length)} tar -> ${mb(out.length)}`;
    rows.push({ group, impl, ms: t, note: t === wasm ? speed : `${speed}; WASM is ${(t / wasm).toFixed(2)}x faster` });
  }
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(2)} MB`;
}

const rows: Row[] = [];
const f = fixtures();
const only = process.argv.slice(2);
if (!only.length || only.includes("digest")) await benchDigest(f.blob, rows);
if (!only.length || only.includes("unpack")) {
  await benchUnpack("repo (5,000 YAML files)", f.repo, rows);
  await benchUnpack("one 100 MB file", f.big, rows);
}
if (!only.length || only.includes("pack")) await benchPack(f.repo, rows);
console.log(JSON.stringify({ runtime: runtime(), runs: RUNS, rows }));
