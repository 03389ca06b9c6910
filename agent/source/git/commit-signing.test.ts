import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { nodeSha1 } from "../../runtime/native-git.ts";
import { startGitServer, type GitServer } from "../../../test/support/git-server.ts";
import { checkout } from "./git-checkout.ts";
import { parseCommit } from "./git-object.ts";
import { encodeCommit, type CommitSigner } from "./object-writer.ts";
import { openpgpSigner } from "./openpgp-signer.ts";
import { parseOpenSshPrivateKey } from "./openssh-key.ts";
import { sshSigner } from "./ssh-signer.ts";

let dir: string;
let repo: string;
let tree: string;
let parent: string;
const EMAIL = "flux@example.com";
let keyCount = 0;

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string | Uint8Array; env?: Record<string, string> } = {}): { status: number; out: string; err: string } {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GNUPGHOME: join(dir, "gnupg"), GIT_CONFIG_NOSYSTEM: "1", ...opts.env };
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? repo, input: opts.input, env, maxBuffer: 1 << 26 });
  return { status: r.status ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

function must(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.err}`);
  return r.out;
}

/** Writes a signed commit into the test repository with git itself and returns its id. */
async function signedCommit(signer: CommitSigner, message = "Update image"): Promise<string> {
  const who = { name: "Flux Bot", email: EMAIL, when: 1_700_000_000, zone: "+0000" };
  const fields = { tree, parents: [parent], author: who, committer: who, message };
  const signature = await signer(encodeCommit(fields));
  return must("git", ["hash-object", "-w", "-t", "commit", "--stdin"], { input: encodeCommit({ ...fields, signature }) }).trim();
}

function sshKey(type: string, extra: string[] = []): string {
  const path = join(dir, `key-${++keyCount}-${type}`);
  must("ssh-keygen", ["-q", "-t", type, ...extra, "-C", "test", "-f", path], { cwd: dir });
  return path;
}

function verifySsh(id: string, keyPath: string): { status: number; out: string; err: string } {
  const allowed = join(dir, "allowed_signers");
  writeFileSync(allowed, `${EMAIL} ${readFileSync(`${keyPath}.pub`, "utf8")}`);
  return run("git", ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${allowed}`, "verify-commit", id]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rivulet-sign-"));
  repo = join(dir, "repo");
  must("mkdir", ["-p", repo, join(dir, "gnupg")], { cwd: dir });
  must("chmod", ["700", join(dir, "gnupg")], { cwd: dir });
  must("git", ["init", "-q", "-b", "main"]);
  writeFileSync(join(repo, "a.yaml"), "a: 1\n");
  must("git", ["add", "-A"]);
  must("git", ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "base"]);
  tree = must("git", ["rev-parse", "HEAD^{tree}"]).trim();
  parent = must("git", ["rev-parse", "HEAD"]).trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SSH signatures", () => {
  const keys: Array<[string, string[]]> = [
    ["ed25519", []],
    ["rsa", ["-b", "2048"]],
    ["ecdsa", ["-b", "256"]],
    ["ecdsa", ["-b", "384"]],
  ];
  for (const [type, extra] of keys) {
    test(`git verify-commit accepts a commit signed with an ${type} key of ${extra[1] ?? 256} bits`, async () => {
      const path = sshKey(type, [...extra, "-N", ""]);
      const id = await signedCommit(await sshSigner(readFileSync(path, "utf8")));
      const r = verifySsh(id, path);
      expect(r.err).toContain(`Good "git" signature for ${EMAIL}`);
      expect(r.status).toBe(0);
      expect(parseCommit(new TextEncoder().encode(must("git", ["cat-file", "commit", id]))).signature).toMatch(/^-----BEGIN SSH SIGNATURE-----\n/);
    });
  }

  test("decrypts a password-protected key as ssh-keygen writes it", async () => {
    const path = sshKey("ed25519", ["-N", "s3cret pass"]);
    const id = await signedCommit(await sshSigner(readFileSync(path, "utf8"), "s3cret pass"));
    expect(verifySsh(id, path).status).toBe(0);
    await expect(parseOpenSshPrivateKey(readFileSync(path, "utf8"), "wrong")).rejects.toThrow("Cannot read the SSH private key: the password is wrong");
  });

  test("git verify-commit rejects the signature under another key", async () => {
    const signing = sshKey("ed25519", ["-N", ""]);
    const other = sshKey("ed25519", ["-N", ""]);
    const id = await signedCommit(await sshSigner(readFileSync(signing, "utf8")));
    expect(verifySsh(id, other).status).not.toBe(0);
  });

  const refused: Array<[string, () => string, string]> = [
    ["an encrypted key without a password", () => readFileSync(sshKey("ed25519", ["-N", "pw"]), "utf8"), "Cannot read the SSH private key: the key is encrypted and no password was given"],
    ["an RSA key under 2048 bits", () => readFileSync(sshKey("rsa", ["-b", "1024", "-N", ""]), "utf8"), "Cannot read the SSH private key: the RSA key has 1024 bits, at least 2048 are required"],
    ["a PEM file", () => "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "Cannot read the SSH private key: not an OpenSSH private key file (BEGIN OPENSSH PRIVATE KEY)"],
    ["a truncated key", () => readFileSync(sshKey("ed25519", ["-N", ""]), "utf8").replace(/\n[A-Za-z0-9+/=]+\n-----END/, "\n-----END"), "Cannot read the SSH private key: truncated"],
  ];
  for (const [what, key, message] of refused) {
    test(`refuses ${what}`, async () => {
      await expect(parseOpenSshPrivateKey(key())).rejects.toThrow(message);
    });
  }
});

