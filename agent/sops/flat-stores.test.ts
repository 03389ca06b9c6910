import { describe, expect, test } from "bun:test";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { decryptSops, encryptSops, keyringFromSecretData } from "./sops.ts";
import { flattenBranch, unflattenItems } from "./flatten.ts";
import { Branch } from "./tree.ts";

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const id = await generateIdentity();
const recipient = await identityToRecipient(id);
const keyring = await keyringFromSecretData({ "k.agekey": utf8.encode(id) });

describe("the flat formats", () => {
  test("INI: sections and key comments are kept, keys aligned as go-ini writes them, metadata in [sops]", async () => {
    const source = "; database settings\n[db]\nuser = admin\n; the password\npassword = hunter2\n\n[app]\nport = 8080\n";
    const encrypted = text(await encryptSops(utf8.encode(source), { format: "ini", age: [recipient] }));
    expect(encrypted).toMatch(/^; ENC\[AES256_GCM,[^\]]*type:comment\]\n\[db\]\nuser     = ENC\[[^\]]*type:str\]\n; ENC\[[^\]]*type:comment\]\npassword = ENC\[/);
    expect(encrypted).toMatch(/\n\[sops\]\nage__list_0__map_enc       = -----BEGIN AGE ENCRYPTED FILE-----\\n[^\n]*-----END AGE ENCRYPTED FILE-----\\n\nage__list_0__map_recipient = age1/);
    expect(text(await decryptSops(utf8.encode(encrypted), { format: "ini", keyring, name: "x.ini" }))).toBe(
      "; database settings\n[db]\nuser     = admin\n; the password\npassword = hunter2\n\n[app]\nport = 8080\n\n",
    );
  });

  test("dotenv: comments stay, newlines are escaped, the metadata is sops_… lines in sorted order", async () => {
    const encrypted = text(await encryptSops(utf8.encode("# db\nPASSWORD=two\\nlines\nUSER_unencrypted=admin\n"), { format: "dotenv", age: [recipient] }));
    const keys = encrypted.split("\n").filter((l) => l.startsWith("sops_")).map((l) => l.slice(0, l.indexOf("=")));
    expect(keys).toEqual(["sops_age__list_0__map_enc", "sops_age__list_0__map_recipient", "sops_lastmodified", "sops_mac", "sops_unencrypted_suffix", "sops_version"]);
    expect(encrypted).toMatch(/^#ENC\[[^\]]*type:comment\]\nPASSWORD=ENC\[[^\]]*type:str\]\nUSER_unencrypted=admin\n/);
    expect(text(await decryptSops(utf8.encode(encrypted), { format: "dotenv", keyring, name: ".env" }))).toBe("# db\nPASSWORD=two\\nlines\nUSER_unencrypted=admin\n");
  });

  test("flattening and unflattening the metadata are inverse, lists and maps alike", () => {
    const meta = new Branch([
      { key: "age", value: [new Branch([{ key: "enc", value: "E" }, { key: "recipient", value: "R" }])] },
      { key: "key_groups", value: [new Branch([{ key: "pgp", value: [new Branch([{ key: "fp", value: "F" }])] }])] },
      { key: "lastmodified", value: "T" },
    ]);
    const flat = flattenBranch(meta, "");
    expect(flat.map((i) => i.key)).toEqual(["age__list_0__map_enc", "age__list_0__map_recipient", "key_groups__list_0__map_pgp__list_0__map_fp", "lastmodified"]);
    expect(unflattenItems(flat)).toEqual(meta);
  });
});
