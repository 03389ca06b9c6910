import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, existsSync, mkdirSync, symlinkSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { craftTar, paxEntry, type CraftEntry } from "./testdata/craft-tar.ts";
import { unpack, unpackTo, type UnpackOptions } from "./unpack.ts";
import { digestOf } from "./digest.ts";
import { fsTreeSink } from "../runtime/artifact-fs.ts";
import { nativeGunzip } from "../runtime/native-gunzip.ts";
import { indexTarWasm } from "./tar-index-wasm.ts";

const P = "Cannot extract the tar archive";
const gz = (tar: Uint8Array) => new Uint8Array(gzipSync(tar));
const ok: CraftEntry = { name: "ok.yaml", data: "a: 1\n" };

interface Hostile {
  name: string;
  archive: () => Uint8Array | Promise<Uint8Array>;
  options?: UnpackOptions;
  error: string;
}

const bomb = () => gz(craftTar([{ name: "zeros", data: new Uint8Array(64 * 1024 * 1024) }]));
const valid = gz(craftTar([ok]));

const hostile: Hostile[] = [
  { name: "a ../ traversal", archive: () => gz(craftTar([ok, { name: "../x", data: "pwn" }])), error: `${P}: entry "../x" escapes the target directory` },
  { name: "a traversal inside the path", archive: () => gz(craftTar([{ name: "a/../../x", data: "pwn" }])), error: `${P}: entry "a/../../x" escapes the target directory` },
  { name: "a traversal via the ustar prefix", archive: () => gz(craftTar([{ name: "x", prefix: "..", data: "pwn" }])), error: `${P}: entry "../x" escapes the target directory` },
  { name: "a traversal via a PAX path", archive: () => gz(craftTar([paxEntry({ path: "../../etc/x" }), { name: "safe", data: "pwn" }])), error: `${P}: entry "../../etc/x" escapes the target directory` },
  { name: "a traversal via a GNU long name", archive: () => gz(craftTar([{ name: "././@LongLink", type: "L", data: "../long\0" }, { name: "safe", data: "pwn" }])), error: `${P}: entry "../long" escapes the target directory` },
  { name: "an absolute path", archive: () => gz(craftTar([{ name: "/etc/passwd", data: "pwn" }])), error: `${P}: entry "/etc/passwd" has an absolute path` },
  { name: "a backslash", archive: () => gz(craftTar([{ name: "..\\x", data: "pwn" }])), error: `${P}: entry "..\\x" contains a backslash` },
  { name: "a symlink", archive: () => gz(craftTar([{ name: "link", type: "2", linkname: "/etc/passwd" }])), error: `${P}: entry "link" is a symlink, which is not allowed` },
  { name: "a hard link", archive: () => gz(craftTar([ok, { name: "hard", type: "1", linkname: "ok.yaml" }])), error: `${P}: entry "hard" is a hard link, which is not allowed` },
  { name: "a character device", archive: () => gz(craftTar([{ name: "null", type: "3" }])), error: `${P}: entry "null" is a character device, which is not allowed` },
  { name: "a block device", archive: () => gz(craftTar([{ name: "sda", type: "4" }])), error: `${P}: entry "sda" is a block device, which is not allowed` },
  { name: "a fifo", archive: () => gz(craftTar([{ name: "pipe", type: "6" }])), error: `${P}: entry "pipe" is a fifo, which is not allowed` },
  { name: "an unknown entry type", archive: () => gz(craftTar([{ name: "sparse", type: "S", data: "x" }])), error: `${P}: entry "sparse" has the unsupported type flag "S"` },
  { name: "entries over the size cap", archive: () => gz(craftTar([{ name: "big", data: new Uint8Array(2048) }])), options: { maxSize: 1000 }, error: `${P}: its entries add up to more than 1000 bytes` },
  { name: "a file over the file limit, from its tar header", archive: () => gz(craftTar([ok, { name: "big.yaml", data: new Uint8Array(2048) }])), options: { maxFileSize: 1024 }, error: `${P}: file "big.yaml" is 2 KiB, over the limit of 1 KiB (raise it with rivulet run --max-file-size)` },
  { name: "too many entries", archive: () => gz(craftTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: "x" })))), options: { maxEntries: 5 }, error: `${P}: it has more than 5 entries` },
  { name: "a gzip bomb", archive: bomb, options: { maxSize: 1024 * 1024, maxEntries: 10 }, error: `${P}: it inflates to more than ${1024 * 1024 + 1024 * 30} bytes` },
  { name: "a truncated gzip stream", archive: () => valid.subarray(0, valid.length - 12), error: `${P}: the gzip stream is truncated` },
  { name: "a truncated tar stream", archive: () => gz(craftTar([{ name: "f", data: new Uint8Array(3000) }]).subarray(0, 2048)), error: `${P}: the archive ends inside the entry at byte 0` },
  { name: "a bad header checksum", archive: () => gz(craftTar([ok, { name: "b", data: "x", checksumDelta: 1 }])), error: `${P}: the header at byte 1024 has an invalid checksum` },
  { name: "a corrupt gzip stream", archive: () => new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, ...new Uint8Array(40).fill(0xff)]), error: `${P}: the gzip stream is corrupt` },
  { name: "a digest mismatch", archive: () => valid, options: { digest: `sha256:${"0".repeat(64)}` }, error: `${P}: digest mismatch: expected sha256:${"0".repeat(64)}, got ` },
  { name: "a file where a directory is needed", archive: () => gz(craftTar([{ name: "a", data: "x" }, { name: "a/b", data: "y" }])), error: `${P}: entry "a/b" is inside "a", which is a file` },
];

