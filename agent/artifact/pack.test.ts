import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync, readdirSync, statSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "./pack.ts";
import { bucketIgnore } from "./source-ignore.ts";
import { unpack } from "./unpack.ts";
import { FileTree } from "./file-tree.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";

const enc = new TextEncoder();
const file = (s: string, mode = 0o644) => ({ kind: "file" as const, mode, data: enc.encode(s) });

/** A fixed tree whose digest is pinned: the same bytes on Bun, Deno and Node (see the node test below). */
const FIXED = new FileTree([
  ["apps/web/deploy.yaml", file("kind: Deployment\n")],
  ["apps/web/run.sh", file("#!/bin/sh\n", 0o755)],
  ["apps/" + "n".repeat(120) + ".yaml", file("long: name\n")],
  ["ünï/cödé.yaml", file("a: b\n")],
  ["empty", { kind: "dir", mode: 0o700 }],
]);
const FIXED_DIGEST = "sha256:213313b2925329943ac2836d857b970e3e084fb0dbe1cd90a848fca7f856d458";

function temp(): string {
  return mkdtempSync(join(tmpdir(), "rivulet-pack-"));
}

describe("pack", () => {
  test("pack output is pinned: the same tree gives the same digest on every runtime", async () => {
    expect((await pack(FIXED)).digest).toBe(FIXED_DIGEST);
  });

  test("pack gives the same digest under Node (bundled by bun build, since Node 20 cannot strip types)", () => {
    const dir = temp();
    try {
      const script = join(dir, "run.ts");
      writeFileSync(
        script,
        `import { pack } from ${JSON.stringify(join(import.meta.dirname, "pack.ts"))};
         import { FileTree } from ${JSON.stringify(join(import.meta.dirname, "file-tree.ts"))};
         const enc = new TextEncoder();
         const tree = new FileTree(${JSON.stringify([...FIXED].map(([k, v]) => [k, v.kind === "file" ? { ...v, data: new TextDecoder().decode(v.data) } : v]))}
           .map(([k, v]) => [k, v.kind === "file" ? { ...v, data: enc.encode(v.data) } : v]));
         console.log((await pack(tree)).digest);`,
      );
      const bun = join(import.meta.dirname, "../../node_modules/.bin/bun");
      execFileSync(bun, ["build", script, "--target=node", "--outfile", join(dir, "run.mjs")], { stdio: "pipe" });
      expect(execFileSync("node", [join(dir, "run.mjs")], { encoding: "utf8" }).trim()).toBe(FIXED_DIGEST);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("pack writes Flux's headers: root '.', uid/gid 0, no owner names, mtime 0, modes 0750/0600/0700", async () => {
    const dir = temp();
    try {
      writeFileSync(join(dir, "a.tgz"), (await pack(FIXED)).bytes);
      const listing = execFileSync("tar", ["--numeric-owner", "--utc", "-tvzf", join(dir, "a.tgz")], { encoding: "utf8" });
      const rows = listing.trim().split("\n").map((l) => l.split(/\s+/));
      expect(rows.map((r) => r.slice(5).join(" "))).toEqual([
        ".", "apps", "apps/" + "n".repeat(120) + ".yaml", "apps/web", "apps/web/deploy.yaml", "apps/web/run.sh",
        "empty", "ünï", "ünï/cödé.yaml",
      ]);
      for (const r of rows) {
        expect(r[1]).toBe("0/0");
        expect(`${r[3]} ${r[4]}`).toBe("1970-01-01 00:00");
        expect(["drwxr-x---", "-rw-------", "-rwx------"]).toContain(r[0] ?? "");
      }
      expect(rows.find((r) => r[5] === "apps/web/run.sh")![0]).toBe("-rwx------");
      const header = (await pack(FIXED)).bytes.subarray(0, 10);
      expect([...header]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("pack walks a directory, skips symlinks and applies .sourceignore and spec.ignore", async () => {
    const dir = temp();
    try {
      mkdirSync(join(dir, "src/sub/deep"), { recursive: true });
      mkdirSync(join(dir, "src/.git"));
      writeFileSync(join(dir, "src/.git/config"), "x");
      writeFileSync(join(dir, "src/a.yaml"), "a");
      writeFileSync(join(dir, "src/b.yaml"), "b");
      writeFileSync(join(dir, "src/logo.png"), "png");
      writeFileSync(join(dir, "src/sub/.sourceignore"), "*.txt\n");
      writeFileSync(join(dir, "src/sub/x.txt"), "x");
      writeFileSync(join(dir, "src/y.txt"), "y");
      writeFileSync(join(dir, "src/sub/deep/z.txt"), "z");
      symlinkSync("/etc/passwd", join(dir, "src/link"));
      const r = await pack(fsTreeReader(join(dir, "src")), { ignore: "b.yaml", sha256: nativeSha256 });
      const tree = await unpack(r.bytes, { digest: r.digest });
      // .git goes (VCS default); logo.png stays because user patterns drop the other defaults; the sub
      // .sourceignore only sees sub/; b.yaml goes through spec.ignore.
      expect([...tree.keys()].sort()).toEqual(["a.yaml", "logo.png", "sub", "sub/.sourceignore", "sub/deep", "y.txt"]);
      // Without any user pattern all defaults apply again.
      rmSync(join(dir, "src/sub/.sourceignore"));
      const plain = [...(await unpack((await pack(fsTreeReader(join(dir, "src")))).bytes)).keys()];
      expect(plain).not.toContain("logo.png");
      expect(plain).toContain("sub/x.txt");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const segment = fc.stringMatching(/^[a-z0-9_é-]{1,12}$/);
const treeArb = fc
  .uniqueArray(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 3000 }), fc.boolean()), {
    maxLength: 25,
    selector: ([p]) => p.join("/"),
  })
  .map((files) => {
    const tree = new FileTree();
    const dirs = new Set<string>();
    for (const [parts, data, exec] of files) {
      const path = parts.join("/");
      // Skip files that would sit where another file's directory is, or vice versa.
      if (dirs.has(path) || parts.some((_, i) => i > 0 && tree.get(parts.slice(0, i).join("/"))?.kind === "file")) continue;
      tree.set(path, { kind: "file", mode: exec ? 0o755 : 0o644, data });
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    return tree;
  });

test("pack then unpack gives the same tree (property)", async () => {
  await fc.assert(
    fc.asyncProperty(treeArb, async (tree) => {
      const r = await pack(tree);
      const back = await unpack(r.bytes, { digest: r.digest });
      for (const [path, node] of tree) {
        const got = back.get(path);
        expect(got?.kind).toBe("file");
        if (got?.kind === "file" && node.kind === "file") {
          expect(got.mode).toBe(node.mode & 0o111 ? 0o700 : 0o600);
          expect([...got.data]).toEqual([...node.data]);
        }
      }
      for (const [path, node] of back) if (node.kind === "dir") expect(node.mode).toBe(0o750);
      expect([...back.values()].filter((n) => n.kind === "file").length).toBe(tree.size);
      // Packing again is a fixed point: the same tree gives the same bytes.
      expect((await pack(back)).digest).toBe(r.digest);
    }),
    { numRuns: 60 },
  );
});

test("pack of a directory equals what GNU tar extracts from it (round trip through disk)", async () => {
  const dir = temp();
  try {
    const tree = new FileTree([["x/y.yaml", file("y")], ["z", file("zz", 0o755)]]);
    const r = await pack(tree);
    writeFileSync(join(dir, "a.tgz"), r.bytes);
    mkdirSync(join(dir, "out"));
    execFileSync("tar", ["-xzf", join(dir, "a.tgz"), "-C", join(dir, "out")]);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["x", "z"]);
    expect(readFileSync(join(dir, "out/x/y.yaml"), "utf8")).toBe("y");
    expect(statSync(join(dir, "out/z")).mode & 0o777).toBe(0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});


test("pack applies rules it is given instead of the tree's own .sourceignore files and defaults", async () => {
  const tree = new FileTree([
    ["logo.png", file("png")],
    [".sourceignore", file("a.yaml\n")],
    ["a.yaml", file("a: 1\n")],
    ["b.yaml", file("b: 1\n")],
  ]);
  const own = await unpack((await pack(tree)).bytes);
  const given = await unpack((await pack(tree, { rules: { ignores: (path) => path === "b.yaml" } })).bytes);
  // With a .sourceignore present Flux drops its default patterns, so logo.png survives its own rules.
  expect([...own.keys()].sort()).toEqual([".sourceignore", "b.yaml", "logo.png"]);
  expect([...given.keys()].sort()).toEqual([".sourceignore", "a.yaml", "logo.png"]);
});

// A Bucket's rules pick the keys to download; packing what was downloaded with the same rules must give
// the bytes of an unfiltered archive (Flux archives a Bucket's download without a filter).
const keySeg = fc.constantFrom("a", "b", "c.yaml", "d.png", ".sourceignore", "e");
const keyPattern = fc.constantFrom("*.yaml", "a", "b/", "/a", "a/b", "**/e", "a/**", "!*.yaml", "!b", "!a/c.yaml", ".*", "*.png");
test("a Bucket's download packed with its rules gives the bytes of an unfiltered archive (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.array(keySeg, { minLength: 1, maxLength: 3 }).map((p) => p.join("/")), { minLength: 1, maxLength: 15 }),
      fc.option(fc.array(keyPattern, { maxLength: 4 }).map((p) => p.join("\n")), { nil: undefined }),
      fc.option(fc.array(keyPattern, { maxLength: 3 }).map((p) => p.join("\n")), { nil: undefined }),
      async (keys, ignoreFile, specIgnore) => {
        const rules = bucketIgnore(ignoreFile, specIgnore);
        // What fetchBucketArtifact downloads: kept keys that are not parents of other keys, plus the root .sourceignore.
        const tree = new FileTree();
        if (ignoreFile !== undefined) tree.set(".sourceignore", file(ignoreFile));
        for (const key of keys) {
          if (key === ".sourceignore" || rules.ignores(key, false) || keys.some((k) => k.startsWith(`${key}/`))) continue;
          const parts = key.split("/");
          for (let i = 1; i < parts.length; i++) tree.set(parts.slice(0, i).join("/"), { kind: "dir", mode: 0o755 });
          tree.set(key, file(key));
        }
        const all = await pack(tree, { rules: { ignores: () => false } });
        expect((await pack(tree, { rules })).digest).toBe(all.digest);
      },
    ),
    { numRuns: 150 },
  );
});

describe("pack enforces the artifact limits on what it keeps", () => {
  const file = (n: number) => ({ kind: "file" as const, mode: 0o644, data: new Uint8Array(n) });
  const tree = () => new FileTree([["a", { kind: "dir", mode: 0o755 }], ["a/one.yaml", file(10)], ["a/two.yaml", file(3000)], ["skip.bin", file(5000)], [".sourceignore", { kind: "file", mode: 0o644, data: new TextEncoder().encode("skip.bin\n") }]]);
  const cases: Array<[string, { maxEntries?: number; maxArtifactSize?: number; maxFileSize?: number }, string | undefined]> = [
    ["entries counted with the root, after the ignore rules", { maxEntries: 4 }, "the artifact has 5 entries, over the limit of 4 entries (raise it with rivulet run --max-artifact-entries)"],
    ["exactly at the entry limit is accepted", { maxEntries: 5 }, undefined],
    ["one file over the file limit, by name", { maxFileSize: 2048 }, 'file "a/two.yaml" is 3,000 bytes, over the limit of 2 KiB (raise it with rivulet run --max-file-size)'],
    ["an ignored file is not measured", { maxFileSize: 3000 }, undefined],
    ["the kept files (.sourceignore's 9 bytes too) over the artifact limit, with their sum", { maxArtifactSize: 3000 }, "the artifact is 3,019 bytes, over the limit of 3,000 bytes (raise it with rivulet run --max-artifact-size)"],
  ];
  for (const [name, limits, error] of cases) {
    test(name, async () => {
      const run = pack(tree(), { limits: { maxEntries: 100, maxArtifactSize: 1e6, maxFileSize: 1e6, ...limits } });
      if (error) await expect(run).rejects.toThrow(error);
      else expect((await run).entries).toBe(5);
    });
  }
});
