import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unpack } from "./unpack.ts";
import { indexTarWasm } from "./tar-index-wasm.ts";
import { nativeGunzip } from "../runtime/native-gunzip.ts";

/** Every file and directory below `root`, as GNU tar left them: path -> content or "dir". */
function readDisk(root: string, dir = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, rel)).isDirectory()) {
      out.set(rel, "dir");
      for (const [k, v] of readDisk(root, rel)) out.set(k, v);
    } else out.set(rel, readFileSync(join(root, rel), "utf8"));
  }
  return out;
}

const LONG = `${"a".repeat(80)}/${"b".repeat(90)}/${"c".repeat(120)}.yaml`;

const archives: Array<[string, string[]]> = [
  ["GNU format with ./ prefixes and long names (L entries)", ["--format=gnu", "-C", "SRC", "."]],
  ["PAX format with long and non-ASCII names", ["--format=pax", "-C", "SRC", "."]],
  ["PAX format without ./ prefixes", ["--format=pax", "-C", "SRC", "x", "ünï.yaml", "a".repeat(80)]],
  ["GNU format with a 10 KiB record", ["--format=gnu", "--blocking-factor=20", "-C", "SRC", "."]],
];

test.each(archives)("unpack reads an archive GNU tar wrote (%s) into the tree GNU tar extracts", async (_name, args) => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-interop-"));
  try {
    const src = join(dir, "src");
    mkdirSync(join(src, LONG, ".."), { recursive: true });
    mkdirSync(join(src, "x/empty"), { recursive: true });
    writeFileSync(join(src, LONG), "long: name\n");
    writeFileSync(join(src, "x/big.yaml"), "k: v\n".repeat(50_000));
    writeFileSync(join(src, "x/zero"), "");
    writeFileSync(join(src, "ünï.yaml"), "u: 1\n");
    const file = join(dir, "a.tar.gz");
    execFileSync("tar", ["-czf", file, ...args.map((a) => (a === "SRC" ? src : a))]);
    const out = join(dir, "out");
    mkdirSync(out);
    execFileSync("tar", ["-xzf", file, "-C", out]);
    const expected = readDisk(out);
    const bytes = new Uint8Array(readFileSync(file));
    for (const options of [{}, { gunzip: nativeGunzip(), indexer: indexTarWasm }]) {
      const tree = await unpack(bytes, options);
      const got = new Map([...tree].map(([k, v]) => [k, v.kind === "dir" ? "dir" : new TextDecoder().decode(v.data)]));
      expect(new Map([...got].sort())).toEqual(new Map([...expected].sort()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