describe("OpenPGP signatures", () => {
  const cases: Array<[string, "ecc" | "rsa", string | undefined]> = [
    ["an ed25519 key", "ecc", undefined],
    ["an RSA key with a passphrase", "rsa", "correct horse"],
  ];
  for (const [what, type, passphrase] of cases) {
    test(`git verify-commit accepts a commit signed with ${what}`, async () => {
      const { privateKey, publicKey } = await openpgp.generateKey({ type, rsaBits: 2048, userIDs: [{ name: "Flux Bot", email: EMAIL }], passphrase, format: "armored" });
      must("gpg", ["--batch", "--import"], { input: publicKey });
      const id = await signedCommit(await openpgpSigner(privateKey, passphrase));
      const r = run("git", ["verify-commit", id]);
      expect(r.err).toContain(`Good signature from "Flux Bot <${EMAIL}>"`);
      expect(r.status).toBe(0);
    });
  }

  test("refuses an encrypted key without its passphrase, and a wrong one, without showing it", async () => {
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ email: EMAIL }], passphrase: "right", format: "armored" });
    const keyId = (await openpgp.readPrivateKey({ armoredKey: privateKey })).getKeyID().toHex();
    await expect(openpgpSigner(privateKey)).rejects.toThrow(`Cannot unlock the OpenPGP signing key ${keyId}: it is encrypted and no passphrase was given`);
    const err = (await openpgpSigner(privateKey, "wrong-secret").catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`Cannot unlock the OpenPGP signing key ${keyId}: the passphrase is wrong`);
  });

  test("refuses text that is not a private key", async () => {
    await expect(openpgpSigner("not a key")).rejects.toThrow("Cannot read the OpenPGP signing key: ");
  });
});

describe("signed push", () => {
  let git: GitServer;
  beforeAll(async () => {
    git = await startGitServer();
  });
  afterAll(() => git.stop());

  test("a commit pushed with an SSH signer verifies on the server", async () => {
    await git.createRepo("signed", { "a.yaml": "a: 1\n" });
    const key = sshKey("ed25519", ["-N", ""]);
    const co = await checkout({ url: git.url("signed"), fetch, sha1: nodeSha1 });
    const r = await co.commitAndPush({ "a.yaml": "a: 2\n" }, { author: { name: "Flux Bot", email: EMAIL }, message: "signed", signer: await sshSigner(readFileSync(key, "utf8")) });
    const allowed = join(dir, "allowed_signers");
    writeFileSync(allowed, `${EMAIL} ${readFileSync(`${key}.pub`, "utf8")}`);
    const v = run("git", ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${allowed}`, "verify-commit", r.commit!], { cwd: git.gitDir("signed") });
    expect(v.err).toContain(`Good "git" signature for ${EMAIL}`);
    expect(v.status).toBe(0);
    git.git("signed", ["fsck", "--strict", "--no-dangling"]);
  });
});
