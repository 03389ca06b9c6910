/**
 * Offline keyless fixtures (test-only): a fake Fulcio CA and a short-lived leaf certificate carrying a
 * SAN URI, the OIDC-issuer extensions and an embedded SCT from a fake CT log; a fake Rekor v1 entry (SET
 * plus a one-leaf inclusion proof and checkpoint); the matching `trusted_root.json`; and both cosign
 * forms for a manifest digest: legacy `.sig` layer annotations over a simple-signing payload, and a v0.3
 * DSSE bundle over an in-toto statement. Formats from reference/sigstore.md §4.
 */
import "./reflect-polyfill.ts";
import type * as X509 from "@peculiar/x509";
import nodeCrypto, { webcrypto } from "node:crypto";
import { json as sjson, X509Certificate } from "@sigstore/core";
import { inTotoStatement, preAuthEncoding, simpleSigningPayload, IN_TOTO_PAYLOAD_TYPE } from "../../agent/verify/cosign-claims.ts";

let loaded: typeof X509 | undefined;
/** Loaded lazily: Bun evaluates CommonJS dependencies before the polyfill import otherwise. */
async function x509Module(): Promise<typeof X509> {
  if (!loaded) {
    loaded = await import("@peculiar/x509");
    loaded.cryptoProvider.set(webcrypto as unknown as Crypto);
  }
  return loaded;
}

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString("base64");
const sha256 = (...parts: Uint8Array[]) => {
  const h = nodeCrypto.createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const uint = (n: number, bytes: number) => {
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(n, 0, bytes);
  return b;
};
const derLen = (n: number) => (n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 255]));

export interface KeylessFixture {
  trustedRoot: unknown;
  /** Annotations of a legacy `.sig` layer; its blob is `payload`. */
  legacy: { payload: Uint8Array; annotations: Record<string, string> };
  /** A v0.3 bundle (DSSE, in-toto statement). */
  bundle: unknown;
  san: string;
  issuer: string;
}

