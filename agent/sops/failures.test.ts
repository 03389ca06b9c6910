/**
 * Every way a decryption can fail ends as a SopsError whose exact text names the file (and the key
 * group) and carries no plaintext and no key material.
 */
import { describe, expect, test } from "bun:test";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { decryptSops, DEFAULTS, encryptSops, keyringFromSecretData, SopsError, type SopsFormat, type SopsKeyring } from "./sops.ts";

const SECRET = "s3cr3t-password";
const PLAIN = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: ${SECRET}\n`;
const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function identity(): Promise<{ id: string; keyring: SopsKeyring; recipient: string }> {
  const id = await generateIdentity();
  return { id, recipient: await identityToRecipient(id), keyring: await keyringFromSecretData({ "id.agekey": utf8.encode(`# test\n${id}\n`) }) };
}

const owner = await identity();
const stranger = await identity();
const encrypted = text(await encryptSops(utf8.encode(PLAIN), { format: "yaml", age: [owner.recipient], encryptedRegex: "^(data|stringData)$" }));

/** A kms-only metadata block, as a file encrypted for AWS KMS alone carries it. */
const kmsOnly = encrypted.replace(/sops:\n(.|\n)*$/, `sops:\n    kms:\n        - arn: arn:aws:kms:eu-west-1:000000000000:key/x\n          created_at: "2024-01-01T00:00:00Z"\n          enc: AQICAHg=\n    hc_vault:\n        - vault_address: https://vault:8200\n          engine_path: sops\n          key_name: k\n          created_at: "2024-01-01T00:00:00Z"\n          enc: vault:v1:x\n    lastmodified: "2024-01-01T00:00:00Z"\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\n    version: 3.9.0\n`);

const tamperData = (s: string) => s.replace(/password: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `password: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`);

const cases: { name: string; file: string; keyring?: SopsKeyring; format?: SopsFormat; message: string; keyGroup?: string }[] = [
  {
    name: "a keyring without the file's key",
    file: encrypted,
    keyring: stranger.keyring,
    message: "Cannot decrypt secret.yaml: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)",
    keyGroup: "0",
  },
  {
    name: "an empty keyring",
    file: encrypted,
    keyring: { ageIdentities: [], pgpKeys: [], lockedPgpKeys: 0 },
    message: "Cannot decrypt secret.yaml: no key in the keyring (0 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)",
    keyGroup: "0",
  },
  {
    name: "a tampered encrypted value",
    file: tamperData(encrypted),
    message: "Cannot decrypt secret.yaml: the value at stringData:password: cannot be decrypted: AES-GCM authentication failed (wrong data key, or the value or its path was changed)",
  },
  {
    name: "an encrypted value moved under another key",
    file: encrypted.replace("    password: ENC", "    token: ENC"),
    message: "Cannot decrypt secret.yaml: the value at stringData:token: cannot be decrypted: AES-GCM authentication failed (wrong data key, or the value or its path was changed)",
  },
  {
    name: "a changed clear-text value",
    file: encrypted.replace("name: db", "name: other"),
    message: "Cannot decrypt secret.yaml: MAC mismatch (the file was changed after it was encrypted)",
  },
  {
    name: "an encrypted value swapped for a clear one",
    file: encrypted.replace(/password: ENC\[[^\]]*\]/, "password: plain"),
    message: "Cannot decrypt secret.yaml: the value at stringData:password: cannot be decrypted: the value does not match sops' ENC[AES256_GCM,…] format",
  },
  {
    name: "a tampered MAC",
    file: encrypted.replace(/mac: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `mac: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`),
    message: "Cannot decrypt secret.yaml: the MAC cannot be decrypted (it or lastmodified was changed)",
  },
  {
    name: "a changed lastmodified",
    file: encrypted.replace(/lastmodified: "[^"]+"/, 'lastmodified: "2000-01-01T00:00:00Z"'),
    message: "Cannot decrypt secret.yaml: the MAC cannot be decrypted (it or lastmodified was changed)",
  },
  {
    name: "a file truncated before its metadata",
    file: encrypted.slice(0, encrypted.indexOf("sops:")),
    message: "Cannot decrypt secret.yaml: sops metadata not found",
  },
  {
    name: "a file truncated inside its metadata",
    file: encrypted.slice(0, encrypted.indexOf("    lastmodified:")),
    message: "Cannot decrypt secret.yaml: sops.mac is missing",
  },
  {
    name: "a file truncated inside an armored key",
    file: encrypted.slice(0, encrypted.indexOf("-----END AGE")),
    message: "Cannot decrypt secret.yaml: sops.mac is missing",
  },
  {
    name: "a key group of providers this agent cannot use",
    file: kmsOnly,
    message: "Cannot decrypt secret.yaml: key group 0 has only kms, hc_vault keys: these providers are not supported (only age and OpenPGP)",
    keyGroup: "0",
  },
  {
    name: "a plain file",
    file: PLAIN,
    message: "Cannot decrypt secret.yaml: sops metadata not found",
  },
  {
    name: "a file that is not YAML",
    file: "a: [1, 2\nb: 3\n",
    message: "Cannot decrypt secret.yaml: invalid YAML (BAD_INDENT) at line 2, column 1",
  },
  {
    name: "a JSON file with a syntax error",
    file: '{"password": "s3cr3t-password",,}',
    format: "json",
    message: "Cannot decrypt secret.yaml: expected an object key at line 1, column 32",
  },
  {
    name: "a file larger than Flux's limit",
    file: "#".repeat(DEFAULTS.maxFileBytes + 1),
    message: `Cannot decrypt secret.yaml: the file has ${DEFAULTS.maxFileBytes + 1} bytes, more than the ${DEFAULTS.maxFileBytes} allowed`,
  },
];

