/**
 * Pushes a tar.gz as a Flux OCI artifact, the format `flux push artifact` writes: an OCI image manifest
 * whose config has media type `application/vnd.cncf.flux.config.v1+json` (the JSON of an empty image
 * config with the layer's diff id, as go-containerregistry writes it), one layer of type
 * `application/vnd.cncf.flux.content.v1.tar+gzip`, and the manifest annotations
 * `org.opencontainers.image.{created,source,revision}`. Also `tagArtifact` (re-tag a manifest by digest or
 * tag, the registry way: PUT the same bytes under a new tag).
 */
import { wasmSha256, type Sha256Factory } from "../../artifact/digest.ts";
import { gunzip, type NativeGunzip } from "../../artifact/gunzip.ts";
import { ANNOTATIONS, MEDIA } from "./media-types.ts";
import type { Progress, RegistryClient } from "./registry-client.ts";
import { formatTime } from "../../core/time.ts";

export const DEFAULTS = {
  /** Largest uncompressed tar hashed for the diff id. */
  maxTarSize: 1024 * 1024 * 1024,
} as const;

export interface PushArtifactOptions {
  tag: string;
  /** The artifact: a gzip-compressed tar (e.g. from agent/artifact/pack.ts). */
  layer: Uint8Array;
  /** The uncompressed tar's sha256 (the config's diff id); computed from the layer when unset. */
  diffId?: string;
  sha256?: Sha256Factory;
  gunzip?: NativeGunzip;
  source?: string;
  revision?: string;
  /** RFC 3339, second precision, UTC; now when unset. */
  created?: string;
  annotations?: Record<string, string>;
  onProgress?: (stage: "layer" | "config" | "manifest", done: number, total: number) => void;
}

export interface PushedArtifact {
  digest: string;
  layerDigest: string;
  size: number;
}

export async function pushArtifact(client: RegistryClient, o: PushArtifactOptions): Promise<PushedArtifact> {
  const diffId = o.diffId ?? (await sha256Of(gunzip(o.layer, DEFAULTS.maxTarSize, o.gunzip), o.sha256 ?? wasmSha256));
  const created = o.created ?? formatTime(new Date());
  const config = new TextEncoder().encode(
    JSON.stringify({
      architecture: "",
      created: "0001-01-01T00:00:00Z",
      history: [{ created: "0001-01-01T00:00:00Z" }],
      os: "",
      rootfs: { type: "layers", diff_ids: [diffId] },
      config: {},
    }),
  );
  const progress = (stage: "layer" | "config"): Progress | undefined =>
    o.onProgress && ((done, total) => o.onProgress!(stage, done, total));
  const layer = await client.pushBlob(o.layer, { onProgress: progress("layer") });
  const cfg = await client.pushBlob(config, { onProgress: progress("config") });
  const annotations: Record<string, string> = { [ANNOTATIONS.created]: created };
  if (o.source) annotations[ANNOTATIONS.source] = o.source;
  if (o.revision) annotations[ANNOTATIONS.revision] = o.revision;
  Object.assign(annotations, o.annotations);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.fluxConfig, size: cfg.size, digest: cfg.digest },
      layers: [{ mediaType: MEDIA.fluxContent, size: layer.size, digest: layer.digest }],
      annotations: sortKeys(annotations),
    }),
  );
  const digest = await client.putManifest(o.tag, manifest, MEDIA.ociManifest);
  o.onProgress?.("manifest", manifest.length, manifest.length);
  return { digest, layerDigest: layer.digest, size: manifest.length };
}

/** Points `newTag` at the manifest `from` (a tag or digest) names; returns the manifest digest. */
export async function tagArtifact(client: RegistryClient, from: string, newTag: string): Promise<string> {
  const m = await client.getManifest(from);
  if (!m) throw new Error(`Cannot tag ${client.host}/${client.repository}: "${from}" does not exist`);
  await client.putManifest(newTag, m.bytes, m.mediaType);
  return m.digest;
}

/** sha256 of bytes as `sha256:<hex>`, for diff ids. */
export async function sha256Of(bytes: Uint8Array, sha256: Sha256Factory): Promise<string> {
  const h = await sha256();
  h.update(bytes);
  return `sha256:${h.hex()}`;
}

export function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
