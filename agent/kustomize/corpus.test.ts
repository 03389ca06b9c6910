/**
 * The overlay corpus: every folder under testdata/ is an input tree whose root holds a kustomization and
 * an expected.yaml made by `kubectl kustomize` (testdata/regen.sh). rivulet's build must produce the same
 * objects in the same order. When kubectl is on PATH, a second test checks that the checked-in
 * expectation still equals the oracle's output.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import { kustomizeBuild } from "./build.ts";
import { FileTree } from "../artifact/file-tree.ts";

const root = join(import.meta.dirname, "testdata");
const cases = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();

function loadTree(dir: string): FileTree {
  const files = new FileTree();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n !== "expected.yaml") files.set(relative(dir, p).split("\\").join("/"), { kind: "file", mode: 0o644, data: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(dir);
  return files;
}

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

describe("overlay corpus", () => {
  test("has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  test.each(cases)("%s builds to the expected objects", async (name) => {
    const dir = join(root, name);
    const want = parseDocuments(readFileSync(join(dir, "expected.yaml"), "utf8"), `${name}/expected.yaml`);
    const got = await kustomizeBuild(loadTree(dir), "");
    expect(JSON.parse(JSON.stringify(got))).toEqual(want);
  });

});

// Differential: the checked-in expectations still equal the oracle (skipped when kubectl is not installed).
describe.skipIf(!hasKubectl)("overlay corpus against kubectl kustomize", () => {
  test.each(cases)("%s expected.yaml still equals kubectl kustomize", (name) => {
    const dir = join(root, name);
    const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(0);
    const want = parseDocuments(readFileSync(join(dir, "expected.yaml"), "utf8"), `${name}/expected.yaml`);
    expect(parseDocuments(run.stdout, "kubectl output")).toEqual(want);
  });
});
