import { describe, expect, test } from "bun:test";
import { textFileTree } from "../artifact/file-tree.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { KObject } from "../kustomize/resource.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { EMPTY_KEYRING } from "./decryption-keys.ts";
import { buildDecryption } from "./kustomization-decrypt.ts";
import { fakeSops, seal, sealObject } from "./testdata/fake-sops.ts";

const secretYaml = (o: Record<string, unknown>) => emitDocuments([o]);
const plain = { apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, stringData: { url: "postgres://${HOST}/db" } };

async function build(files: Record<string, string>, spec: FluxKustomizationSpec, decrypt: boolean) {
  const d = buildDecryption(decrypt ? EMPTY_KEYRING : undefined, fakeSops());
  try {
    return await fluxBuild(textFileTree(files), spec, { emit: emitDocuments, ...d.hooks });
  } catch (err) {
    throw d.safeError(err);
  }
}

const byName = (objs: KObject[], name: string) => objs.find((o) => (o.metadata as { name: string }).name.startsWith(name))!;

describe("a Kustomization build with decryption", () => {
  const files = {
    "app/kustomization.yaml": "resources: [db.yaml]\nsecretGenerator: [{name: env, envs: [app.env]}]\n",
    "app/app.env": seal("PASSWORD=hunter2\n", "dotenv"),
    "app/db.yaml": secretYaml(sealObject(plain)),
  };

  test("generates from the decrypted files (the name hash is the plaintext's) and decrypts renamed resources before substitution", async () => {
    const spec = { path: "app", namePrefix: "p-", targetNamespace: "t", postBuild: { substitute: { HOST: "db.local" } } };
    const decrypted = await build(files, spec, true);
    const fromPlain = await build({ ...files, "app/app.env": "PASSWORD=hunter2\n", "app/db.yaml": secretYaml(plain) }, spec, false);
    expect(decrypted.objects).toEqual(fromPlain.objects);
    expect(byName(decrypted.objects, "p-env-").data).toEqual({ PASSWORD: btoa("hunter2") });
    expect(byName(decrypted.objects, "p-db").stringData).toEqual({ url: "postgres://db.local/db" });
  });

  test("without spec.decryption an encrypted resource is refused", async () => {
    await expect(build({ "kustomization.yaml": "resources: [db.yaml]\n", "db.yaml": files["app/db.yaml"] }, { path: "" }, false)).rejects.toThrow(
      "Secret/db is SOPS encrypted, refused before applying anything: set spec.decryption to reconcile encrypted data",
    );
  });

  test("a failed resource names the file it came from", async () => {
    const tampered = secretYaml(sealObject(plain, { tampered: "1" }));
    await expect(build({ "kustomization.yaml": "resources: [s/db.yaml]\n", "s/db.yaml": tampered }, { path: "" }, true)).rejects.toThrow(
      "Secret/db (from s/db.yaml) decryption failed: s/db.yaml: Failed to verify the MAC: the file was changed after it was encrypted (key group 1)",
    );
  });

  test.each([
    ["an env line kustomize cannot parse", { "app/app.env": seal("password hunter2-is-long\n", "dotenv") }],
    ["a substitution error in a decrypted value", { "app/db.yaml": secretYaml(sealObject({ ...plain, stringData: { url: "x ${hunter2 secret value} y" } })) }],
  ])("withholds a build error that quotes decrypted data: %s", async (_n, change) => {
    const err = await build({ ...files, ...change }, { path: "app", postBuild: { substitute: { HOST: "h" } } }, true).catch((e: Error) => e);
    expect((err as Error).message).toBe("Cannot build: the error quotes decrypted data and is withheld; build the source locally with `rivulet build --decrypt-key` to see it");
  });

  test("keeps a build error that quotes nothing decrypted", async () => {
    const err = await build({ ...files, "app/kustomization.yaml": "resources: [db.yaml, missing.yaml]\n" }, { path: "app" }, true).catch((e: Error) => e);
    expect((err as Error).message).toContain("missing.yaml");
  });
});
