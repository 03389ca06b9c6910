/**
 * Signs an artifact the cosign way with a key, so users and tests can produce signatures without cosign.
 * `legacy`: a simple-signing payload layer (signature in the `dev.cosignproject.cosign/signature`
 * annotation) appended to the `sha256-<hex>.sig` manifest, as cosign v1/v2 do. `bundle`: a Sigstore v0.3
 * bundle (DSSE over an in-toto statement, `publicKey.hint`, no transparency log) pushed as a referrer,
 * as cosign v3 does, and listed in the `sha256-<hex>` referrers-tag index for registries without the
 * referrers API. The private key stays with the caller: `sign` gets the bytes and returns the signature.
 * No Rekor upload (the agent verifies key signatures without the log, as Flux does).
 */
import { MEDIA } from "../source/oci/media-types.ts";
import { base64Encode } from "../core/bytes.ts";
import { referrersTag, type Descriptor, type ImageManifest } from "../source/oci/registry-types.ts";
import { pushReferrer } from "./push-referrer.ts";
import type { RegistryWriter } from "./registry-port.ts";
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE, inTotoStatement, preAuthEncoding, simpleSigningPayload } from "./cosign-claims.ts";
import { formatTime } from "../core/time.ts";

export type SignFunction = (data: Uint8Array) => Promise<Uint8Array>;

export interface SignOciArtifactOptions {
  client: RegistryWriter;
  digest: string;
  sign: SignFunction;
  format?: "legacy" | "bundle";
  /** Written into the bundle's `verificationMaterial.publicKey.hint`. */
  keyHint?: string;
  /** The digest the signed claim names; only tests set it to something else. */
  claimDigest?: string;
  /** RFC 3339 creation time for the referrer's annotation; now when unset. */
  created?: string;
}

export interface SignResult {
  format: "legacy" | "bundle";
  /** Where the signature went: the `.sig` tag, or the referrer manifest's digest. */
  location: string;
}

export async function signOciArtifact(o: SignOciArtifactOptions): Promise<SignResult> {
  return (o.format ?? "legacy") === "legacy" ? signLegacy(o) : signBundle(o);
}

async function signLegacy(o: SignOciArtifactOptions): Promise<SignResult> {
  const { client } = o;
  const payload = simpleSigningPayload(`${client.host}/${client.repository}`, o.claimDigest ?? o.digest);
  const signature = base64Encode(await o.sign(payload));
  const blob = await client.pushBlob(payload);
  const tag = `${referrersTag(o.digest)}.sig`;
  const existing = await client.getManifest(tag);
  const layers: Descriptor[] = existing && !("manifests" in existing.json) ? [...((existing.json as ImageManifest).layers ?? [])] : [];
  const layer: Descriptor = {
    mediaType: MEDIA.cosignSimpleSigning, size: blob.size, digest: blob.digest,
    annotations: { "dev.cosignproject.cosign/signature": signature },
  };
  if (!layers.some((l) => l.digest === layer.digest && l.annotations?.["dev.cosignproject.cosign/signature"] === signature)) layers.push(layer);
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: "", created: "0001-01-01T00:00:00Z", history: layers.map(() => ({ created: "0001-01-01T00:00:00Z" })),
    os: "", rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) }, config: {},
  }));
  const cfg = await client.pushBlob(config);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, size: cfg.size, digest: cfg.digest }, layers,
  }));
  await client.putManifest(tag, manifest, MEDIA.ociManifest);
  return { format: "legacy", location: tag };
}

async function signBundle(o: SignOciArtifactOptions): Promise<SignResult> {
  const { client } = o;
  const subject = await client.headManifest(o.digest);
  if (!subject) throw new Error(`Cannot sign ${client.host}/${client.repository}@${o.digest}: the manifest does not exist`);
  const statement = inTotoStatement(o.claimDigest ?? o.digest);
  const sig = await o.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement));
  const bundle = new TextEncoder().encode(JSON.stringify({
    mediaType: MEDIA.sigstoreBundleV03,
    verificationMaterial: { publicKey: { hint: o.keyHint ?? "" }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: { payload: base64Encode(statement), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: base64Encode(sig), keyid: "" }] },
  }));
  const annotations = {
    "dev.sigstore.bundle.content": "dsse-envelope",
    "dev.sigstore.bundle.predicateType": COSIGN_SIGN_PREDICATE,
    "org.opencontainers.image.created": o.created ?? formatTime(new Date()),
  };
  const digest = await pushReferrer(client, { subject: o.digest, artifactType: MEDIA.sigstoreBundleV03, document: bundle, annotations });
  return { format: "bundle", location: digest };
}