export async function keylessFixture(o: { digest: string; claimDigest?: string; san?: string; issuer?: string; reference?: string }): Promise<KeylessFixture> {
  const x509 = await x509Module();
  const now = new Date();
  const san = o.san ?? "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0";
  const issuer = o.issuer ?? "https://token.actions.githubusercontent.com";
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01", name: "CN=fake-fulcio,O=rivulet-test", keys: caKeys, signingAlgorithm: alg,
    notBefore: new Date(now.getTime() - 86400e3), notAfter: new Date(now.getTime() + 86400e3),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const issuerUtf8 = Buffer.concat([Buffer.from([0x0c]), derLen(Buffer.byteLength(issuer)), Buffer.from(issuer)]);
  const leafParams = {
    serialNumber: "02", subject: "", issuer: ca.subject, publicKey: leafKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg,
    notBefore: new Date(now.getTime() - 60e3), notAfter: new Date(now.getTime() + 600e3),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: san }], true),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      new x509.Extension("1.3.6.1.4.1.57264.1.1", false, Buffer.from(issuer)),
      new x509.Extension("1.3.6.1.4.1.57264.1.8", false, issuerUtf8),
    ] as X509.Extension[],
  };
  // The SCT signs the precertificate TBS (the leaf without the SCT extension), so build the leaf twice.
  const pre = await x509.X509CertificateGenerator.create(leafParams);
  const ct = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ctSpki = ct.publicKey.export({ type: "spki", format: "der" });
  const tbs = X509Certificate.parse(Buffer.from(pre.rawData)).tbsCertificate.toDER();
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(now.getTime()));
  const caSpki = nodeCrypto.KeyObject.from(caKeys.publicKey).export({ type: "spki", format: "der" });
  const signed = Buffer.concat([Buffer.from([0, 0]), ts, uint(1, 2), sha256(caSpki), uint(tbs.length, 3), tbs, uint(0, 2)]);
  const sctSig = nodeCrypto.sign("sha256", signed, ct.privateKey);
  const sct = Buffer.concat([Buffer.from([0]), sha256(ctSpki), ts, uint(0, 2), Buffer.from([4, 3]), uint(sctSig.length, 2), sctSig]);
  const list = Buffer.concat([uint(sct.length + 2, 2), uint(sct.length, 2), sct]);
  const octet = Buffer.concat([Buffer.from([0x04]), derLen(list.length), list]);
  const leaf = await x509.X509CertificateGenerator.create({
    ...leafParams, extensions: [...leafParams.extensions, new x509.Extension("1.3.6.1.4.1.11129.2.4.2", false, octet)],
  });
  const leafPriv = nodeCrypto.KeyObject.from(leafKeys.privateKey);
  const leafPem = leaf.toString("pem");
  const claim = o.claimDigest ?? o.digest;

  // Fake Rekor v1.
  const rekor = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const rekorSpki = rekor.publicKey.export({ type: "spki", format: "der" });
  const logID = sha256(rekorSpki);
  const integratedTime = Math.floor(now.getTime() / 1000);
  const entry = (body: Buffer) => {
    const set = nodeCrypto.sign("sha256", Buffer.from(sjson.canonicalize({ body: b64(body), integratedTime, logIndex: 0, logID: logID.toString("hex") })), rekor.privateKey);
    const rootHash = sha256(Buffer.from([0]), body);
    const note = `rekor.test - 1234\n1\n${b64(rootHash)}\n`;
    const noteSig = nodeCrypto.sign("sha256", Buffer.from(note), rekor.privateKey);
    const checkpoint = `${note}\n\u2014 rekor.test ${b64(Buffer.concat([logID.subarray(0, 4), noteSig]))}\n`;
    return { set, rootHash, checkpoint };
  };

  // Legacy: simple signing payload, hashedrekord entry.
  const payload = simpleSigningPayload(o.reference ?? "registry.test/app", claim);
  const signature = nodeCrypto.sign("sha256", payload, leafPriv);
  const hashedBody = Buffer.from(sjson.canonicalize({
    apiVersion: "0.0.1", kind: "hashedrekord",
    spec: { data: { hash: { algorithm: "sha256", value: sha256(payload).toString("hex") } }, signature: { content: b64(signature), publicKey: { content: b64(leafPem) } } },
  }));
  const le = entry(hashedBody);
  const annotations = {
    "dev.cosignproject.cosign/signature": b64(signature),
    "dev.sigstore.cosign/certificate": leafPem,
    "dev.sigstore.cosign/chain": ca.toString("pem"),
    "dev.sigstore.cosign/bundle": JSON.stringify({
      SignedEntryTimestamp: b64(le.set),
      Payload: { body: b64(hashedBody), integratedTime, logIndex: 0, logID: logID.toString("hex") },
    }),
  };

  // v3: DSSE over an in-toto statement, dsse entry.
  const statement = inTotoStatement(claim);
  const dsseSig = nodeCrypto.sign("sha256", preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement), leafPriv);
  const dsseBody = Buffer.from(sjson.canonicalize({
    apiVersion: "0.0.1", kind: "dsse",
    spec: { payloadHash: { algorithm: "sha256", value: sha256(statement).toString("hex") }, signatures: [{ signature: b64(dsseSig), verifier: b64(leafPem) }] },
  }));
  const de = entry(dsseBody);
  const bundle = {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: {
      certificate: { rawBytes: b64(new Uint8Array(leaf.rawData)) },
      tlogEntries: [{
        logIndex: "0", logId: { keyId: b64(logID) }, kindVersion: { kind: "dsse", version: "0.0.1" }, integratedTime: String(integratedTime),
        inclusionPromise: { signedEntryTimestamp: b64(de.set) },
        inclusionProof: { logIndex: "0", rootHash: b64(de.rootHash), treeSize: "1", hashes: [], checkpoint: { envelope: de.checkpoint } },
        canonicalizedBody: b64(dsseBody),
      }],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: { payload: b64(statement), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: b64(dsseSig), keyid: "" }] },
  };

  const start = new Date(now.getTime() - 86400e3).toISOString();
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{ baseUrl: "https://rekor.test", hashAlgorithm: "SHA2_256", publicKey: { rawBytes: b64(rekorSpki), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } }, logId: { keyId: b64(logID) } }],
    certificateAuthorities: [{ subject: { organization: "rivulet-test", commonName: "fake-fulcio" }, uri: "https://fulcio.test", certChain: { certificates: [{ rawBytes: b64(new Uint8Array(ca.rawData)) }] }, validFor: { start } }],
    ctlogs: [{ baseUrl: "https://ctfe.test", hashAlgorithm: "SHA2_256", publicKey: { rawBytes: b64(ctSpki), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } }, logId: { keyId: b64(sha256(ctSpki)) } }],
    timestampAuthorities: [],
  };
  return { trustedRoot, legacy: { payload, annotations }, bundle, san, issuer };
}
