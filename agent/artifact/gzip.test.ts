import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync as fflateGunzip } from "fflate";
import { gunzipSync } from "node:zlib";
import { gzipDeterministic } from "./gzip.ts";
import { crc32Js } from "./crc32.ts";
import { randomBytes, yamlCorpus } from "./testdata/deflate-corpus.ts";

/** Text, a run and pseudo-random bytes: exercises dynamic, fixed-or-dynamic and stored blocks. */
function mixedCorpus(): Uint8Array {
  const noise = randomBytes(100_000, 7);
  const parts = [yamlCorpus(1_500_000, 1), new Uint8Array(300_000).fill(9), noise, yamlCorpus(200_000, 2)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Pinned: this test runs on Bun and on Deno (npm run test:deno), and pack.test.ts checks Node, so the
 * same pin on each proves the WASM deflate gives the same bytes everywhere.
 */
const MIXED_GZ_SHA256 = "69e092e669ea2d58a1b3c3c7ddd05d20764887887ad5b085115218bc89298b93";

test("gzipDeterministic output is pinned: the same bytes on every runtime", () => {
  const gz = gzipDeterministic(mixedCorpus());
  expect(createHash("sha256").update(gz).digest("hex")).toBe(MIXED_GZ_SHA256);
});

test("gzipDeterministic writes Go's header and a CRC-32 + ISIZE trailer", () => {
  const data = yamlCorpus(100_000, 3);
  const gz = gzipDeterministic(data);
  expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  const trailer = new DataView(gz.buffer, gz.byteOffset + gz.length - 8);
  expect(trailer.getUint32(0, true)).toBe(crc32Js(data));
  expect(trailer.getUint32(4, true)).toBe(data.length);
});

test.each([
  ["empty", new Uint8Array(0)],
  ["one byte", new Uint8Array([0])],
  ["mixed 2.1 MB", mixedCorpus()],
])("gzipDeterministic output (%s) is read back by zlib and fflate", (_name, data) => {
  const gz = gzipDeterministic(data);
  expect(Buffer.compare(gunzipSync(gz), data)).toBe(0);
  expect(Buffer.compare(fflateGunzip(gz), data)).toBe(0);
});

test("Debian gzip accepts the output: gzip -t passes and gzip -dc gives the input back", () => {
  try {
    execFileSync("gzip", ["--version"], { stdio: "pipe" });
  } catch (err) {
    throw new Error("Cannot run this test: the gzip binary is missing (apt-get install gzip)", { cause: err });
  }
  const dir = mkdtempSync(join(tmpdir(), "rivulet-gzip-"));
  try {
    const data = mixedCorpus();
    const file = join(dir, "a.gz");
    writeFileSync(file, gzipDeterministic(data));
    execFileSync("gzip", ["-t", file], { stdio: "pipe" });
    const back = execFileSync("gzip", ["-dc", file], { maxBuffer: 1 << 26 });
    expect(Buffer.compare(back, data)).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
