/**
 * What verify/ needs from an OCI registry, and no more: reading manifests, blobs and referrers to find
 * signatures, and (for signing) pushing them. source/oci's RegistryClient implements both; verify/ never
 * imports the client, so verification can be tested with a fake and the client can change its transport
 * without touching verification. The documents and errors are the distribution vocabulary of
 * source/oci/registry-types.ts (plain types, no I/O).
 */
import type { Descriptor, FetchedManifest, Progress } from "../source/oci/registry-types.ts";

/** Reads what a digest's signatures are made of. */
export interface RegistryReader {
  /** Where the artifact lives, for messages: `host/repository@digest`. */
  readonly host: string;
  readonly repository: string;
  /** A manifest by tag or digest; undefined when the registry has none. */
  getManifest(reference: string): Promise<FetchedManifest | undefined>;
  /** A blob, checked against its digest while it streams (rejects with DigestMismatchError). */
  getBlob(desc: Pick<Descriptor, "digest" | "size">, o?: { maxSize?: number; onProgress?: Progress }): Promise<Uint8Array>;
  /** The referrers of a digest (the OCI 1.1 API or its tag fallback). */
  referrers(digest: string): Promise<Descriptor[]>;
}

/** Also writes signatures next to an artifact. */
export interface RegistryWriter extends RegistryReader {
  headManifest(reference: string): Promise<{ digest: string; mediaType: string; size: number } | undefined>;
  putManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string>;
  pushBlob(bytes: Uint8Array, o?: { onProgress?: Progress }): Promise<{ digest: string; size: number }>;
}
