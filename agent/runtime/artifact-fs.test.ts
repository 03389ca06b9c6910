import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTree } from "../artifact/file-tree.ts";
import { pack } from "../artifact/pack.ts";
import { fsTreeReader } from "./artifact-fs.ts";

const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "rivulet-fs-tree-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("fsTreeReader", () => {
  test("reads a directory the way the in-memory tree reads the same files", async () => {
    const root = temp();
    mkdirSync(join(root, "apps/web"), { recursive: true });
    mkdirSync(join(root, "empty"));
    writeFileSync(join(root, "apps/web/deploy.yaml"), "kind: Deployment\n");
    writeFileSync(join(root, "apps/web/run.sh"), "#!/bin/sh\n");
    chmodSync(join(root, "apps/web/run.sh"), 0o755);
    const reader = fsTreeReader(root);
    expect(reader.list("").map((e) => [e.name, e.kind])).toEqual([["apps", "dir"], ["empty", "dir"]]);
    expect(reader.list("apps/web").map((e) => [e.name, e.kind, e.mode & 0o111 ? "x" : "-"])).toEqual([["deploy.yaml", "file", "-"], ["run.sh", "file", "x"]]);
    expect(new TextDecoder().decode(reader.read("apps/web/deploy.yaml"))).toBe("kind: Deployment\n");
    expect([reader.isDir(""), reader.isDir("apps/web"), reader.isDir("apps/web/run.sh"), reader.isDir("nope")]).toEqual([true, true, false, false]);
    expect([reader.read("apps"), reader.read("nope"), reader.read("nope/x")]).toEqual([undefined, undefined, undefined]);
    const enc = new TextEncoder();
    const memory = new FileTree([
      ["apps/web/deploy.yaml", { kind: "file", mode: 0o644, data: enc.encode("kind: Deployment\n") }],
      ["apps/web/run.sh", { kind: "file", mode: 0o755, data: enc.encode("#!/bin/sh\n") }],
      ["empty", { kind: "dir", mode: 0o755 }],
    ]);
    expect((await pack(reader)).digest).toBe((await pack(memory)).digest);
  });

  test("never follows a symlink: it is an 'other' entry and nothing below it can be read", () => {
    const root = temp();
    const outside = temp();
    writeFileSync(join(outside, "secret.yaml"), "secret\n");
    symlinkSync(outside, join(root, "link"));
    symlinkSync(join(outside, "secret.yaml"), join(root, "file-link.yaml"));
    const reader = fsTreeReader(root);
    expect(reader.list("").map((e) => [e.name, e.kind])).toEqual([["file-link.yaml", "other"], ["link", "other"]]);
    expect(reader.isDir("link")).toBe(false);
    expect(reader.list("link")).toEqual([]);
    expect(reader.read("link/secret.yaml")).toBeUndefined();
    expect(reader.read("file-link.yaml")).toBeUndefined();
  });

  test("skip hides a name at every depth", () => {
    const root = temp();
    mkdirSync(join(root, ".git"));
    mkdirSync(join(root, "sub/.git"), { recursive: true });
    writeFileSync(join(root, ".git/config"), "x");
    writeFileSync(join(root, "sub/a.yaml"), "a");
    const reader = fsTreeReader(root, { skip: [".git"] });
    expect(reader.list("").map((e) => e.name)).toEqual(["sub"]);
    expect(reader.list("sub").map((e) => e.name)).toEqual(["a.yaml"]);
    expect(reader.isDir(".git")).toBe(false);
    expect(reader.read(".git/config")).toBeUndefined();
  });

  test("with cacheFiles, reads each file once, when first asked, and lists each directory once", () => {
    const root = temp();
    writeFileSync(join(root, "a.yaml"), "one");
    const reader = fsTreeReader(root, { cacheFiles: true });
    writeFileSync(join(root, "b.yaml"), "late");
    // The root was listed when the reader was made: a file added afterwards is not seen.
    expect(reader.list("").map((e) => e.name)).toEqual(["a.yaml"]);
    writeFileSync(join(root, "a.yaml"), "two");
    expect(new TextDecoder().decode(reader.read("a.yaml"))).toBe("two");
    writeFileSync(join(root, "a.yaml"), "three");
    expect(new TextDecoder().decode(reader.read("a.yaml"))).toBe("two");
  });

  test("without cacheFiles, each read goes to the disk", () => {
    const root = temp();
    writeFileSync(join(root, "a.yaml"), "one");
    const reader = fsTreeReader(root);
    expect(new TextDecoder().decode(reader.read("a.yaml"))).toBe("one");
    writeFileSync(join(root, "a.yaml"), "two");
    expect(new TextDecoder().decode(reader.read("a.yaml"))).toBe("two");
  });

  test("a missing root fails when the reader is made", () => {
    expect(() => fsTreeReader(join(temp(), "missing"))).toThrow(/ENOENT/);
  });
});
