/**
 * The age stanzas are real age files: Debian's `age` tool opens the data key our encryptor wraps, and a
 * data key wrapped by Debian's `age` opens here. (age 1.1 has no post-quantum recipients; those are
 * covered by Flux's age-pq.yaml fixture.) Skipped when the `age` binary is absent.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcm } from "./aes-gcm.ts";
import { decryptSops, encryptSops, keyringFromSecretData } from "./sops.ts";
import { loadEncrypted } from "./sops-file.ts";
import { decryptValue, encryptValue } from "./value-cipher.ts";

const haveAge = spawnSync("age", ["--version"]).status === 0;
const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe.skipIf(!haveAge)("age files against Debian's age", () => {
  const dir = mkdtempSync(join(tmpdir(), "sops-age-"));
  const keyFile = join(dir, "key.txt");
  spawnSync("age-keygen", ["-o", keyFile]);
  const identity = spawnSync("grep", ["^AGE-SECRET-KEY-", keyFile], { encoding: "utf8" }).stdout.trim();
  const recipient = spawnSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).stdout.trim();

  test("Debian's age decrypts the data key our encryptor wrapped, and that key opens the file's MAC", async () => {
    const file = await encryptSops(utf8.encode("password: hunter2\n"), { format: "yaml", age: [recipient] });
    const { metadata } = loadEncrypted(file, "yaml");
    const enc = metadata.keyGroups[0]![0]!.enc;
    const out = spawnSync("age", ["-d", "-i", keyFile], { input: enc });
    expect(out.stderr.toString()).toBe("");
    const dataKey = new Uint8Array(out.stdout);
    expect(dataKey.length).toBe(32);
    const mac = await decryptValue(metadata.mac, await aesGcm(dataKey), metadata.lastModified);
    expect(mac).toMatch(/^[0-9A-F]{128}$/);
  });

  test("a file whose data key Debian's age wrapped decrypts here", async () => {
    // Build the file around a data key we choose, wrapped by the age binary instead of our encryptor.
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    writeFileSync(join(dir, "data.key"), dataKey);
    const wrapped = spawnSync("age", ["-a", "-r", recipient, join(dir, "data.key")], { encoding: "utf8" }).stdout;
    expect(wrapped.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
    const cipher = await aesGcm(dataKey);
    const lastModified = "2026-01-02T03:04:05Z";
    const value = await encryptValue("hunter2", cipher, "password:");
    const { createHash } = await import("node:crypto");
    const mac = createHash("sha512").update("hunter2").digest("hex").toUpperCase();
    const indented = wrapped.trimEnd().split("\n").map((l) => `            ${l}`).join("\n");
    const file = [
      `password: ${value}`,
      "sops:",
      "    age:",
      `        - recipient: ${recipient}`,
      "          enc: |",
      indented,
      `    lastmodified: "${lastModified}"`,
      `    mac: ${await encryptValue(mac, cipher, lastModified)}`,
      "    unencrypted_suffix: _unencrypted",
      "    version: 3.9.0",
      "",
    ].join("\n");
    const keyring = await keyringFromSecretData({ "id.agekey": utf8.encode(identity) });
    expect(text(await decryptSops(utf8.encode(file), { format: "yaml", keyring, name: "age-cli.yaml" }))).toBe("password: hunter2\n");
  });
});
