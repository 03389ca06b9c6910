import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGitServer, type GitServer } from "../../test/support/git-server.ts";
import { fetchGitArtifact, type GitArtifactFetched } from "../source/git/fetch-git-artifact.ts";
import type { GitRef } from "../source/git/ref.ts";
import { gitSignatureVerifier, verifyGitSignatures, type VerifyMode } from "./git-signature.ts";

let gnupg: string;
let git: GitServer;
const keys: Record<"trusted" | "other", { fpr: string; armored: string }> = {} as never;

function gpg(args: string[]): string {
  const r = spawnSync("gpg", ["--batch", "--no-tty", ...args], { env: { ...process.env, GNUPGHOME: gnupg }, encoding: "utf8" });
  if (r.error) throw new Error("Cannot run gpg for the signature tests: is gnupg installed? (apt-get install gnupg)", { cause: r.error });
  if (r.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

function makeKey(uid: string): { fpr: string; armored: string } {
  gpg(["--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never"]);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(["--with-colons", "--list-keys", uid]))![1]!;
  return { fpr, armored: gpg(["--armor", "--export", fpr]) };
}

const signWith = (fpr: string): Record<string, string> => ({
  GNUPGHOME: gnupg,
  GIT_CONFIG_COUNT: "2",
  GIT_CONFIG_KEY_0: "commit.gpgsign",
  GIT_CONFIG_VALUE_0: "true",
  GIT_CONFIG_KEY_1: "user.signingkey",
  GIT_CONFIG_VALUE_1: fpr,
});

async function fetchRef(ref: GitRef): Promise<GitArtifactFetched> {
  const r = await fetchGitArtifact({ url: git.url("signed"), fetch, ref });
  if (r.unchanged) throw new Error("unexpected unchanged");
  return r;
}

async function verify(ref: GitRef, mode: VerifyMode | undefined, armored: string[]) {
  const r = await fetchRef(ref);
  return verifyGitSignatures({ mode, keys: armored, commitId: r.commit, commit: r.commitObject, tag: r.tagObject, revision: r.revision });
}

beforeAll(async () => {
  gnupg = mkdtempSync(join(tmpdir(), "rivulet-gpg-"));
  keys.trusted = makeKey("Rivulet Test <test@rivulet.invalid>");
  keys.other = makeKey("Someone Else <else@rivulet.invalid>");
  git = await startGitServer();
  await git.createRepo("signed", { "a.yaml": "a: 1\n" }); // unsigned
  await git.commit("signed", { "b.yaml": "b: 1\n" }, "signed by trusted", { branch: "trusted", env: signWith(keys.trusted.fpr) });
  await git.tag("signed", "v1.0.0", { sign: true, env: signWith(keys.trusted.fpr) });
  await git.tag("signed", "v1.0.1", { annotated: true }); // unsigned annotated tag
  await git.tag("signed", "v3.0.0", { ref: "master", sign: true, env: signWith(keys.trusted.fpr) }); // trusted tag, unsigned commit
  await git.commit("signed", { "c.yaml": "c: 1\n" }, "signed by other", { branch: "other", env: signWith(keys.other.fpr) });
  await git.tag("signed", "v2.0.0", { sign: true, env: signWith(keys.other.fpr) });
}, 60_000);

afterAll(async () => {
  await git?.stop();
  spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupg } });
  rmSync(gnupg, { recursive: true, force: true });
});

