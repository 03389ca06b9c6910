/**
 * The OCIRepository source: resolves `spec.ref` to a manifest digest, stops early when the digest is the
 * one already stored (no pull), lets the caller verify the digest before anything is downloaded, then pulls
 * the selected layer (checked against its digest while streaming) and, for `operation: extract`, unpacks
 * it into memory with the artifact safety rules (symlinks skipped, as Flux does for OCI layers).
 *
 * Revisions are Flux's: `<tag>@sha256:<hex>` for tag and semver refs, `sha256:<hex>` for digest refs.
 * Artifact metadata is the manifest's annotations. An index resolves to its linux/amd64 manifest, or to
 * its only manifest; the revision keeps the digest the ref resolved to (the index's), as Flux does.
 * Failures throw RivuletError: reason `OCIArtifactPullFailed` (registry, auth, digest) or
 * `OCIArtifactLayerOperationFailed` (no such layer, bad archive).
 */
import type { Fetch } from "../../core/fetch.ts";
import { TerminalError, TransientError } from "../../core/errors.ts";
import type { Sha256Factory } from "../../artifact/digest.ts";
import type { FileTree } from "../../artifact/file-tree.ts";
import type { NativeGunzip } from "../../artifact/gunzip.ts";
import { unpack } from "../../artifact/unpack.ts";
import { isIndex } from "./media-types.ts";
import { parseOciReference } from "./oci-reference.ts";
import type { RegistryCredentials } from "./registry-auth.ts";
import { RegistryClient, type Descriptor, type FetchedManifest, type ImageIndex, type ImageManifest, type Progress } from "./registry-client.ts";
import { pickSemverTag, refChoice, type OciRef } from "./select-tag.ts";

export const DEFAULTS = {
  platform: { os: "linux", architecture: "amd64" },
  /** Largest layer pulled (compressed). */
  maxLayerSize: 256 * 1024 * 1024,
  /** Largest unpacked layer (sum of entry sizes); Flux passes unlimited, we keep a cap. */
  maxUnpackedSize: 512 * 1024 * 1024,
} as const;

export interface LayerSelector {
  mediaType?: string;
  operation?: "extract" | "copy";
}

/** What the ref resolved to, before anything is pulled: enough to verify a signature. */
export interface ResolvedOciArtifact {
  client: RegistryClient;
  /** The digest the ref resolved to (an index's digest for multi-platform artifacts). */
  digest: string;
  revision: string;
  tag?: string;
}

export interface FetchOciArtifactOptions<V extends { verified: boolean } = { verified: boolean }> {
  /** `spec.url`: `oci://host[:port]/repository`. */
  url: string;
  ref?: OciRef;
  layerSelector?: LayerSelector;
  fetch: Fetch;
  credentials?: RegistryCredentials;
  /** Plain HTTP. */
  insecure?: boolean;
  /** The digest of the stored artifact's manifest: when the ref still resolves to it, nothing is pulled. */
  lastDigest?: string;
  /** Runs after resolving and before pulling; a `verified: false` verdict stops the fetch. */
  verify?: (resolved: ResolvedOciArtifact) => Promise<V>;
  signal?: AbortSignal;
  sha256?: Sha256Factory;
  gunzip?: NativeGunzip;
  maxLayerSize?: number;
  maxUnpackedSize?: number;
  onProgress?: Progress;
}

export type FetchOciArtifactResult<V> =
  | { status: "unchanged"; revision: string; digest: string }
  | { status: "unverified"; revision: string; digest: string; verification: V }
  | {
      status: "fetched";
      revision: string;
      digest: string;
      /** The manifest the layer came from (differs from `digest` when the ref named an index). */
      manifestDigest: string;
      /** Manifest annotations: `org.opencontainers.image.{source,revision,created}` and any other. */
      metadata: Record<string, string>;
      layer: { mediaType: string; digest: string; bytes: Uint8Array };
      operation: "extract" | "copy";
      /** The unpacked layer for `extract`. */
      files?: FileTree;
      verification?: V;
    };

const PULL = "OCIArtifactPullFailed";
const LAYER = "OCIArtifactLayerOperationFailed";

