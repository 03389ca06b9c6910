import { describe, expect, test } from "bun:test";
import { FLUX_SOPS_PLAINTEXT, fluxSopsFile, fluxSopsOverlay } from "../../test/support/sops-fixtures.ts";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { encryptSops, keyringFromSecretData } from "../sops/sops.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { KObject } from "../kustomize/resource.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { EMPTY_KEYRING } from "./decryption-keys.ts";
import { buildDecryption } from "./kustomization-decrypt.ts";
import { fakeSops, seal, sealObject } from "./testdata/fake-sops.ts";

const enc = (s: string) => new TextEncoder().encode(s);
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
      "Secret/db: Cannot decrypt s/db.yaml: Failed to verify the MAC: the file was changed after it was encrypted (key group 0)",
    );
  });

  test.each([
    ["an env line kustomize cannot parse", { "app/app.env": seal("password hunter2-is-long\n", "dotenv") }],
    ["a substitution error in a decrypted value", { "app/db.yaml": secretYaml(sealObject({ ...plain, stringData: { url: "x ${hunter2 secret value} y" } })) }],
  ])("withholds a build error that quotes decrypted data: %s", async (_n, change) => {
    const err = await build({ ...files, ...change }, { path: "app", postBuild: { substitute: { HOST: "h" } } }, true).catch((e: Error) => e);
    expect((err as Error).message).toBe("Cannot build: the error quotes decrypted data and is withheld; build the source locally with `rivulet build --decrypt-key` to see it");
  });

  test("keeps the refusal of a leftover ciphertext, which names objects and not values, beside decrypted ones", async () => {
    const leftover = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: 'ENC[AES256_GCM,data:eA==,iv:x,tag:y,type:str]'}\n";
    const err = await build({ ...files, "app/kustomization.yaml": "resources: [db.yaml, cm.yaml]\n", "app/cm.yaml": leftover }, { path: "app" }, true).catch((e: Error) => e);
    expect((err as Error).message).toBe("ConfigMap/cm is SOPS encrypted, refused before applying anything: encrypted data is left after decryption (is the sops block complete, with its mac?)");
  });

  test("keeps a build error that quotes nothing decrypted", async () => {
    const err = await build({ ...files, "app/kustomization.yaml": "resources: [db.yaml, missing.yaml]\n" }, { path: "app" }, true).catch((e: Error) => e);
    expect((err as Error).message).toContain("missing.yaml");
  });
});

describe("with the real sops module: Flux's kustomize-controller fixtures, and files of our encryptor", () => {
  const read = fluxSopsFile;
  const files = fluxSopsOverlay();
  const keys = () => keyringFromSecretData({ "age.agekey": enc(read("keys/age.txt")), "age-pq.agekey": enc(read("keys/age-pq.txt")), "pgp.asc": enc(read("keys/pgp.asc")) });

  test("build to the plaintext the upstream test expects (age, PQ age, PGP, env and binary generator files, patches, a sops document inside a Secret, a component)", async () => {
    const d = buildDecryption(await keys());
    const { objects } = await fluxBuild(textFileTree(files), { path: "" }, { emit: emitDocuments, ...d.hooks });
    const text = (o: KObject) => {
      const data = Object.fromEntries(Object.entries((o.data ?? {}) as Record<string, string>).map(([k, v]) => [k, o.kind === "Secret" ? atob(v) : v]));
      return { ...data, ...(o.stringData as Record<string, string> | undefined) };
    };
    const got = Object.fromEntries(objects.map((o) => [`${o.kind}/${(o.metadata as { name: string }).name}`, text(o)]));
    expect(got).toEqual(FLUX_SOPS_PLAINTEXT);
  });

  test("a YAML stream sops encrypted as a whole (one MAC over its documents) builds, renamed, and in any key order", async () => {
    const id = await generateIdentity();
    const stream = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ntype: Opaque\nstringData:\n  k: one\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\ndata:\n  k: dHdv\n";
    const sealed = await encryptSops(enc(stream), { format: "yaml", age: [await identityToRecipient(id)], encryptedRegex: "^(data|stringData)$" });
    const d = buildDecryption(await keyringFromSecretData({ "k.agekey": enc(id) }));
    const tree = textFileTree({ "kustomization.yaml": "namePrefix: p-\nresources: [both.yaml]\n", "both.yaml": new TextDecoder().decode(sealed) });
    const { objects } = await fluxBuild(tree, { path: "" }, { emit: emitDocuments, ...d.hooks });
    expect(objects.map((o) => [(o.metadata as { name: string }).name, o.stringData ?? o.data])).toEqual([["p-a", { k: "one" }], ["p-b", { k: "dHdv" }]]);
  });

  test.each([
    ["a key that opens nothing", { "age.agekey": enc(read("keys/age-global.txt")) }, "Cannot decrypt envs/env.env: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)"],
    ["a tampered env value", undefined, "Cannot decrypt envs/env.env: the value at key: cannot be decrypted: AES-GCM authentication failed (wrong data key, or the value or its path was changed)"],
  ])("fail with %s, naming the file and the key group", async (_n, secretData, message) => {
    const tree = { ...files };
    if (!secretData) tree["envs/env.env"] = tree["envs/env.env"]!.replace(/^key=ENC\[AES256_GCM,data:[^,]*/m, "key=ENC[AES256_GCM,data:AAAAAAA=");
    const d = buildDecryption(await (secretData ? keyringFromSecretData(secretData) : keys()));
    const err = (await fluxBuild(textFileTree(tree), { path: "" }, { emit: emitDocuments, ...d.hooks }).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(message);
  });
});
