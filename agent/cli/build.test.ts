import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import { buildCommand } from "./build.ts";
import { dispatch } from "./dispatch.ts";
import { FLUX_SOPS } from "../../test/support/sops-fixtures.ts";

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

const SOPS_FIXTURES = FLUX_SOPS;
const sopsKey = (name: string) => join(SOPS_FIXTURES, "keys", name);
const values = (out: string) =>
  Object.fromEntries(
    (parseDocuments(out) as { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string> }[]).map((o) => [
      `${o.kind}/${o.metadata.name}`,
      { ...Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, o.kind === "Secret" ? atob(v) : v])), ...o.stringData },
    ]),
  );

test("rivulet build --decrypt-key decrypts generator files and encrypted resources as the agent does", async () => {
  const envs = await cli(SOPS_FIXTURES, "build", "envs", "--decrypt-key", sopsKey("age.txt"));
  expect(envs.code).toBe(0);
  expect(values(envs.out)).toEqual({ "ConfigMap/envs-configmap": { key: "value" }, "Secret/envs-secret": { key: "value" } });
  const dir = mkdtempSync(join(tmpdir(), "rivulet-build-sops-"));
  try {
    writeFileSync(join(dir, "ks.yaml"), "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: algo}\nspec:\n  path: ./algorithms\n  namePrefix: x-\n");
    const keys = ["age.txt", "age-pq.txt", "pgp.asc"].flatMap((k) => ["--decrypt-key", sopsKey(k)]);
    const algorithms = await cli(SOPS_FIXTURES, "build", ".", "--kustomization", join(dir, "ks.yaml"), ...keys);
    expect(algorithms.err).toStartWith("digest: sha256:");
    expect(values(algorithms.out)).toEqual({
      "Secret/x-age": { key: "value" },
      "Secret/x-age-pq": { key: "value" },
      "Secret/x-pgp": { key: "value" },
      "Secret/x-vault": { key: "value" },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each([
  ["a key that opens nothing fails naming the file and key group", ["--decrypt-key", sopsKey("age-global.txt")], 3, "Error: Cannot decrypt envs/env.env: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)"],
  ["a key file that is not one fails naming it", ["--decrypt-key", join(SOPS_FIXTURES, "envs/kustomization.yaml")], 3, /^Error: Cannot read the decryption keys: failed to import '.*kustomization\.yaml\.agekey': line 1 is not an age identity$/],
])("rivulet build --decrypt-key: %s", async (_n, flags, code, err) => {
  const r = await cli(SOPS_FIXTURES, "build", ".", ...flags);
  expect(r.code).toBe(code);
  expect(r.err).toMatch(err);
});

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
const DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: app, image: nginx}]}}}\n";

/** A tree of files under a fresh temporary directory; `.git` makes it a repository root. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-build-root-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    if (path.endsWith("/")) mkdirSync(join(dir, path), { recursive: true });
    else writeFileSync(join(dir, path), text);
  }
  return dir;
}

test("rivulet build on a directory without a kustomization builds Flux's generated one and says so", async () => {
  const dir = tree({ "plain/a.yaml": DEPLOY, "plain/sub/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n", "plain/notes.txt": "not yaml" });
  try {
    const r = await cli(dir, "build", "plain");
    expect(r.code).toBe(0);
    expect(r.err).toBe(`No kustomization file in ${join(dir, "plain")}: building the kustomization Flux generates for it`);
    const got = parseDocuments(r.out);
    expect((got as { kind: string }[]).map((o) => o.kind)).toEqual(["ConfigMap", "Deployment"]);
    if (hasKubectl) {
      // Flux's generated kustomization lists every manifest under the directory; kubectl builds the same list.
      writeFileSync(join(dir, "plain/kustomization.yaml"), "resources: [a.yaml, sub/b.yaml]\n");
      const k = spawnSync("kubectl", ["kustomize", join(dir, "plain")], { encoding: "utf8" });
      expect(got).toEqual(parseDocuments(k.stdout));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rivulet build reads bases outside DIR inside the enclosing git repository, as kubectl kustomize does", async () => {
  const dir = tree({ ".git/": "", "base/kustomization.yaml": "resources: [d.yaml]\n", "base/d.yaml": DEPLOY, "envs/prod/kustomization.yaml": "resources: [../../base]\nnamePrefix: prod-\n" });
  try {
    const r = await cli(join(dir, "envs"), "build", "prod");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect((parseDocuments(r.out) as { metadata: { name: string } }[]).map((o) => o.metadata.name)).toEqual(["prod-web"]);
    if (hasKubectl) expect(parseDocuments(r.out)).toEqual(parseDocuments(spawnSync("kubectl", ["kustomize", join(dir, "envs/prod")], { encoding: "utf8" }).stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each([
  ["outside the enclosing git repository", { "repo/.git/": "", "repo/app/kustomization.yaml": "resources: [../../base]\n" }, "repo/app", [], 3,
    (d: string) => `Error: Cannot load resource "../../base" in app/kustomization.yaml: Cannot load "../../base" from "app": path escapes the artifact root (the build reads only inside ${join(d, "repo")}, the enclosing git repository; pass --root DIR to set another boundary)`],
  ["outside DIR when there is no repository", { "app/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "resources: []\n" }, "app", [], 3,
    (d: string) => `Error: Cannot load resource "../base" in kustomization.yaml: Cannot load "../base" from ".": path escapes the artifact root (the build reads only inside ${join(d, "app")}, DIR itself, which is in no git repository; pass --root DIR to set another boundary)`],
  ["outside --root", { "a/app/kustomization.yaml": "resources: [../../base]\n" }, "a/app", ["--root", "a"], 3,
    (d: string) => `Error: Cannot load resource "../../base" in app/kustomization.yaml: Cannot load "../../base" from "app": path escapes the artifact root (the build reads only inside ${join(d, "a")}, given by --root; pass --root DIR to set another boundary)`],
  ["DIR outside --root", { "a/": "", "b/kustomization.yaml": "resources: []\n" }, "b", ["--root", "a"], 2,
    (d: string) => `Error: --root a: ${join(d, "b")} is not inside ${join(d, "a")}\nRun 'rivulet build --help' for usage`],
] as const)("rivulet build refuses a base %s, naming the boundary and the flag", async (_n, files, dir, flags, code, message) => {
  const d = tree(files);
  try {
    const r = await cli(d, "build", dir, ...flags);
    expect(r.code).toBe(code);
    expect(r.err).toBe(message(d));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("rivulet build --root widens the boundary to bases beside DIR", async () => {
  const d = tree({ "app/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "resources: [d.yaml]\n", "base/d.yaml": DEPLOY });
  try {
    const r = await cli(d, "build", "app", "--root", ".");
    expect(r.code).toBe(0);
    expect((parseDocuments(r.out) as { kind: string }[]).map((o) => o.kind)).toEqual(["Deployment"]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