describe("verifyGitSignatures", () => {
  test("HEAD: a commit signed by a trusted key verifies, with Flux's message", async () => {
    const r = await verify({ branch: "trusted" }, "HEAD", [keys.trusted.armored]);
    const keyId = keys.trusted.fpr.slice(-16);
    expect(r).toMatchObject({ verified: true, reason: "Succeeded", mode: "HEAD", commitKey: keyId });
    expect(r.message).toMatch(new RegExp(`^verified signature of\\n\\t- commit 'trusted@sha1:[0-9a-f]{40}' with key '${keyId}'$`));
  });

  test("the legacy mode 'head' means HEAD, and any key in the Secret may match", async () => {
    const r = await verify({ branch: "trusted" }, "head", [keys.other.armored, keys.trusted.armored]);
    expect(r.verified).toBe(true);
    expect(r.mode).toBe("HEAD");
  });

  test.each([
    ["an unsigned commit", { branch: "master" }, [() => keys.trusted.armored], /failed: no signature found$/],
    ["a commit signed by an untrusted key", { branch: "other" }, [() => keys.trusted.armored], /failed: .+/],
  ])("HEAD: %s fails with InvalidCommitSignature", async (_, ref, armored, message) => {
    const r = await verify(ref, "HEAD", armored.map((f) => f()));
    expect(r.verified).toBe(false);
    expect(r.reason).toBe("InvalidCommitSignature");
    expect(r.message).toMatch(/^signature verification of commit '[0-9a-f]{40}' failed: /);
    expect(r.message).toMatch(message);
  });

  test("a commit altered after signing fails", async () => {
    const f = await fetchRef({ branch: "trusted" });
    const payload = f.commitObject.payload.slice();
    payload[payload.length - 2]! ^= 1; // flip a bit of the message
    const r = await verifyGitSignatures({ keys: [keys.trusted.armored], commitId: f.commit, commit: { ...f.commitObject, payload }, revision: f.revision });
    expect(r.reason).toBe("InvalidCommitSignature");
  });

  test("Tag: a signed annotated tag verifies; TagAndHEAD checks both", async () => {
    const tag = await verify({ tag: "v1.0.0" }, "Tag", [keys.trusted.armored]);
    expect(tag).toMatchObject({ verified: true, mode: "Tag", tagKey: keys.trusted.fpr.slice(-16) });
    expect(tag.message).toBe(`verified signature of\n\t- tag 'v1.0.0' with key '${keys.trusted.fpr.slice(-16)}'`);
    const both = await verify({ tag: "v1.0.0" }, "TagAndHEAD", [keys.trusted.armored]);
    expect(both.verified).toBe(true);
    expect(both.message.split("\n")).toHaveLength(3);
  });

  test.each([
    ["an unsigned annotated tag", { tag: "v1.0.1" }, "Tag", "InvalidTagSignature"],
    ["a tag signed by an untrusted key", { tag: "v2.0.0" }, "Tag", "InvalidTagSignature"],
    ["the unsigned annotated tag semver picks", { semver: "~1.0.0", branch: "x" }, "Tag", "InvalidTagSignature"],
    ["a trusted tag over an unsigned commit (TagAndHEAD)", { tag: "v3.0.0" }, "TagAndHEAD", "InvalidCommitSignature"],
    ["a branch ref in Tag mode", { branch: "trusted" }, "Tag", "InvalidVerificationMode"],
  ] as const)("fails for %s", async (_, ref, mode, reason) => {
    const r = await verify(ref, mode, [keys.trusted.armored]);
    expect(r.verified).toBe(false);
    expect(r.reason).toBe(reason);
  });

  test("a Secret with no usable key is an error, not a pass", async () => {
    const r = await verify({ branch: "trusted" }, "HEAD", ["not a key"]);
    expect(r.verified).toBe(false);
    expect(r.message).toMatch(/unable to read the public keys/);
  });
});

describe("gitSignatureVerifier", () => {
  const subject = async (ref: GitRef) => {
    const r = await fetchRef(ref);
    return { commitId: r.commit, commit: r.commitObject, tag: r.tagObject, revision: r.revision };
  };

  test("answers through the verifier port: Flux's message when verified, the reason and message when not", async () => {
    const verifier = gitSignatureVerifier({ mode: "HEAD", keys: [keys.trusted.armored] });
    const good = await verifier(await subject({ branch: "trusted" }));
    expect(good).toEqual({ verified: true, message: expect.stringMatching(/^verified signature of\n\t- commit 'trusted@sha1:[0-9a-f]{40}' with key '[0-9A-F]{16}'$/) });
    const bad = await verifier(await subject({ branch: "master" }));
    expect(bad).toEqual({ verified: false, reason: "InvalidCommitSignature", message: expect.stringMatching(/^signature verification of commit '[0-9a-f]{40}' failed: no signature found$/) });
  });
});
