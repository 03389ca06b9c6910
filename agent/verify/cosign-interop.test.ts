/**
 * Signatures we did not make: bundles and keys from cosign's, sigstore-js's and sigstore-go's own test
 * data, signed by the Sigstore public-good Fulcio and Rekor or by npm's publish key (see the SOURCE.md in
 * test/fixtures/cosign, sigstore-js and sigstore-go). The other verify tests sign with our own code and an offline CA;
 * these prove the verifier agrees with what the real tools wrote, and that a changed byte is refused.
 * The registry is an in-memory RegistryReader: what is under test is the verification, not distribution.
 */
import "../runtime/sigstore-shim.ts";
import { describe, expect, test } from "bun:test";
import { base64Decode, base64Encode } from "../core/bytes.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { DigestMismatchError, type Descriptor, type FetchedManifest, type ImageManifest } from "../source/oci/registry-types.ts";
import { preAuthEncoding } from "./cosign-claims.ts";
import { importPublicKeyPem, verifyWithKey } from "./public-key.ts";
import type { RegistryReader } from "./registry-port.ts";
import { sigstoreKeyless } from "./sigstore-keyless.ts";
import { verifyOciArtifact } from "./verify-oci-artifact.ts";
import { fixtureBytes, fixtureJson, fixtureText } from "../../test/support/fixtures.ts";
import { ANNOTATION } from "./keyless.ts";
import type { VerifyFailureReason, VerifyVerdict } from "./verdict.ts";

const text = fixtureText;
const json = (path: string) => fixtureJson(path);
const enc = new TextEncoder();

/** The image cosign attested in its test (the statement's subject). */
const COSIGN_SUBJECT = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
const GITHUB_OAUTH = "https://github.com/login/oauth";