export async function fetchOciArtifact<V extends { verified: boolean }>(
  o: FetchOciArtifactOptions<V>,
): Promise<FetchOciArtifactResult<V>> {
  let ref;
  try {
    ref = parseOciReference(o.url);
  } catch (err) {
    throw new TerminalError("URLInvalid", (err as Error).message, { cause: err });
  }
  if (ref.tag || ref.digest) throw new TerminalError("URLInvalid", `Cannot use the URL "${o.url}": put the tag or digest in spec.ref, not in the URL`);
  const client = new RegistryClient({
    host: ref.host, repository: ref.repository, fetch: o.fetch, insecure: o.insecure,
    credentials: o.credentials, sha256: o.sha256, signal: o.signal,
  });
  const where = `${ref.host}/${ref.repository}`;
  const resolved = await pull(`resolve the artifact in ${where}`, () => resolve(client, o.ref, o.layerSelector?.mediaType));
  const { digest, revision } = resolved;
  if (o.lastDigest === digest) return { status: "unchanged", revision, digest };

  let verification: V | undefined;
  if (o.verify) {
    verification = await o.verify({ client, ...resolved });
    if (!verification.verified) return { status: "unverified", revision, digest, verification };
  }

  const manifest = await pull(`pull the manifest ${where}@${digest}`, () => imageManifest(client, digest));
  const layerDesc = selectLayer(manifest.json as ImageManifest, o.layerSelector, `${where}@${manifest.digest}`);
  const bytes = await pull(`pull the layer ${layerDesc.digest} of ${where}`, () =>
    client.getBlob(layerDesc, { maxSize: o.maxLayerSize ?? DEFAULTS.maxLayerSize, onProgress: o.onProgress }));
  const operation = o.layerSelector?.operation ?? "extract";
  let files: FileTree | undefined;
  if (operation === "extract") {
    try {
      files = await unpack(bytes, {
        maxSize: o.maxUnpackedSize ?? DEFAULTS.maxUnpackedSize, skipSymlinks: true, gunzip: o.gunzip, sha256: o.sha256,
      });
    } catch (err) {
      throw new TransientError(LAYER, `Cannot extract the layer ${layerDesc.digest} of ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    status: "fetched", revision, digest, manifestDigest: manifest.digest,
    metadata: { ...(manifest.json as ImageManifest).annotations },
    layer: { mediaType: layerDesc.mediaType, digest: layerDesc.digest, bytes },
    operation, files, verification,
  };
}

/**
 * The ref's digest and revision; tags are resolved with HEAD so an unchanged artifact costs one request.
 * `layerMediaType` (the layer selector's) tells how a semver range reads the tags.
 */
export async function resolve(client: RegistryClient, ociRef?: OciRef, layerMediaType?: string): Promise<{ digest: string; revision: string; tag?: string }> {
  const choice = refChoice(ociRef);
  if (choice.kind === "digest") {
    const head = await client.headManifest(choice.digest);
    if (!head) throw new Error(`the digest ${choice.digest} does not exist`);
    return { digest: choice.digest, revision: choice.digest };
  }
  let tag: string;
  if (choice.kind === "semver") {
    const tags = await client.listTags();
    const picked = pickSemverTag(tags, choice.range, choice.filter, layerMediaType);
    if (!picked) throw new Error(`no tag matches the semver range "${choice.range}"${choice.filter ? ` and the filter "${choice.filter}"` : ""}`);
    tag = picked;
  } else tag = choice.tag;
  const head = await client.headManifest(tag);
  if (!head) throw new Error(`the tag "${tag}" does not exist`);
  return { digest: head.digest, revision: `${tag}@${head.digest}`, tag };
}

/** The image manifest for a digest; an index is narrowed to linux/amd64 or its only entry. */
async function imageManifest(client: RegistryClient, digest: string): Promise<FetchedManifest> {
  const m = await client.getManifest(digest);
  if (!m) throw new Error(`the manifest ${digest} does not exist`);
  if (!isIndex(m.mediaType) && !("manifests" in m.json)) return m;
  const entries = (m.json as ImageIndex).manifests ?? [];
  const { os, architecture } = DEFAULTS.platform;
  const pick = entries.length === 1 ? entries[0] : entries.find((d) => d.platform?.os === os && d.platform?.architecture === architecture);
  if (!pick) throw new Error(`the index ${digest} has no ${os}/${architecture} manifest and more than one entry`);
  const inner = await client.getManifest(pick.digest);
  if (!inner || "manifests" in inner.json) throw new Error(`the index ${digest} names ${pick.digest}, which is not an image manifest`);
  return inner;
}

export function selectLayer(manifest: ImageManifest, selector: LayerSelector | undefined, where: string): Descriptor {
  const layers = manifest.layers ?? [];
  const found = selector?.mediaType ? layers.find((l) => l.mediaType === selector.mediaType) : layers[0];
  if (!found) {
    const why = selector?.mediaType ? `no layer has the media type "${selector.mediaType}"` : "it has no layers";
    throw new TransientError(LAYER, `Cannot select a layer of ${where}: ${why}`);
  }
  return found;
}

async function pull<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TerminalError || err instanceof TransientError) throw err;
    throw new TransientError(PULL, `Cannot ${what}: ${(err as Error).message}`, { cause: err });
  }
}
