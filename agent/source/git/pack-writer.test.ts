import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import fc from "fast-check";
import { nodeSha1 } from "../../runtime/native-git.ts";
import { objectId } from "./object-id.ts";
import { writeTree } from "./object-writer.ts";
import { parsePack, type GitObject } from "./packfile.ts";
import { writePack, zlibDeflate } from "./pack-writer.ts";

function git(cwd: string, args: string[], input?: Uint8Array): string {
  const r = spawnSync("git", args, { cwd, input, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

/** Blobs of 1,000 files in 20 directories and the trees over them. */
function thousandFiles(): Map<string, GitObject> {
  const changes: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) changes[`apps/d${i % 20}/f${i}.yaml`] = `name: f${i}\nimage: app:${i}\n`;
  return writeTree(new Map(), undefined, changes, nodeSha1).objects;
}

describe("zlibDeflate", () => {
  test("round-trips through node's zlib, which checks the Adler-32 trailer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (data) => {
        expect(new Uint8Array(inflateSync(zlibDeflate(data)))).toEqual(data);
      }),
      { numRuns: 60 },
    );
  });
});

describe("writePack", () => {
  test("git index-pack accepts the pack and finds exactly its objects", () => {
    const objects = thousandFiles();
    objects.set("x", { type: "blob", data: new Uint8Array(300_000).fill(7) }); // a size that needs a 3-byte header
    const pack = writePack(objects.values(), nodeSha1);
    const dir = mkdtempSync(join(tmpdir(), "rivulet-pack-"));
    try {
      git(dir, ["init", "-q", "--bare"]);
      git(dir, ["index-pack", "--stdin", "--strict"], pack);
      const listed = git(dir, ["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"]).trim().split("\n").sort();
      const expected = [...objects.values()].map((o) => `${objectId(nodeSha1, o.type, o.data)} ${o.type}`).sort();
      expect(listed).toEqual(expected);
      expect(listed.length).toBe(1000 + 22 + 1); // blobs, 20 directories + apps + root, the big blob
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("our pack reader reads back the same objects", () => {
    const objects = thousandFiles();
    const back = parsePack(writePack(objects.values(), nodeSha1), { sha1: nodeSha1 });
    expect(new Map([...back].sort())).toEqual(new Map([...objects].sort()));
  });

  test("an empty pack is 32 bytes git accepts", () => {
    const pack = writePack([], nodeSha1);
    expect(pack.length).toBe(32);
    const dir = mkdtempSync(join(tmpdir(), "rivulet-pack-"));
    try {
      git(dir, ["init", "-q", "--bare"]);
      git(dir, ["index-pack", "--stdin"], pack);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
