import { expect, test } from "bun:test";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOf, parseDigest, wasmSha256 } from "./digest.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";

test("native, WebCrypto and WASM digests agree on the same bytes (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 10_000 }), fc.nat(10_000), async (data, cut) => {
      const c = Math.min(cut, data.length);
      const chunks = [data.subarray(0, c), data.subarray(c)];
      const webcrypto = await digestOf(data);
      expect(await digestOf(chunks, nativeSha256)).toBe(webcrypto);
      expect(await digestOf(chunks, wasmSha256)).toBe(webcrypto);
      expect(await digestOf(new Blob([data as Uint8Array<ArrayBuffer>]).stream(), wasmSha256)).toBe(webcrypto);
    }),
    { numRuns: 100 },
  );
});

test("the digest matches openssl dgst -sha256", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-digest-"));
  try {
    const data = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    writeFileSync(join(dir, "f"), data);
    const openssl = execFileSync("openssl", ["dgst", "-sha256", "-r", join(dir, "f")], { encoding: "utf8" }).split(" ")[0];
    expect(await digestOf(data, nativeSha256)).toBe(`sha256:${openssl}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each(["sha256:abc", `sha1:${"a".repeat(64)}`, `sha256:${"A".repeat(64)}`, ""])("parseDigest rejects %p", (s) => {
  expect(() => parseDigest(s)).toThrow(`Cannot use the digest "${s}": expected sha256:<64 lowercase hex digits>`);
});
