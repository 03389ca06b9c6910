/**
 * Flux's own sops fixtures (kustomize-controller testdata, made by the real sops 3.9 and 3.12) decrypt
 * to the plaintext their SOURCE.md and the upstream tests state, with the MAC checked.
 * Skipped when ../shared/fixtures is absent (a checkout without the shared fixtures).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import { decryptSops, decryptSopsObject, detectSopsFormat, encryptSops, isSopsEncrypted, keyringFromFile, keyringFromSecretData, sopsFormatForPath, type SopsFormat } from "./sops.ts";
import { base64Decode } from "../core/bytes.ts";

const shared = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "sops", "internal");
const root = join(shared, "controller", "testdata", "sops");
const haveFixtures = existsSync(root);
const read = (path: string) => new Uint8Array(readFileSync(join(root, path)));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The decryption Secret of Flux's upstream test: age, PQ age and PGP keys by extension. */
const fluxSecret = () =>
  keyringFromSecretData({
    "pgp.asc": read("keys/pgp.asc"),
    "age.agekey": read("keys/age.txt"),
    "age-pq.agekey": read("keys/age-pq.txt"),
    "sops.vault-token": new TextEncoder().encode("ignored"),
  });

describe.skipIf(!haveFixtures)("Flux's sops fixtures", () => {
  const secret = (name: string, data: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n    name: ${name}\nstringData:\n    ${data}\n`;
  const cases: [string, SopsFormat, string][] = [
    ["algorithms/age.yaml", "yaml", secret("age", "key: value")],
    ["algorithms/age-pq.yaml", "yaml", secret("age-pq", "key: value")],
    ["algorithms/pgp.yaml", "yaml", secret("pgp", "key: value")],
    ["envs/env.env", "dotenv", "key=value\n"],
    ["component/env.env", "dotenv", "key=value\n"],
    ["remote/env.env", "dotenv", "key=value\n"],
    ["files/file.txt", "binary", "value"],
    ["patches/merge1.yaml", "yaml", secret("secret", "key: merge1")],
    ["patches/merge2.yaml", "yaml", secret("secret", "merge2: merge2")],
  ];
  for (const [path, format, plain] of cases) {
    test(`${path} decrypts to its known plaintext`, async () => {
      const bytes = read(path);
      expect(isSopsEncrypted(bytes, format)).toBe(true);
      expect(text(await decryptSops(bytes, { format, keyring: await fluxSecret(), name: path }))).toBe(plain);
    });
  }

  test("global/secret.yaml opens only with the global age key", async () => {
    const bytes = read("global/secret.yaml");
    const global = await keyringFromFile("age-global.txt", read("keys/age-global.txt"));
    const out = text(await decryptSops(bytes, { format: "yaml", keyring: global, name: "global/secret.yaml" }));
    expect(out).toContain("    key: global-value\n");
    await expect(decryptSops(bytes, { format: "yaml", keyring: await fluxSecret(), name: "global/secret.yaml" })).rejects.toThrow(
      "Cannot decrypt global/secret.yaml: no key in the keyring (2 age identities, 1 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)",
    );
  });

  test("a Secret data value holding a sops JSON document decrypts in the format of its key (inside/secret.yaml)", async () => {
    const [doc] = parseDocuments(text(read("inside/secret.yaml"))) as [{ data: { key: string } }];
    const value = base64Decode(doc.data.key);
    expect(isSopsEncrypted(value, "json")).toBe(true);
    expect([detectSopsFormat(value), detectSopsFormat(read("envs/env.env")), detectSopsFormat(read("algorithms/age.yaml")), detectSopsFormat(read("algorithms/vault.yaml"))]).toEqual(["json", "dotenv", "yaml", undefined]);
    expect(sopsFormatForPath("key")).toBe("binary");
    expect(text(await decryptSops(value, { format: "json", outputFormat: sopsFormatForPath("key"), keyring: await fluxSecret(), name: "inside/secret.yaml" }))).toBe("value");
  });

  test("a whole encrypted resource decrypts as Flux does it, through the JSON store", async () => {
    const [doc] = parseDocuments(text(read("algorithms/pgp.yaml")));
    const out = await decryptSopsObject(doc, { keyring: await fluxSecret(), name: "Secret/pgp" });
    expect(out).toEqual({ apiVersion: "v1", kind: "Secret", metadata: { name: "pgp" }, stringData: { key: "value" } });
  });

  test("JSON output of a YAML file is what `sops -d --output-type json` prints", async () => {
    const out = await decryptSops(read("algorithms/age.yaml"), { format: "yaml", outputFormat: "json", keyring: await fluxSecret(), name: "age.yaml" });
    expect(text(out)).toBe('{\n\t"apiVersion": "v1",\n\t"kind": "Secret",\n\t"metadata": {\n\t\t"name": "age"\n\t},\n\t"stringData": {\n\t\t"key": "value"\n\t}\n}\n');
  });

  test("a data key wrapped for the key service's public key opens with its private key", async () => {
    const keys = join(shared, "sops", "keyservice", "testdata");
    const publicKey = readFileSync(join(keys, "public.gpg"), "utf8");
    const encrypted = await encryptSops(new TextEncoder().encode("some data key"), { format: "binary", pgp: [publicKey] });
    expect(text(encrypted)).toContain('"fp": "B59DAF469E8C948138901A649732075EA221A7EA"');
    const keyring = await keyringFromFile("private.gpg", new Uint8Array(readFileSync(join(keys, "private.gpg"))));
    expect(text(await decryptSops(encrypted, { format: "binary", keyring, name: "data-key" }))).toBe("some data key");
  });
});
