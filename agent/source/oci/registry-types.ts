/**
 * The OCI distribution vocabulary: the documents a registry serves (descriptors, manifests, indexes), its
 * errors, and the referrers-tag naming rule. Plain types and no I/O, so verify/ can speak it without the
 * client.
 */

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  json: ImageManifest | ImageIndex;
}

export type Progress = (done: number, total: number) => void;

/** An HTTP-level failure, with the registry's error code when it sent one. */
export class RegistryError extends Error {
  readonly status: number;
  readonly code?: string;
  constructor(message: string, status: number, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryError";
    this.status = status;
    this.code = code;
  }
}

/** A blob or manifest whose bytes do not hash to the digest that named it. */
export class DigestMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DigestMismatchError";
  }
}

/** The tag the OCI 1.1 referrers fallback uses for a digest: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(":", "-");
}
