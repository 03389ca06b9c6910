import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { dispatch } from "./dispatch.ts";
import { artifactCommands } from "./artifact.ts";
import { craftTar } from "../artifact/testdata/craft-tar.ts";

async function cli(cwd: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, artifactCommands, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    cwd,
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

test("artifact pack prints the digest last, digest agrees, unpack restores the tree", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-cli-"));
  try {
    mkdirSync(join(dir, "src/sub"), { recursive: true });
    writeFileSync(join(dir, "src/a.yaml"), "a: 1\n");
    writeFileSync(join(dir, "src/sub/x.txt"), "x");
    const packed = await cli(dir, "artifact", "pack", "src", "-o", "a.tgz", "--ignore", "*.txt");
    expect(packed.code).toBe(0);
    const digest = packed.out.at(-1)!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli(dir, "artifact", "digest", "a.tgz")).out).toEqual([digest]);
    expect((await cli(dir, "artifact", "unpack", "a.tgz", "out", "--digest", digest)).code).toBe(0);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["a.yaml", "sub"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("artifact unpack exits non-zero with one line and writes nothing for a hostile archive", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-cli-"));
  try {
    writeFileSync(join(dir, "bad.tgz"), gzipSync(craftTar([{ name: "ok", data: "x" }, { name: "../escape", data: "x" }])));
    const r = await cli(dir, "artifact", "unpack", "bad.tgz", "out");
    expect(r.code).toBe(3);
    expect(r.err).toEqual(['Error: Cannot extract the tar archive: entry "../escape" escapes the target directory']);
    expect(existsSync(join(dir, "out"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["bad.tgz"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("artifact unpack rejects a malformed --max-size as a usage error", async () => {
  const r = await cli(tmpdir(), "artifact", "unpack", "a", "b", "--max-size", "10MB");
  expect(r.code).toBe(2);
  expect(r.err[0]).toBe('Error: --max-size must be a whole number of bytes or -1 (unlimited), got "10MB"');
});
