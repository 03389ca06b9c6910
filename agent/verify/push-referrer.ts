/**
 * Attaches a document to an artifact as an OCI 1.1 referrer: a manifest with `artifactType`, an empty
 * config, the document as its one layer and the artifact as its `subject`, also listed in the
 * `sha256-<hex>` referrers-tag index so registries without the referrers API (distribution 2.8) find it.
 * Signatures (Sigstore bundles) and SBOMs (CycloneDX) are attached this way.
 */
import { MEDIA } from "../source/oci/media-types.ts";
import { referrersTag, type Descriptor, type ImageIndex } from "../source/oci/registry-types.ts";
import type { RegistryWriter } from "./registry-port.ts";

export interface ReferrerOptions {
  /** The artifact's manifest digest. */
  subject: string;
  artifactType: string;
  document: Uint8Array;
  annotations?: Record<string, string>;
}

const EMPTY_CONFIG = new TextEncoder().encode("{}");

/** Pushes the referrer and returns its manifest digest. */
export async function pushReferrer(client: RegistryWriter, o: ReferrerOptions): Promise<string> {
  const subject = await client.headManifest(o.subject);
  if (!subject) throw new Error(`Cannot attach to ${client.host}/${client.repository}@${o.subject}: the manifest does not exist`);
  const blob = await client.pushBlob(o.document);
  const cfg = await client.pushBlob(EMPTY_CONFIG);
  const referrer = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest, artifactType: o.artifactType,
    config: { mediaType: MEDIA.ociEmpty, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: o.artifactType, digest: blob.digest, size: blob.size }],
    subject: { mediaType: subject.mediaType, digest: o.subject, size: subject.size },
    ...(o.annotations ? { annotations: o.annotations } : {}),
  }));
  const digest = await client.putManifest(await sha256Hex(referrer), referrer, MEDIA.ociManifest);
  const tag = referrersTag(o.subject);
  const existing = await client.getManifest(tag);
  const manifests: Descriptor[] = existing && "manifests" in existing.json ? [...((existing.json as ImageIndex).manifests ?? [])] : [];
  if (!manifests.some((m) => m.digest === digest)) {
    manifests.push({ mediaType: MEDIA.ociManifest, digest, size: referrer.length, artifactType: o.artifactType, ...(o.annotations ? { annotations: o.annotations } : {}) });
  }
  const index = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
  await client.putManifest(tag, index, MEDIA.ociIndex);
  return digest;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return `sha256:${[...h].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
