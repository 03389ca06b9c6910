import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pushSmallArtifact, startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { RegistryClient, type ImageManifest } from "../source/oci/registry-client.ts";
import { simpleSigningPayload } from "./cosign-claims.ts";
import { signOciArtifact } from "./sign-oci-artifact.ts";
import { verifyOciArtifact, type VerifyOciArtifactOptions } from "./verify-oci-artifact.ts";
import type { VerifyFailureReason } from "./verdict.ts";

const enc = new TextEncoder();

function keyPair(kind: "ec" | "rsa" | "ed25519") {
  const k = kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : kind === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ed25519");
  const pem = k.publicKey.export({ type: "spki", format: "pem" }) as string;
  const signer = (key: KeyObject) => async (data: Uint8Array) =>
    new Uint8Array(nodeSign(kind === "ed25519" ? null : "sha256", data, key));
  return { pem, sign: signer(k.privateKey), privateKey: k.privateKey };
}

let reg: TestRegistry;
let n = 0;

/** A fresh repository with one small manifest in it; returns its client and digest. */
const artifact = () => pushSmallArtifact(reg, `signed/app${++n}`);

beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
});

for (const format of ["legacy", "bundle"] as const) describe(`key-based cosign, ${format} format`, () => {
  test.each(["ec", "rsa", "ed25519"] as const)("a %s key signature verifies", async (kind) => {
    const { client, digest } = await artifact();
    const k = keyPair(kind);
    await signOciArtifact({ client, digest, sign: k.sign, format });
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "cosign.pub", pem: k.pem }] });
    expect(v).toEqual({ verified: true, method: "key", format, signer: "cosign.pub" });
  });

  test("every key is tried and the matching one is named", async () => {
    const { client, digest } = await artifact();
    const a = keyPair("ec");
    const b = keyPair("ec");
    await signOciArtifact({ client, digest, sign: b.sign, format });
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "a.pub", pem: a.pem }, { name: "b.pub", pem: b.pem }] });
    expect(v).toEqual({ verified: true, method: "key", format, signer: "b.pub" });
  });

  test("a wrong key is InvalidSignature", async () => {
    const { client, digest } = await artifact();
    await signOciArtifact({ client, digest, sign: keyPair("ec").sign, format });
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "other.pub", pem: keyPair("ec").pem }] });
    const what = format === "bundle" ? "Sigstore bundle" : "signature";
    expect(v).toEqual({
      verified: false, reason: "InvalidSignature",
      message: `Cannot verify ${reg.host}/${client.repository}@${digest}: no ${what} verified: the signature does not verify with the key other.pub`,
    });
  });

  test("a genuine signature over another digest is DigestMismatch", async () => {
    const { client, digest } = await artifact();
    const other = `sha256:${"ab".repeat(32)}`;
    const k = keyPair("ec");
    await signOciArtifact({ client, digest, sign: k.sign, format, claimDigest: other });
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "cosign.pub", pem: k.pem }] });
    expect(v.verified).toBe(false);
    if (v.verified) return;
    expect(v.reason).toBe("DigestMismatch");
    const what = format === "bundle" ? "Sigstore bundle verified: the signed statement" : "signature verified: the signed payload";
    expect(v.message).toBe(`Cannot verify ${reg.host}/${client.repository}@${digest}: no ${what} names ${other}, not ${digest}`);
  });
});

describe("failures common to both formats", () => {
  test("an unsigned artifact is NoSignature", async () => {
    const { client, digest } = await artifact();
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "cosign.pub", pem: keyPair("ec").pem }] });
    expect(v).toEqual({
      verified: false, reason: "NoSignature",
      message: `Cannot verify ${reg.host}/${client.repository}@${digest}: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)`,
    });
  });

  test("a payload altered after signing (re-uploaded with a fresh digest) is InvalidSignature", async () => {
    const { client, digest } = await artifact();
    const k = keyPair("ec");
    await signOciArtifact({ client, digest, sign: k.sign });
    const tag = `${digest.replace(":", "-")}.sig`;
    const sig = await client.getManifest(tag);
    const m = sig!.json as ImageManifest;
    const forged = simpleSigningPayload(`${client.host}/${client.repository}`, digest, { note: "forged" });
    const blob = await client.pushBlob(forged);
    m.layers[0] = { ...m.layers[0]!, digest: blob.digest, size: blob.size };
    await client.putManifest(tag, enc.encode(JSON.stringify(m)), MEDIA.ociManifest);
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "cosign.pub", pem: k.pem }] });
    expect(v.verified === false && v.reason).toBe("InvalidSignature");
  });

  test("a payload blob changed in the registry's storage is InvalidSignature naming the alteration", async () => {
    const { client, digest } = await artifact();
    const k = keyPair("ec");
    await signOciArtifact({ client, digest, sign: k.sign });
    const sig = await client.getManifest(`${digest.replace(":", "-")}.sig`);
    const layer = (sig!.json as ImageManifest).layers[0]!;
    const hex = layer.digest.slice(7);
    const path = join(reg.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    writeFileSync(path, readFileSync(path, "utf8").replace("cosign container image signature", "cosign container image signaturX"));
    const v = await verifyOciArtifact({ client, digest, keys: [{ name: "cosign.pub", pem: k.pem }] });
    expect(v.verified === false && v.reason).toBe("InvalidSignature");
    expect(v.verified === false && v.message).toContain(`the signature payload ${layer.digest} was altered: Cannot trust the blob ${layer.digest}: its content hashes to`);
  });

  test("bundles win over .sig signatures, as in cosign v3", async () => {
    const { client, digest } = await artifact();
    const legacyKey = keyPair("ec");
    const bundleKey = keyPair("ec");
    await signOciArtifact({ client, digest, sign: legacyKey.sign, format: "legacy" });
    await signOciArtifact({ client, digest, sign: bundleKey.sign, format: "bundle" });
    const byLegacy = await verifyOciArtifact({ client, digest, keys: [{ name: "legacy.pub", pem: legacyKey.pem }] });
    expect(byLegacy.verified === false && byLegacy.reason).toBe("InvalidSignature");
    const byBundle = await verifyOciArtifact({ client, digest, keys: [{ name: "bundle.pub", pem: bundleKey.pem }] });
    expect(byBundle).toEqual({ verified: true, method: "key", format: "bundle", signer: "bundle.pub" });
  });

  test.each([
    [{ keys: [{ name: "bad.pub", pem: "not a pem" }] }, "BadTrustMaterial", "Cannot read the public key: no PEM block found"],
    [{ identities: [{ issuer: "(", subject: ".*" }] }, "BadTrustMaterial", 'Cannot use the matchOIDCIdentity issuer "(": it is not a valid regular expression'],
    [{ provider: "notation" as const }, "Unsupported", 'Cannot verify with provider "notation": only cosign is supported'],
  ] as Array<[Partial<VerifyOciArtifactOptions>, VerifyFailureReason, string]>)("bad options %j are %s", async (opts, reason, message) => {
    const { client, digest } = await artifact();
    expect(await verifyOciArtifact({ client, digest, ...opts })).toEqual({ verified: false, reason, message });
  });
});
