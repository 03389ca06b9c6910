import { describe, expect, test } from "bun:test";
import type { KObject } from "../kustomize/resource.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { EMPTY_KEYRING } from "./decryption-keys.ts";
import { decryptResources, refuseEncrypted } from "./decrypt-resources.ts";
import { fakeSops, seal, sealObject } from "./testdata/fake-sops.ts";

const b64 = (s: string) => btoa(s);
const secret = (name: string, more: Record<string, unknown> = {}): KObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "t" }, ...more });
const source = (path: string, doc: KObject) => ({ path, docs: [doc], bytes: new TextEncoder().encode(emitDocuments([doc])), format: "yaml" as const });
const plainSecret = secret("whole", { stringData: { key: "value" } });

describe("decryption after the build", () => {
  test("decrypts resources with a sops block whole, and Secret values that are sops documents, in the key's format", async () => {
    const sops = fakeSops();
    const objects: KObject[] = [
      sealObject(plainSecret) as KObject,
      secret("fields", {
        data: { "config.yaml": b64(seal("a: 1\n", "yaml")), token: b64(seal("tok", "json")), plain: b64("just text") },
        stringData: { "app.env": seal("A=1\n", "dotenv") },
      }),
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { x: "y" } },
    ];
    const out = await decryptResources(objects, EMPTY_KEYRING, sops);
    expect(sops.calls).toEqual([
      "Secret/t/whole object",
      "Secret/t/fields data.config.yaml yaml->yaml",
      "Secret/t/fields data.token json->binary",
      "Secret/t/fields stringData.app.env dotenv->dotenv",
    ]);
    expect(out[0]).toEqual(plainSecret);
    expect(out[1]).toEqual(secret("fields", { data: { "config.yaml": b64("a: 1\n"), token: b64("tok"), plain: b64("just text") }, stringData: { "app.env": "A=1\n" } }));
    expect(out[2]).toBe(objects[2]!);
  });

  test("checks the MAC on the document as written and carries its plaintext into the renamed, relabelled resource", async () => {
    const written = sealObject(plainSecret) as KObject;
    const built = { ...written, metadata: { name: "prefix-whole", namespace: "other", labels: { a: "b" } } } as KObject;
    const sops = fakeSops();
    const [out] = await decryptResources([built], EMPTY_KEYRING, sops, (o) => (o.sops === written.sops ? source("s/whole.yaml", written) : undefined));
    expect(out).toEqual({ ...plainSecret, metadata: built.metadata });
    expect(sops.calls).toEqual(["s/whole.yaml yaml->json"]);
    // Without its file, the MAC over the renamed resource cannot hold.
    await expect(decryptResources([built], EMPTY_KEYRING, fakeSops())).rejects.toThrow("Secret/other/prefix-whole: Cannot decrypt Secret/other/prefix-whole: MAC mismatch (key group 0)");
  });

  test.each(["disabled", "Disabled", "DISABLED"])("leaves a resource annotated decrypt: %s as written", async (value) => {
    const sops = fakeSops();
    const annotated = { ...sealObject(plainSecret), metadata: { name: "whole", namespace: "t", annotations: { "kustomize.toolkit.fluxcd.io/decrypt": value } } } as KObject;
    expect(await decryptResources([annotated], EMPTY_KEYRING, sops)).toEqual([annotated]);
    expect(sops.calls).toEqual([]);
    expect(() => refuseEncrypted([annotated], true)).not.toThrow();
  });

  test.each([
    ["a resource's", [sealObject(plainSecret, { tampered: "yes" }) as KObject], "Secret/t/whole: Cannot decrypt secrets/whole.yaml: Failed to verify the MAC: the file was changed after it was encrypted (key group 0)"],
    ["a Secret field's", [secret("f", { data: { "a.env": b64(`${seal("A=1", "dotenv")}tampered`) } })], "Secret/t/f field 'data.a.env': Cannot decrypt Secret/t/f data.a.env: Failed to verify the MAC: the file was changed after it was encrypted (key group 0)"],
  ])("%s failure names it, the file and the key group", async (_n, objects, message) => {
    await expect(decryptResources(objects, EMPTY_KEYRING, fakeSops(), (o) => source("secrets/whole.yaml", o))).rejects.toThrow(message);
  });
});

describe("nothing encrypted is applied", () => {
  test.each([
    ["a sops block without decryption", [sealObject(plainSecret) as KObject], false, "Secret/t/whole is SOPS encrypted, refused before applying anything: set spec.decryption to reconcile encrypted data"],
    ["a sops block without a mac, after decryption", [{ ...plainSecret, sops: { age: [] } }], true, "Secret/t/whole is SOPS encrypted, refused before applying anything: encrypted data is left after decryption (is the sops block complete, with its mac?)"],
    ["an encrypted value in any kind", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { k: "ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]" } }], true, "ConfigMap/cm is SOPS encrypted, refused before applying anything: encrypted data is left after decryption (is the sops block complete, with its mac?)"],
    ["a sops document behind a Secret's base64", [secret("a", { data: { k: b64("x: ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]") } }), secret("b", { stringData: { k: "ENC[AES256_GCM,data:q]" } })], false, "Secret/t/a, Secret/t/b are SOPS encrypted, refused before applying anything: set spec.decryption to reconcile encrypted data"],
  ])("refuses %s, naming it", (_n, objects, configured, message) => {
    expect(() => refuseEncrypted(objects, configured)).toThrow(message);
  });

  test("lets plain objects through", () => {
    expect(() => refuseEncrypted([plainSecret, secret("b", { data: { k: b64("ENC[ is just text") } })], false)).not.toThrow();
  });
});
