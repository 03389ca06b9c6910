/**
 * Finds the cosign signatures attached to a manifest digest, the way cosign v3 and Flux do: Sigstore
 * bundles attached as referrers first (the referrers API, or the `sha256-<hex>` tag fallback that
 * distribution 2.8 needs), and only when there is none, the legacy `sha256-<hex>.sig` tag whose layers
 * are simple-signing payloads with the signature in annotations. A referrer counts as a bundle when its
 * layer's media type starts with `application/vnd.dev.sigstore.bundle` (cosign does not filter on the
 * predicate type, and neither do we: the statement's subject is what gets checked). Every blob is checked
 * against its digest while it streams.
 */
import { DigestMismatchError, type ImageManifest } from "../source/oci/registry-types.ts";
import type { RegistryReader } from "./registry-port.ts";
import { MEDIA } from "../source/oci/media-types.ts";

export const DEFAULTS = {
  /** Referrers inspected per digest; more are ignored (a registry could list thousands). */
  maxReferrers: 32,
  /** Signature layers read from one `.sig` manifest. */
  maxLegacyLayers: 32,
  /** Largest payload or bundle blob read. */
  maxBlobSize: 1024 * 1024,
} as const;

export interface LegacySignature {
  format: "legacy";
  payload: Uint8Array;
  annotations: Record<string, string>;
}

export interface BundleSignature {
  format: "bundle";
  /** The bundle JSON, parsed. */
  bundle: unknown;
  /** The referrer manifest that carried it. */
  referrer: string;
}

export interface FoundSignatures {
  signatures: Array<LegacySignature | BundleSignature>;
  /** Signatures that could not be read (e.g. a blob that does not match its digest). */
  problems: string[];
}

const BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle";

export async function findSignatures(client: RegistryReader, digest: string): Promise<FoundSignatures> {
  const problems: string[] = [];
  const bundles: BundleSignature[] = [];
  // Both lookups start at once: on registries without the referrers API the answer is usually the .sig tag,
  // and waiting for the referrers miss first costs a round trip.
  const sigManifest = client.getManifest(`${digest.replace(":", "-")}.sig`);
  sigManifest.catch(() => undefined);
  const referrers = (await client.referrers(digest)).slice(0, DEFAULTS.maxReferrers);
  for (const r of referrers) {
    if (r.artifactType && !r.artifactType.startsWith(BUNDLE_PREFIX)) continue;
    const m = await client.getManifest(r.digest);
    if (!m || "manifests" in m.json) continue;
    const layers = (m.json as ImageManifest).layers ?? [];
    if (layers.length !== 1 || !layers[0]!.mediaType.startsWith(BUNDLE_PREFIX)) continue;
    try {
      const bytes = await client.getBlob(layers[0]!, { maxSize: DEFAULTS.maxBlobSize });
      bundles.push({ format: "bundle", bundle: JSON.parse(new TextDecoder().decode(bytes)), referrer: r.digest });
    } catch (err) {
      problems.push(readProblem("bundle", r.digest, err));
    }
  }
  if (bundles.length > 0) return { signatures: bundles, problems };

  const legacy: LegacySignature[] = [];
  const sig = await sigManifest;
  if (sig && !("manifests" in sig.json)) {
    for (const layer of ((sig.json as ImageManifest).layers ?? []).slice(0, DEFAULTS.maxLegacyLayers)) {
      if (layer.mediaType !== MEDIA.cosignSimpleSigning) continue;
      try {
        const payload = await client.getBlob(layer, { maxSize: DEFAULTS.maxBlobSize });
        legacy.push({ format: "legacy", payload, annotations: layer.annotations ?? {} });
      } catch (err) {
        problems.push(readProblem("signature payload", layer.digest, err));
      }
    }
  }
  return { signatures: legacy, problems };
}

function readProblem(what: string, digest: string, err: unknown): string {
  if (err instanceof DigestMismatchError) return `the ${what} ${digest} was altered: ${err.message}`;
  if (err instanceof SyntaxError) return `the ${what} ${digest} is not JSON`;
  throw err;
}
