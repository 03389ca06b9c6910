import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { nodeSha1 } from "../../runtime/native-git.ts";
import { encodeCommit, splitPath, writeCommit, writeTree, type FileChange } from "./object-writer.ts";
import { parsePack, type GitObject } from "./packfile.ts";
import { parseCommit } from "./git-object.ts";

let dir: string;
let store: Map<string, GitObject>;
let baseTree: string;

const ENV = {
  GIT_AUTHOR_NAME: "A U Thor",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "C O Mitter",
  GIT_COMMITTER_EMAIL: "committer@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: "/nonexistent",
  PATH: process.env.PATH ?? "/usr/bin:/bin",
};

function git(cwd: string, args: string[], input?: Uint8Array | string, env: Record<string, string> = {}): string {
  const r = spawnSync("git", args, { cwd, input, env: { ...ENV, ...env }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

function write(root: string, changes: Record<string, FileChange>): void {
  for (const [path, c] of Object.entries(changes)) {
    const full = join(root, path);
    if (c === null) {
      rmSync(full, { force: true });
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    const data = typeof c === "string" || c instanceof Uint8Array ? c : c.data;
    writeFileSync(full, data);
    if (typeof c === "object" && !(c instanceof Uint8Array) && c.mode === 0o100755) chmodSync(full, 0o755);
  }
}

/** A fresh copy of the base repository's work tree where git applies the same changes. */
function gitWriteTree(changes: Record<string, FileChange>): string {
  const copy = mkdtempSync(join(tmpdir(), "rivulet-ow-"));
  try {
    git(copy, ["clone", "-q", dir, "."]);
    write(copy, changes);
    git(copy, ["add", "-A"]);
    return git(copy, ["write-tree"]).trim();
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rivulet-ow-base-"));
  git(dir, ["init", "-q", "-b", "main"]);
  write(dir, {
    "README.md": "readme\n",
    "deploy/app.yaml": "image: app:1.0.0\n",
    "deploy/app-extra.yaml": "x: 1\n",
    "deploy/nested/deep/a.yaml": "a: 1\n",
    "deploy.txt": "sorts after deploy/ as a tree name\n",
    "scripts/run.sh": { data: "#!/bin/sh\n", mode: 0o100755 },
    "other/keep.txt": "keep\n",
  });
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", "base"]);
  baseTree = git(dir, ["rev-parse", "HEAD^{tree}"]).trim();
  const pack = spawnSync("git", ["pack-objects", "--all", "--stdout", "-q"], { cwd: dir, input: "", env: ENV, maxBuffer: 1 << 28 }).stdout;
  store = parsePack(new Uint8Array(pack), { sha1: nodeSha1 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeTree", () => {
  const cases: Array<[string, Record<string, FileChange>]> = [
    ["changes one file in a nested directory", { "deploy/app.yaml": "image: app:1.1.0\n" }],
    ["adds files in new directories", { "new/dir/x.yaml": "x\n", "deploy/nested/b.yaml": "b\n" }],
    ["deletes a file and drops a directory left empty", { "deploy/nested/deep/a.yaml": null, "other/keep.txt": null }],
    ["keeps the executable bit of a changed file", { "scripts/run.sh": "#!/bin/sh\necho changed\n" }],
    ["writes a new executable file", { "bin/tool": { data: "#!/bin/sh\n", mode: 0o100755 } }],
    ["orders a file named like a directory prefix as git does", { "deploy-a.yaml": "1\n", "deploy/z.yaml": "2\n", "deploy.a": "3\n" }],
    ["writes binary content byte for byte", { "logo.bin": new Uint8Array([0, 255, 10, 13, 0, 1]) }],
    ["changes nothing when the content is the same", { "README.md": "readme\n" }],
    ["ignores deleting a missing file", { "missing.yaml": null }],
  ];
  for (const [name, changes] of cases) {
    test(`${name}: same tree id as git write-tree`, () => {
      const r = writeTree(store, baseTree, changes, nodeSha1);
      expect(r.tree).toBe(gitWriteTree(changes));
    });
  }

  test("writes only the objects the checkout lacks: the blob and the trees on its path", () => {
    const r = writeTree(store, baseTree, { "deploy/nested/deep/a.yaml": "a: 2\n" }, nodeSha1);
    const types = [...r.objects.values()].map((o) => o.type).sort();
    expect(types).toEqual(["blob", "tree", "tree", "tree", "tree"]);
    expect(writeTree(store, baseTree, { "README.md": "readme\n" }, nodeSha1).objects.size).toBe(0);
  });

  test("writes a tree from nothing for an empty repository", () => {
    const r = writeTree(new Map(), undefined, { "a/b.txt": "b\n" }, nodeSha1);
    const copy = mkdtempSync(join(tmpdir(), "rivulet-ow-"));
    git(copy, ["init", "-q"]);
    write(copy, { "a/b.txt": "b\n" });
    git(copy, ["add", "-A"]);
    expect(r.tree).toBe(git(copy, ["write-tree"]).trim());
    rmSync(copy, { recursive: true, force: true });
  });

  const refused: Array<[string, Record<string, FileChange>, string]> = [
    ["..", { "../x": "x" }, 'Cannot write the git tree: path "../x" is not a valid file path in a repository'],
    [".git", { ".git/config": "x" }, 'Cannot write the git tree: path ".git/config" is not a valid file path in a repository'],
    ["empty component", { "a//b": "x" }, 'Cannot write the git tree: path "a//b" is not a valid file path in a repository'],
    ["absolute", { "/etc/passwd": "x" }, 'Cannot write the git tree: path "/etc/passwd" is not a valid file path in a repository'],
    ["file over a directory", { deploy: "x" }, 'Cannot write the git tree: "deploy" is a directory in the checkout, a change puts a file there'],
    ["directory over a file", { "README.md/x": "x" }, 'Cannot write the git tree: "README.md" is a file in the checkout, a change puts a directory there'],
    ["both in one change set", { "a/b": "x", a: "y" }, 'Cannot write the git tree: path "a" puts a file and a directory at the same place'],
    ["a gitlink mode", { x: { data: "x", mode: 0o160000 } }, 'Cannot write the git tree: "x" has mode 160000, expected 100644, 100755 or 120000'],
  ];
  for (const [name, changes, message] of refused) {
    test(`refuses ${name}`, () => {
      expect(() => writeTree(store, baseTree, changes, nodeSha1)).toThrow(message);
    });
  }

  test("splitPath keeps ordinary names", () => {
    expect(splitPath("a/.gitignore")).toEqual(["a", ".gitignore"]);
  });
});

describe("writeCommit", () => {
  test("computes the id git commit-tree computes for the same fields", () => {
    const parent = git(dir, ["rev-parse", "HEAD"]).trim();
    const env = { GIT_AUTHOR_DATE: "1700000000 +0200", GIT_COMMITTER_DATE: "1700000100 -0130" };
    const expected = git(dir, ["commit-tree", baseTree, "-p", parent, "-m", "Update image to 1.1.0\n\nBody line"], undefined, env).trim();
    const objects = new Map<string, GitObject>();
    const id = writeCommit(
      {
        tree: baseTree,
        parents: [parent],
        author: { name: "A U Thor", email: "author@example.com", when: 1700000000, zone: "+0200" },
        committer: { name: "C O Mitter", email: "committer@example.com", when: 1700000100, zone: "-0130" },
        message: "Update image to 1.1.0\n\nBody line",
      },
      nodeSha1,
      objects,
    );
    expect(id).toBe(expected);
    expect(git(dir, ["cat-file", "commit", id])).toBe(new TextDecoder().decode(objects.get(id)!.data));
  });

  test("puts the signature in a gpgsig header that parses back to the signature and the unsigned payload", () => {
    const fields = {
      tree: baseTree,
      parents: [],
      author: { name: "a", email: "a@x", when: 1, zone: "+0000" },
      committer: { name: "a", email: "a@x", when: 1, zone: "+0000" },
      message: "m",
    };
    const signature = "-----BEGIN PGP SIGNATURE-----\n\nabc\n=x\n-----END PGP SIGNATURE-----\n";
    const signed = encodeCommit({ ...fields, signature });
    const text = new TextDecoder().decode(signed);
    expect(text).toContain("gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n =x\n -----END PGP SIGNATURE-----\n\nm\n");
    const parsed = parseCommit(signed);
    expect(parsed.signature).toBe(signature.slice(0, -1));
    expect(parsed.payload).toEqual(encodeCommit(fields));
  });

  test("refuses a name with angle brackets", () => {
    expect(() =>
      encodeCommit({ tree: baseTree, parents: [], author: { name: "a <b>", email: "a@x", when: 1, zone: "+0000" }, committer: { name: "a", email: "a@x", when: 1, zone: "+0000" }, message: "m" }),
    ).toThrow('Cannot write the git commit: name or email of "a <b> <a@x>" contains "<", ">" or a newline');
  });
});