async function sha256(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${[...h].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** An in-memory registry: blobs by digest (checked on read, as the real client does), manifests by reference. */
function memoryRegistry() {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, FetchedManifest>();
  const referrers = new Map<string, Descriptor[]>();
  const reader: RegistryReader = {
    host: "registry.example",
    repository: "repo",
    async getManifest(reference) {
      return manifests.get(reference);
    },
    async getBlob(desc) {
      const b = blobs.get(desc.digest);
      if (!b) throw new Error(`no blob ${desc.digest}`);
      if ((await sha256(b)) !== desc.digest) throw new DigestMismatchError(`blob ${desc.digest} does not match`);
      return b;
    },
    async referrers(digest) {
      return referrers.get(digest) ?? [];
    },
  };
  return {
    reader,
    /** Stores a blob under `digest`, its own digest unless a test wants a mismatch. */
    async blob(b: Uint8Array, digest?: string) {
      const d = digest ?? (await sha256(b));
      blobs.set(d, b);
      return { digest: d, size: b.length };
    },
    async manifest(reference: string, json: ImageManifest) {
      const bytes = enc.encode(JSON.stringify(json));
      const fetched: FetchedManifest = { digest: await sha256(bytes), mediaType: MEDIA.ociManifest, bytes, json };
      manifests.set(reference, fetched);
      manifests.set(fetched.digest, fetched);
      return fetched;
    },
    referrers,
  };
}

/**
 * A registry holding one subject whose only referrer carries `bundle`, laid out as cosign v3 attaches it
 * (an OCI manifest with the bundle as its single layer and the subject as `subject`).
 */
async function registryWithBundle(subject: string, bundle: unknown): Promise<RegistryReader> {
  const reg = memoryRegistry();
  const bundleBlob = await reg.blob(enc.encode(JSON.stringify(bundle)));
  const empty = await reg.blob(enc.encode("{}"));
  const referrer = await reg.manifest("referrer", {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    artifactType: MEDIA.sigstoreBundleV03,
    config: { mediaType: MEDIA.ociEmpty, ...empty },
    layers: [{ mediaType: MEDIA.sigstoreBundleV03, ...bundleBlob }],
    subject: { mediaType: MEDIA.ociManifest, digest: subject, size: 1 },
  });
  reg.referrers.set(subject, [{ mediaType: MEDIA.ociManifest, digest: referrer.digest, size: referrer.bytes.length, artifactType: MEDIA.sigstoreBundleV03 }]);
  return reg.reader;
}

/** A registry holding a legacy `<digest>.sig` manifest as cosign printed it, and its payload blob. */
async function registryWithLegacy(subject: string, sigManifest: ImageManifest, payload: Uint8Array): Promise<RegistryReader> {
  const reg = memoryRegistry();
  await reg.blob(payload, sigManifest.layers[0]!.digest);
  await reg.manifest(`${subject.replace(":", "-")}.sig`, sigManifest);
  return reg.reader;
}

/** A copy of a DSSE bundle whose statement says something else (one changed byte in the payload). */
function withAlteredPayload(bundle: Record<string, any>): Record<string, any> {
  const copy = structuredClone(bundle);
  const payload = base64Decode(copy.dsseEnvelope.payload);
  const at = payload.length - 3;
  payload[at] = payload[at]! ^ 0x01;
  copy.dsseEnvelope.payload = base64Encode(payload);
  return copy;
}

/** How verifyOciArtifact reports a keyless refusal of the cosign bundle, with the library's reason. */
const refused = (reason: VerifyFailureReason, why: string): VerifyVerdict => ({
  verified: false,
  reason,
  message: `Cannot verify registry.example/repo@${COSIGN_SUBJECT}: no Sigstore bundle verified: the keyless signature does not verify against the trusted root: ${why}`,
});

describe("an OCI attestation bundle made by cosign (public-good Fulcio and Rekor)", () => {
  const bundle = json("cosign/oci-attestation.sigstore.json");
  const trustedRootJson = text("cosign/trusted_root_pgi.json");

  test("verifies for the digest it names, with the signer's identity", async () => {
    const client = await registryWithBundle(COSIGN_SUBJECT, bundle);
    const v = await verifyOciArtifact({ client, digest: COSIGN_SUBJECT, trustedRootJson, identities: [{ issuer: `^${GITHUB_OAUTH}$`, subject: "^cody@soyland\\.com$" }] });
    expect(v).toEqual({ verified: true, method: "keyless", format: "bundle", signer: "cody@soyland.com", issuer: GITHUB_OAUTH });
  });

  test("is refused with a changed byte in the signed statement", async () => {
    const client = await registryWithBundle(COSIGN_SUBJECT, withAlteredPayload(bundle));
    const v = await verifyOciArtifact({ client, digest: COSIGN_SUBJECT, trustedRootJson });
    expect(v).toEqual(refused("InvalidSignature", "TLOG_BODY_ERROR DSSE payload hash mismatch"));
  });

  test("is refused for another digest, though the signature itself is genuine", async () => {
    const other = `sha256:${"0".repeat(64)}`;
    const client = await registryWithBundle(other, bundle);
    const v = await verifyOciArtifact({ client, digest: other, trustedRootJson });
    expect(v).toEqual({
      verified: false,
      reason: "DigestMismatch",
      message: `Cannot verify registry.example/repo@${other}: no Sigstore bundle verified: the signed statement names ${COSIGN_SUBJECT}, not ${other}`,
    });
  });

  test("is refused under a trusted root that does not hold its Fulcio CA", async () => {
    const client = await registryWithBundle(COSIGN_SUBJECT, bundle);
    const root = json("cosign/trusted_root_pgi.json");
    root.certificateAuthorities = json("sigstore-js/trusted_root.json").certificateAuthorities.map((ca: Record<string, any>) => ({
      ...ca,
      validFor: { start: "2021-01-01T00:00:00.000Z", end: "2022-01-01T00:00:00.000Z" },
    }));
    const v = await verifyOciArtifact({ client, digest: COSIGN_SUBJECT, trustedRootJson: JSON.stringify(root) });
    expect(v).toEqual(refused("InvalidSignature", "CERTIFICATE_ERROR Failed to verify certificate chain"));
  });

  test("is refused when the identity does not match", async () => {
    const client = await registryWithBundle(COSIGN_SUBJECT, bundle);
    const v = await verifyOciArtifact({ client, digest: COSIGN_SUBJECT, trustedRootJson, identities: [{ issuer: ".*", subject: "^someone@else\\.com$" }] });
    expect(v).toMatchObject({ verified: false, reason: "IdentityMismatch" });
  });
});

describe("message-signature bundles from sigstore-js's test suite", () => {
  const artifact = enc.encode(text("sigstore-js/artifact.txt"));
  const keyless = sigstoreKeyless(text("sigstore-js/trusted_root.json"));

  test.each(["v0.1", "v0.3"])("a %s bundle verifies over its artifact with sigstore-js's trusted root", async (version) => {
    const id = await keyless.verify(json(`sigstore-js/bundle-${version}-message-signature.json`), artifact);
    expect(id).toEqual({ subject: "brian@dehamer.com", issuer: GITHUB_OAUTH });
  });

  test.each(["v0.1", "v0.3"])("a %s bundle is refused over a changed artifact", async (version) => {
    const changed = enc.encode("hello, world?");
    await expect(keyless.verify(json(`sigstore-js/bundle-${version}-message-signature.json`), changed)).rejects.toThrow(
      /^the keyless signature does not verify against the trusted root: /,
    );
  });

  test("the public-good root shipped with the agent verifies the same bundle", async () => {
    const id = await sigstoreKeyless().verify(json("sigstore-js/bundle-v0.1-message-signature.json"), artifact);
    expect(id.subject).toBe("brian@dehamer.com");
  });
});

describe("a DSSE signature by a public key, from sigstore-js's test suite", () => {
  const bundle = json("sigstore-js/bundle-v0.1-dsse-public-key.json");
  const env = bundle.dsseEnvelope as { payload: string; payloadType: string; signatures: Array<{ sig: string }> };

  test("verifies with our key import, DER signature decoding and pre-authentication encoding", async () => {
    const key = await importPublicKeyPem(text("sigstore-js/key-1.pub"), "key-1");
    expect(key.algorithm).toBe("ecdsa-p256");
    const pae = preAuthEncoding(env.payloadType, base64Decode(env.payload));
    expect(await verifyWithKey(key, pae, base64Decode(env.signatures[0]!.sig))).toBe(true);
  });

  test("is refused over a changed payload or payload type", async () => {
    const key = await importPublicKeyPem(text("sigstore-js/key-1.pub"), "key-1");
    const sig = base64Decode(env.signatures[0]!.sig);
    expect(await verifyWithKey(key, preAuthEncoding(env.payloadType, enc.encode("hello, world?")), sig)).toBe(false);
    expect(await verifyWithKey(key, preAuthEncoding("text/html", base64Decode(env.payload)), sig)).toBe(false);
  });
});

describe("a DSSE bundle signed with a key by npm's registry (sigstore-go's example)", () => {
  const bundle = json("sigstore-go/bundle-publish.json");
  const keys = [{ name: "publish_key.pub", pem: text("sigstore-go/publish_key.pub") }];
  /** The npm tarball the publish attestation names (its in-toto subject). */
  const SUBJECT = "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751";

  test("verifies in key mode for the digest its statement names", async () => {
    const client = await registryWithBundle(SUBJECT, bundle);
    expect(await verifyOciArtifact({ client, digest: SUBJECT, keys })).toEqual({ verified: true, method: "key", format: "bundle", signer: "publish_key.pub" });
  });

  test("is refused with a changed byte in the statement, or with another key", async () => {
    const altered = await registryWithBundle(SUBJECT, withAlteredPayload(bundle));
    expect(await verifyOciArtifact({ client: altered, digest: SUBJECT, keys })).toEqual({
      verified: false,
      reason: "InvalidSignature",
      message: `Cannot verify registry.example/repo@${SUBJECT}: no Sigstore bundle verified: the signature does not verify with the key publish_key.pub`,
    });
    const other = [{ name: "key-1", pem: text("sigstore-js/key-1.pub") }];
    const client = await registryWithBundle(SUBJECT, bundle);
    expect(await verifyOciArtifact({ client, digest: SUBJECT, keys: other })).toMatchObject({ verified: false, reason: "InvalidSignature" });
  });
});

describe("a legacy .sig signature made by cosign sign with a key (Dangerzone's published image)", () => {
  const sigManifest = json("cosign-dangerzone/sig-manifest.json") as ImageManifest;
  const payload = fixtureBytes("cosign-dangerzone/payload.json");
  const keys = [{ name: "cosign.pub", pem: text("cosign-dangerzone/cosign.pub") }];
  /** The image the payload names: ghcr.io/freedomofpress/dangerzone/v1@sha256:7396…. */
  const IMAGE = "sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7";

  test("the payload is the blob cosign's manifest names (size and digest)", async () => {
    expect({ size: payload.length, digest: await sha256(payload) }).toEqual({ size: sigManifest.layers[0]!.size, digest: sigManifest.layers[0]!.digest });
  });

  test("verifies in key mode for the image it names", async () => {
    const client = await registryWithLegacy(IMAGE, sigManifest, payload);
    expect(await verifyOciArtifact({ client, digest: IMAGE, keys })).toEqual({ verified: true, method: "key", format: "legacy", signer: "cosign.pub" });
  });

  test("a genuine signature over another image's payload is a digest mismatch", async () => {
    const other = `sha256:${"1".repeat(64)}`;
    const client = await registryWithLegacy(other, sigManifest, payload);
    expect(await verifyOciArtifact({ client, digest: other, keys })).toEqual({
      verified: false,
      reason: "DigestMismatch",
      message: `Cannot verify registry.example/repo@${other}: no signature verified: the signed payload names ${IMAGE}, not ${other}`,
    });
  });

  test("is refused with a changed signature, a changed payload or another key", async () => {
    const sig = sigManifest.layers[0]!.annotations![ANNOTATION.signature]!;
    const flipped = structuredClone(sigManifest);
    flipped.layers[0]!.annotations![ANNOTATION.signature] = base64Encode(base64Decode(sig).map((b, i) => (i === 10 ? b ^ 1 : b)));
    expect(await verifyOciArtifact({ client: await registryWithLegacy(IMAGE, flipped, payload), digest: IMAGE, keys })).toEqual({
      verified: false,
      reason: "InvalidSignature",
      message: `Cannot verify registry.example/repo@${IMAGE}: no signature verified: the signature does not verify with the key cosign.pub`,
    });
    // A payload naming the same image differently (one byte), re-uploaded with a manifest that names it.
    const altered = payload.map((b, i) => (i === payload.length - 3 ? b ^ 1 : b));
    const renamed = structuredClone(sigManifest);
    renamed.layers[0]!.digest = await sha256(altered);
    expect(await verifyOciArtifact({ client: await registryWithLegacy(IMAGE, renamed, altered), digest: IMAGE, keys })).toEqual({
      verified: false,
      reason: "InvalidSignature",
      message: `Cannot verify registry.example/repo@${IMAGE}: no signature verified: the signature does not verify with the key cosign.pub`,
    });
    const other = [{ name: "publish_key.pub", pem: text("sigstore-go/publish_key.pub") }];
    expect(await verifyOciArtifact({ client: await registryWithLegacy(IMAGE, sigManifest, payload), digest: IMAGE, keys: other })).toMatchObject({
      verified: false,
      reason: "InvalidSignature",
    });
  });
});
