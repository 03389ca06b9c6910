import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";
import { createCommand } from "./create.ts";
import { parseDocuments } from "../yaml/parse.ts";

/** `rivulet create helmrelease ... --export` in a directory holding `files`: exit code, stdout, stderr. */
async function exportHelmRelease(files: Record<string, string>, flags: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-create-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const out: string[] = [];
    const err: string[] = [];
    const code = await dispatch(["create", "helmrelease", "web", "--source", "HelmRepository/charts", "--chart", "web", "--export", ...flags], [createCommand], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: {},
      cwd: dir,
      signal: new AbortController().signal,
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("create helmrelease --values merges the files as Helm merges -f files: in order, maps deeply, every document", async () => {
  const r = await exportHelmRelease(
    { "base.yaml": "image: {repository: web, tag: '1.0'}\nreplicas: 1\n", "prod.yaml": "image: {tag: '2.0'}\n---\nreplicas: 3\n" },
    ["--values", "base.yaml", "--values", "prod.yaml"],
  );
  expect(r.code).toBe(0);
  const [hr] = parseDocuments(r.out, "out") as Array<{ spec: { values?: unknown } }>;
  expect(hr!.spec.values).toEqual({ image: { repository: "web", tag: "2.0" }, replicas: 3 });
});

test("create helmrelease --values with a file that is not a map is a usage error naming it", async () => {
  const r = await exportHelmRelease({ "list.yaml": "- a\n- b\n" }, ["--values", "list.yaml"]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("--values: failed to parse list.yaml: Cannot parse list.yaml: document 1 is not a map");
});
