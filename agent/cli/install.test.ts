import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";
import { installCommand, installCrdsCommand } from "./install.ts";
import { parseDocuments } from "../yaml/parse.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, cwd: ".", signal: new AbortController().signal };
  const code = await dispatch(args, [installCommand, installCrdsCommand], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rivulet install --export", () => {
  test("install crds --export prints crds/ as one stream", async () => {
    const dir = join(import.meta.dirname, "..", "..", "crds");
    const want = readdirSync(dir).sort().flatMap((f) => parseDocuments(readFileSync(join(dir, f), "utf8")));
    const r = await run("install", "crds", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out)).toEqual(want);
  });

  test("install --export prints the objects without a cluster", async () => {
    const r = await run("install", "--namespace", "team-a", "--export", "--artifact-storage", "emptydir");
    expect(r.code).toBe(0);
    const kinds = (parseDocuments(r.out) as Array<{ kind: string }>).map((o) => o.kind);
    expect(kinds).toContain("Deployment");
    expect(kinds).not.toContain("PersistentVolumeClaim");
  });

  test("flags are checked", async () => {
    expect((await run("install", "--export")).err).toContain("Error: --namespace is required");
    expect((await run("install", "-n", "a", "--export", "--artifact-storage", "disk")).err).toContain('Error: --artifact-storage must be pvc or emptydir, not "disk"');
  });
});
