import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareBytes } from "../core/tree-reader.ts";
import { FileTree, textFileTree } from "./file-tree.ts";

const enc = new TextEncoder();
const file = (s: string, mode = 0o644) => ({ kind: "file" as const, mode, data: enc.encode(s) });

describe("FileTree as a TreeReader", () => {
  test("lists the parents of files as directories, with the implied mode", () => {
    const tree = new FileTree([["a/b/c.yaml", file("c")]]);
    expect(tree.list("")).toEqual([{ name: "a", kind: "dir", mode: 0o755 }]);
    expect(tree.list("a")).toEqual([{ name: "b", kind: "dir", mode: 0o755 }]);
    expect(tree.list("a/b")).toEqual([{ name: "c.yaml", kind: "file", mode: 0o644 }]);
    expect([tree.isDir(""), tree.isDir("a"), tree.isDir("a/b"), tree.isDir("a/b/c.yaml")]).toEqual([true, true, true, false]);
  });

  test("an explicit directory node keeps its mode and is a directory even when empty", () => {
    const tree = new FileTree([["x/y", file("y")], ["x", { kind: "dir", mode: 0o700 }], ["empty", { kind: "dir", mode: 0o750 }]]);
    expect(tree.list("")).toEqual([{ name: "empty", kind: "dir", mode: 0o750 }, { name: "x", kind: "dir", mode: 0o700 }]);
    expect(tree.isDir("empty")).toBe(true);
    expect(tree.list("empty")).toEqual([]);
  });

  test("read returns a file's bytes and undefined for directories and missing paths", () => {
    const tree = textFileTree({ "d/f.txt": "hi" });
    expect(new TextDecoder().decode(tree.read("d/f.txt"))).toBe("hi");
    expect(tree.read("d")).toBeUndefined();
    expect(tree.read("nope")).toBeUndefined();
    expect(tree.list("nope")).toEqual([]);
    expect(tree.isDir("nope")).toBe(false);
  });

  test("lists names in Go's byte order, not UTF-16 order", () => {
    const names = ["b", "\u{1F600}", "\uFFFD", "a", "A"];
    const tree = new FileTree(names.map((n) => [n, file(n)]));
    expect(tree.list("").map((e) => e.name)).toEqual([...names].sort(compareBytes));
  });

  test("a change after a read shows in the next read (the index is rebuilt)", () => {
    const tree = textFileTree({ "a.yaml": "a" });
    expect(tree.list("").map((e) => e.name)).toEqual(["a.yaml"]);
    tree.set("sub/b.yaml", file("b"));
    expect(tree.list("").map((e) => e.name)).toEqual(["a.yaml", "sub"]);
    expect(tree.isDir("sub")).toBe(true);
    tree.delete("sub/b.yaml");
    expect(tree.isDir("sub")).toBe(false);
    tree.clear();
    expect(tree.list("")).toEqual([]);
  });

  test("every file is listed once under its parent and every listed directory is a directory (property)", () => {
    const seg = fc.stringMatching(/^[a-c]{1,2}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.array(seg, { minLength: 1, maxLength: 4 }).map((p) => p.join("/")), { maxLength: 20 }), (paths) => {
        // Keep only paths that are not also a parent of another path.
        const files = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`)));
        const tree = new FileTree(files.map((p) => [p, file(p)]));
        for (const p of files) {
          const slash = p.lastIndexOf("/");
          const parent = slash < 0 ? "" : p.slice(0, slash);
          expect(tree.isDir(parent)).toBe(true);
          expect(tree.list(parent).filter((e) => e.name === p.slice(slash + 1))).toEqual([{ name: p.slice(slash + 1), kind: "file", mode: 0o644 }]);
        }
        const walk = (dir: string): number => {
          let n = 0;
          for (const e of tree.list(dir)) {
            const path = dir ? `${dir}/${e.name}` : e.name;
            if (e.kind === "dir") {
              expect(tree.isDir(path)).toBe(true);
              n += walk(path);
            } else n++;
          }
          return n;
        };
        expect(walk("")).toBe(files.length);
      }),
      { numRuns: 200 },
    );
  });
});
