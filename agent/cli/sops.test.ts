import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { dispatch } from "./dispatch.ts";
import { sopsCommands } from "./sops.ts";

const dir = mkdtempSync(join(tmpdir(), "rivulet-sops-"));
const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "sops", "internal", "controller", "testdata", "sops");
// The fixture tests are skipped when ../shared/fixtures is absent.
const haveFixtures = existsSync(fixtures);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const chunks: Uint8Array[] = [];
  const code = await dispatch(argv, sopsCommands, {
    out: (l) => out.push(l), err: (l) => err.push(l), write: (b) => chunks.push(b), env: {}, cwd: dir, signal: new AbortController().signal,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), stdout: chunks.map((c) => new TextDecoder().decode(c)).join("") };
}

describe("rivulet sops", () => {
  test("encrypt then decrypt with an age key gives the file back, comments and order kept", async () => {
    const id = await generateIdentity();
    writeFileSync(join(dir, "age.txt"), `# created: test\n# public key: ${await identityToRecipient(id)}\n${id}\n`);
    writeFileSync(join(dir, "secret.yaml"), "kind: Secret\n# the password\nstringData:\n    password: hunter2\n");
    const enc = await cli("sops", "encrypt", "--age", await identityToRecipient(id), "--encrypted-regex", "^(data|stringData)$", "-o", "secret.enc.yaml", "secret.yaml");
    expect([enc.code, enc.err]).toEqual([0, ""]);
    const written = readFileSync(join(dir, "secret.enc.yaml"), "utf8");
    expect(written).toMatch(/^kind: Secret\n# the password\nstringData:\n    password: ENC\[AES256_GCM,/);
    expect(written).toContain("    encrypted_regex: ^(data|stringData)$\n");
    const dec = await cli("sops", "decrypt", "--key", "age.txt", "secret.enc.yaml");
    expect([dec.code, dec.err, dec.stdout]).toEqual([0, "", "kind: Secret\n# the password\nstringData:\n    password: hunter2\n"]);
  });

  test.skipIf(!haveFixtures)("--pgp takes a fingerprint of a key given with --key, and --output-type changes the format", async () => {
    writeFileSync(join(dir, "app.env"), "TOKEN=abc\n");
    const pgpKey = join(fixtures, "keys", "pgp.asc");
    const enc = await cli("sops", "encrypt", "--pgp", "35C1A64CD7FC0AB6EB66756B2445463C3234ECE1", "--key", pgpKey, "-o", "app.enc.env", "app.env");
    expect([enc.code, enc.err]).toEqual([0, ""]);
    expect(readFileSync(join(dir, "app.enc.env"), "utf8")).toContain("sops_pgp__list_0__map_fp=35C1A64CD7FC0AB6EB66756B2445463C3234ECE1\n");
    const dec = await cli("sops", "decrypt", "--key", pgpKey, "--output-type", "json", "app.enc.env");
    expect([dec.code, dec.stdout]).toEqual([0, '{\n\t"TOKEN": "abc"\n}\n']);
  });

  test.skipIf(!haveFixtures)("a binary file is printed byte for byte", async () => {
    const dec = await cli("sops", "decrypt", "--key", join(fixtures, "keys", "age.txt"), join(fixtures, "files", "file.txt"));
    expect([dec.code, dec.stdout]).toEqual([0, "value"]);
  });

  test.skipIf(!haveFixtures)("a key that does not open the file prints nothing and exits 3 naming the file and group", async () => {
    const dec = await cli("sops", "decrypt", "--key", join(fixtures, "keys", "age-global.txt"), join(fixtures, "algorithms", "age.yaml"));
    expect([dec.code, dec.stdout]).toEqual([3, ""]);
    expect(dec.err).toBe(`Error: Cannot decrypt ${join(fixtures, "algorithms", "age.yaml")}: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)`);
  });

  test("usage errors exit 2", async () => {
    expect((await cli("sops", "decrypt", "x.yaml")).err).toBe("Error: --key FILE is required\nRun 'rivulet sops decrypt --help' for usage");
    expect((await cli("sops", "encrypt", "x.yaml")).code).toBe(2);
    expect((await cli("sops", "decrypt", "--key", "k", "--output-type", "toml", "x.yaml")).err).toStartWith("Error: --output-type must be one of yaml, json, dotenv, ini, binary, got \"toml\"");
  });
});
