import "../runtime/sigstore-shim.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pushSmallArtifact, startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { keylessFixture } from "../../test/support/sigstore-fixtures.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import { verifyOciArtifact } from "./verify-oci-artifact.ts";

const enc = new TextEncoder();
let reg: TestRegistry;
let n = 0;

const artifact = () => pushSmallArtifact(reg, `keyless/app${++n}`);

/** Attaches a fixture's signature the way cosign does: a .sig tag (legacy) or a referrer (bundle). */
async function attach(client: RegistryClient, digest: string, size: number, fx: Awaited<ReturnType<typeof keylessFixture>>, format: "legacy" | "bundle") {
  const cfg = await client.pushBlob(enc.encode("{}"));
  if (format === "legacy") {
    const blob = await client.pushBlob(fx.legacy.payload);
    const m = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: MEDIA.cosignSimpleSigning, digest: blob.digest, size: blob.size, annotations: fx.legacy.annotations }] };
    await client.putManifest(`${digest.replace(":", "-")}.sig`, enc.encode(JSON.stringify(m)), MEDIA.ociManifest);
    return;
  }
  const blob = await client.pushBlob(enc.encode(JSON.stringify(fx.bundle)));
  const referrer = enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest, artifactType: MEDIA.sigstoreBundleV03,
    config: { mediaType: MEDIA.ociEmpty, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MEDIA.sigstoreBundleV03, digest: blob.digest, size: blob.size }],
    subject: { mediaType: MEDIA.ociManifest, digest, size },
  }));
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", referrer));
  const rd = `sha256:${[...h].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  await client.putManifest(rd, referrer, MEDIA.ociManifest);
  const index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociManifest, digest: rd, size: referrer.length, artifactType: MEDIA.sigstoreBundleV03 }] };
  await client.putManifest(digest.replace(":", "-"), enc.encode(JSON.stringify(index)), MEDIA.ociIndex);
}

beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
});

const ACME = [{ issuer: "^https://token\\.actions\\.githubusercontent\\.com$", subject: "^https://github\\.com/acme/app/" }];

for (const format of ["legacy", "bundle"] as const) {
  describe(`keyless cosign with an offline CA, ${format} format`, () => {
    test("a signature from a matching identity verifies", async () => {
      const { client, digest, size } = await artifact();
      const fx = await keylessFixture({ digest });
      await attach(client, digest, size, fx, format);
      const v = await verifyOciArtifact({ client, digest, identities: ACME, trustedRootJson: JSON.stringify(fx.trustedRoot) });
      expect(v).toEqual({ verified: true, method: "keyless", format, signer: fx.san, issuer: fx.issuer });
    });

    test("identities are OR-ed: the second entry may match", async () => {
      const { client, digest, size } = await artifact();
      const fx = await keylessFixture({ digest });
      await attach(client, digest, size, fx, format);
      const v = await verifyOciArtifact({
        client, digest, trustedRootJson: JSON.stringify(fx.trustedRoot),
        identities: [{ issuer: "gitlab", subject: ".*" }, ...ACME],
      });
      expect(v.verified).toBe(true);
    });

    test("a wrong identity is IdentityMismatch", async () => {
      const { client, digest, size } = await artifact();
      const fx = await keylessFixture({ digest, san: "https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main" });
      await attach(client, digest, size, fx, format);
      const v = await verifyOciArtifact({ client, digest, identities: ACME, trustedRootJson: JSON.stringify(fx.trustedRoot) });
      const what = format === "bundle" ? "Sigstore bundle" : "signature";
      expect(v).toEqual({
        verified: false, reason: "IdentityMismatch",
        message: `Cannot verify ${reg.host}/${client.repository}@${digest}: no ${what} verified: the certificate identity (subject "${fx.san}", issuer "${fx.issuer}") matches none of 1 matchOIDCIdentity entries`,
      });
    });

    test("a certificate from a CA outside the trusted root is InvalidSignature", async () => {
      const { client, digest, size } = await artifact();
      const fx = await keylessFixture({ digest });
      const other = await keylessFixture({ digest });
      await attach(client, digest, size, fx, format);
      const v = await verifyOciArtifact({ client, digest, identities: ACME, trustedRootJson: JSON.stringify(other.trustedRoot) });
      expect(v.verified === false && v.reason).toBe("InvalidSignature");
      expect(v.verified === false && v.message).toContain("the keyless signature does not verify against the trusted root");
    });

    test("a genuine signature naming another digest is DigestMismatch", async () => {
      const { client, digest, size } = await artifact();
      const other = `sha256:${"cd".repeat(32)}`;
      const fx = await keylessFixture({ digest, claimDigest: other });
      await attach(client, digest, size, fx, format);
      const v = await verifyOciArtifact({ client, digest, identities: ACME, trustedRootJson: JSON.stringify(fx.trustedRoot) });
      expect(v.verified === false && v.reason).toBe("DigestMismatch");
      expect(v.verified === false && v.message).toContain(`names ${other}, not ${digest}`);
    });
  });
}

test("the public-good root is the default and rejects a test CA", async () => {
  const { client, digest, size } = await artifact();
  const fx = await keylessFixture({ digest });
  await attach(client, digest, size, fx, "bundle");
  const v = await verifyOciArtifact({ client, digest, identities: ACME });
  expect(v.verified === false && v.reason).toBe("InvalidSignature");
});
