import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import { buildCommand } from "./build.ts";
import { dispatch } from "./dispatch.ts";

async function cli(cwd: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, [buildCommand], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd, signal: new AbortController().signal });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-build-cli-"));
  mkdirSync(join(dir, "app"), { recursive: true });
  writeFileSync(join(dir, "app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {greeting: '${GREETING:=hi}', env: '${ENV}'}\n");
  writeFileSync(join(dir, "app/kustomization.yaml"), "resources: [cm.yaml]\nnamePrefix: a-\nconfigMapGenerator:\n- name: gen\n  literals: [k=v]\n");
  writeFileSync(join(dir, "ks.yaml"), "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./app\n  targetNamespace: prod\n  postBuild:\n    substitute: {ENV: production}\n");
  return dir;
}

test("rivulet build prints the kustomize output as YAML", async () => {
  const dir = fixture();
  try {
    const r = await cli(dir, "build", "app");
    expect(r.code).toBe(0);
    const objs = parseDocuments(r.out) as { metadata: { name: string } }[];
    // The hash suffix is the one kubectl kustomize prints for a generator with literal k=v.
    expect(objs.map((o) => o.metadata.name)).toEqual(["a-cfg", "a-gen-bdg947hgcc"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rivulet build --kustomization applies the Flux overlay and substitutions, digest on stderr", async () => {
  const dir = fixture();
  try {
    const r = await cli(dir, "build", ".", "--kustomization", "ks.yaml", "--vars", "GREETING=hello");
    expect(r.code).toBe(0);
    const cm = (parseDocuments(r.out) as { metadata: { name: string; namespace: string }; data: Record<string, string> }[])[0]!;
    expect(cm.metadata).toEqual({ name: "a-cfg", namespace: "prod" });
    expect(cm.data).toEqual({ greeting: "hello", env: "production" });
    expect(r.err).toMatch(/^digest: sha256:[0-9a-f]{64}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rivulet build reports a broken kustomization on stderr with a non-zero exit", async () => {
  const dir = fixture();
  try {
    writeFileSync(join(dir, "app/kustomization.yaml"), "resources: [missing.yaml]\n");
    const r = await cli(dir, "build", "app");
    expect(r.code).toBe(3);
    expect(r.out).toBe("");
    expect(r.err).toBe('Error: Cannot load resource "missing.yaml" in kustomization.yaml: no such file or directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rivulet build refuses --vars without --kustomization", async () => {
  const r = await cli(tmpdir(), "build", ".", "--vars", "A=b");
  expect(r.code).toBe(2);
});