const paths = {
  js: {} as UnpackOptions,
  native: { gunzip: nativeGunzip() } as UnpackOptions,
  wasm: { indexer: indexTarWasm } as UnpackOptions,
};

describe("unpack rejects hostile archives with a pinned reason and writes nothing", () => {
  for (const [pathName, pathOpts] of Object.entries(paths)) {
    test.each(hostile.map((h) => [h.name, h] as const))(`${pathName}: %s`, async (_n, h) => {
      const parent = mkdtempSync(join(tmpdir(), "rivulet-untar-"));
      try {
        const target = join(parent, "target");
        mkdirSync(target);
        const err = await unpackTo(await h.archive(), fsTreeSink(target), { ...pathOpts, ...h.options }).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err).toBeInstanceOf(Error);
        expect(err!.message.slice(0, h.error.length)).toBe(h.error);
        expect(err!.message).not.toContain("\n");
        expect(readdirSync(parent)).toEqual(["target"]);
        expect(readdirSync(target)).toEqual([]);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    });
  }
});

describe("unpack", () => {
  test("unpack skips symlinks when asked to", async () => {
    const tree = await unpack(gz(craftTar([{ name: "l", type: "2", linkname: "x" }, ok])), { skipSymlinks: true });
    expect([...tree.keys()]).toEqual(["ok.yaml"]);
  });

  test("unpack accepts a matching digest and returns views on one buffer", async () => {
    const tar = craftTar([ok, { name: "b.yaml", data: "b: 2\n" }]);
    const bytes = gz(tar);
    const tree = await unpack(bytes, { digest: await digestOf(bytes) });
    const a = tree.get("ok.yaml");
    const b = tree.get("b.yaml");
    expect(a?.kind === "file" && new TextDecoder().decode(a.data)).toBe("a: 1\n");
    expect(a?.kind === "file" && b?.kind === "file" && a.data.buffer === b.data.buffer).toBe(true);
  });

  test("unpack reads a ReadableStream", async () => {
    const bytes = gz(craftTar([ok]));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 10));
        c.enqueue(bytes.subarray(10));
        c.close();
      },
    });
    expect([...(await unpack(stream)).keys()]).toEqual(["ok.yaml"]);
  });

  test("unpack normalizes ./ prefixes, . segments and trailing slashes", async () => {
    const tree = await unpack(gz(craftTar([{ name: "./", type: "5" }, { name: "./d/", type: "5", mode: 0o755 }, { name: "./d/./f", data: "x" }, { name: "e//g", data: "y" }])));
    expect([...tree.keys()].sort()).toEqual(["d", "d/f", "e", "e/g"]);
    expect(tree.get("d")).toEqual({ kind: "dir", mode: 0o755 });
  });

  test("unpack applies a PAX size record to the next entry", async () => {
    const data = "0123456789";
    const tree = await unpack(gz(craftTar([paxEntry({ size: "10", path: "pax/name.txt" }), { name: "short", data, size: 0o77777 }])));
    const f = tree.get("pax/name.txt");
    expect(f?.kind === "file" && new TextDecoder().decode(f.data)).toBe(data);
  });

  test("unpack refuses to write through a symlink planted in the target", async () => {
    const parent = mkdtempSync(join(tmpdir(), "rivulet-untar-"));
    try {
      const target = join(parent, "target");
      const outside = join(parent, "outside");
      mkdirSync(target);
      mkdirSync(outside);
      symlinkSync(outside, join(target, "a"));
      const err = await unpackTo(gz(craftTar([{ name: "a/x", data: "pwn" }])), fsTreeSink(target)).catch((e: Error) => e);
      expect((err as Error).message).toBe(`${P}: "a" exists in the target and is not a directory`);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test("unpack stops inflating a bomb at the cap on the portable path", async () => {
    // 1 GiB of zeros compresses to ~1 MB; inflating it fully would take seconds and a GiB of memory.
    const big = new Uint8Array(gzipSync(new Uint8Array(256 * 1024 * 1024), { level: 9 }));
    const err = await unpack(big, { maxSize: 1024 * 1024, maxEntries: 1 }).catch((e: Error) => e);
    expect((err as Error).message).toContain("inflates to more than");
  });

  test("unpack writes the tree into a directory with header modes", async () => {
    const parent = mkdtempSync(join(tmpdir(), "rivulet-untar-"));
    try {
      await unpackTo(gz(craftTar([{ name: "d/f.sh", data: "#!/bin/sh\n", mode: 0o755 }])), fsTreeSink(parent));
      expect(readFileSync(join(parent, "d/f.sh"), "utf8")).toBe("#!/bin/sh\n");
      expect(existsSync(join(parent, "d"))).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
