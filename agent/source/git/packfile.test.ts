import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { nodeSha1, zlibInflateAt } from "../../runtime/native-git.ts";
import { createPortableSha1, hexOf, objectId, type Sha1 } from "./object-id.ts";
import { parsePack } from "./packfile.ts";
import type { InflateAt } from "./inflate.ts";

let dir: string;
let sha1: Sha1;

function git(args: string[], input?: string): Buffer {
  const r = spawnSync("git", args, {
    cwd: dir,
    input,
    maxBuffer: 1 << 28,
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t", GIT_CONFIG_NOSYSTEM: "1" },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** All objects of the repository as a pack; `ofs` picks OFS_DELTA over REF_DELTA entries. */
function packAll(ofs: boolean): { pack: Uint8Array; ids: string[] } {
  const ids = git(["rev-list", "--objects", "--all"]).toString().trim().split("\n").map((l) => l.slice(0, 40));
  const args = ["pack-objects", "--stdout", "-q", "--window=50", "--depth=50"];
  if (ofs) args.push("--delta-base-offset");
  return { pack: new Uint8Array(git(args, ids.join("\n") + "\n")), ids };
}

function withFixedChecksum(pack: Uint8Array): Uint8Array {
  const out = pack.slice();
  const sum = nodeSha1([out.subarray(0, out.length - 20)]);
  out.set(Uint8Array.from(sum.match(/../g)!.map((h) => Number.parseInt(h, 16))), out.length - 20);
  return out;
}

beforeAll(async () => {
  sha1 = await createPortableSha1();
  dir = mkdtempSync(join(tmpdir(), "rivulet-pack-"));
  git(["init", "-q", "-b", "main"]);
  // a large file rewritten a little each commit, so git stores deltas
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}: the quick brown fox`);
  for (let c = 0; c < 12; c++) {
    lines[c * 200] = `changed in commit ${c}`;
    writeFileSync(join(dir, "big.txt"), lines.join("\n"));
    writeFileSync(join(dir, `small-${c}.txt`), `small ${c}\n`);
    git(["add", "-A"]);
    git(["commit", "-q", "-m", `commit ${c}`]);
  }
  git(["tag", "-a", "v1", "-m", "a tag"]);
  git(["gc", "-q", "--aggressive"]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("parsePack", () => {
  test.each([
    ["OFS_DELTA, portable inflate", true, false],
    ["REF_DELTA, portable inflate", false, false],
    ["OFS_DELTA, native inflate", true, true],
  ])("reads every object git packed, with the ids git computes (%s)", (_, ofs, native) => {
    const { pack, ids } = packAll(ofs);
    const objects = parsePack(pack, { sha1: native ? nodeSha1 : sha1, inflate: native ? zlibInflateAt : undefined });
    expect([...objects.keys()].sort()).toEqual([...new Set(ids)].sort());
    const bigId = git(["rev-parse", "HEAD:big.txt"]).toString().trim();
    expect(new TextDecoder().decode(objects.get(bigId)!.data)).toBe(git(["cat-file", "blob", bigId]).toString());
    // the pack really contains delta chains (git's own verify-pack says so)
    const file = join(dir, `test-${ofs}.pack`);
    writeFileSync(file, pack);
    git(["index-pack", file]);
    expect(git(["verify-pack", "-v", file]).toString()).toMatch(/chain length = [1-9]/);
  });

  test("rejects a pack whose trailing checksum does not match", () => {
    const { pack } = packAll(true);
    const bad = pack.slice();
    bad[bad.length - 30]! ^= 0xff;
    expect(() => parsePack(bad, { sha1 })).toThrow("Cannot read the packfile: checksum mismatch");
  });

  test("an object whose content was altered (checksum recomputed) cannot pass under its id", () => {
    // Craft a one-blob pack whose stored content differs from what a tree expects.
    const data = new TextEncoder().encode("original content\n");
    const id = objectId(nodeSha1, "blob", data);
    const forged = new TextEncoder().encode("tampered content\n");
    const pack = craftPack([{ type: 3, data: forged }]);
    const objects = parsePack(pack, { sha1 });
    expect(objects.has(id)).toBe(false);
    expect(objects.has(objectId(nodeSha1, "blob", forged))).toBe(true);
  });

  test("a corrupted compressed body is rejected even with a valid checksum", () => {
    const pack = craftPack([{ type: 3, data: new TextEncoder().encode("x".repeat(300)) }]);
    const bad = pack.slice();
    bad[16]! ^= 0x55; // inside the zlib stream of the only object
    expect(() => parsePack(withFixedChecksum(bad), { sha1 })).toThrow(/Cannot read the packfile: object at offset 12: /);
  });

  test.each([
    ["a truncated pack", (p: Uint8Array) => p.subarray(0, 20), /too short|checksum/],
    ["a wrong signature", (p: Uint8Array) => withFixedChecksum(Uint8Array.from(p, (b, i) => (i === 0 ? 0x51 : b))), /missing the "PACK" signature/],
    ["an unknown object type", (p: Uint8Array) => withFixedChecksum(Uint8Array.from(p, (b, i) => (i === 12 ? (b & 0x8f) | 0x50 : b))), /unknown object type 5/],
    ["more objects than the header says are present", (p: Uint8Array) => withFixedChecksum(Uint8Array.from(p, (b, i) => (i === 11 ? 2 : b))), /truncated after 1 of 2 objects/],
  ])("rejects %s", (_, mutate, message) => {
    const pack = craftPack([{ type: 3, data: new TextEncoder().encode("hello") }]);
    expect(() => parsePack(mutate(pack), { sha1 })).toThrow(message);
  });

  test("a REF_DELTA whose base is not in the pack (a thin pack) is rejected", () => {
    const base = new TextEncoder().encode("base");
    const baseId = objectId(nodeSha1, "blob", base);
    // delta: base size 4, result size 4, copy 4 bytes from offset 0
    const delta = Uint8Array.from([4, 4, 0x90, 4]);
    const pack = craftPack([{ type: 7, data: delta, baseId }]);
    expect(() => parsePack(pack, { sha1 })).toThrow(`delta base ${baseId} is not in the pack`);
    const withBase = craftPack([{ type: 7, data: delta, baseId }, { type: 3, data: base }]);
    expect(parsePack(withBase, { sha1 }).get(baseId)).toBeDefined();
  });

  test("refuses an object over maxObjectBytes from its header, before inflating it", () => {
    let inflated = 0;
    const counting: InflateAt = (buf, at, size) => {
      inflated++;
      return zlibInflateAt(buf, at, size);
    };
    const pack = craftPack([{ type: 1, data: new Uint8Array(10) }, { type: 3, data: new Uint8Array(5000) }]);
    expect(() => parsePack(pack, { sha1, maxObjectBytes: 4096, inflate: counting })).toThrow(
      "a blob in the commit is 5,000 bytes, over the limit of 4 KiB (raise it with rivulet run --max-file-size)",
    );
    expect(inflated).toBe(1);
    expect(parsePack(pack, { sha1, maxObjectBytes: 5000 }).size).toBe(2);
  });

  test("enforces the inflated size limit", () => {
    const pack = craftPack([{ type: 3, data: new Uint8Array(5000) }]);
    expect(() => parsePack(pack, { sha1, maxInflatedBytes: 4000 })).toThrow("the commit's content is over the limit of 4,000 bytes (raise it with rivulet run --max-artifact-size)");
  });
});

/** A pack built by hand: each entry's header, optional REF_DELTA base id, zlib body; then the SHA-1 trailer. */
function craftPack(entries: Array<{ type: number; data: Uint8Array; baseId?: string }>): Uint8Array {
  const parts: number[] = [0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, entries.length];
  for (const e of entries) {
    let size = e.data.length;
    let byte = (e.type << 4) | (size & 15);
    size = Math.floor(size / 16);
    while (size > 0) {
      parts.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    parts.push(byte);
    if (e.baseId) parts.push(...e.baseId.match(/../g)!.map((h) => Number.parseInt(h, 16)));
    parts.push(...deflateSync(e.data));
  }
  const body = Uint8Array.from(parts);
  const out = new Uint8Array(body.length + 20);
  out.set(body);
  out.set(Uint8Array.from(nodeSha1([body]).match(/../g)!.map((h) => Number.parseInt(h, 16))), body.length);
  expect(hexOf(out.subarray(body.length))).toBe(nodeSha1([body]));
  return out;
}