describe("decryption failures", () => {
  for (const c of cases) {
    test(`${c.name} fails naming the file${c.keyGroup ? " and the key group" : ""}, with no secret in the message`, async () => {
      const err = await decryptSops(utf8.encode(c.file), { format: c.format ?? "yaml", keyring: c.keyring ?? owner.keyring, name: "secret.yaml" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SopsError);
      const e = err as SopsError;
      expect(e.message).toBe(c.message);
      expect([e.file, e.keyGroup]).toEqual(["secret.yaml", c.keyGroup]);
      for (const secret of [SECRET, owner.id, stranger.id, owner.id.slice(16, 40)]) expect(e.message).not.toContain(secret);
    });
  }

  test("a Shamir file missing one of the groups it needs names that group", async () => {
    const file = await encryptSops(utf8.encode(PLAIN), { format: "yaml", keyGroups: [{ age: [owner.recipient] }, { age: [stranger.recipient] }], shamirThreshold: 2 });
    const err = (await decryptSops(file, { format: "yaml", keyring: owner.keyring, name: "shamir.yaml" }).catch((e: unknown) => e)) as SopsError;
    expect(err.message).toBe(
      "Cannot decrypt shamir.yaml: only 1 of the 2 key groups needed (shamir_threshold) could be opened: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 1 (1 age, 0 pgp recipients)",
    );
    expect(err.keyGroup).toBe("1");
  });

  test("an age key file with a line that is not an identity is refused naming the entry, not the line", async () => {
    const err = (await keyringFromSecretData({ "bad.agekey": utf8.encode(`${owner.id}\nAGE-SECRET-KEY-1NOTAKEY\n`) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("failed to import 'bad.agekey': line 2 is not an age identity");
  });

  test("an .asc entry that holds no private key is refused naming the entry", async () => {
    const err = (await keyringFromSecretData({ "x.asc": utf8.encode("not a key") }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("failed to import 'x.asc': not an OpenPGP private key block");
  });
});
