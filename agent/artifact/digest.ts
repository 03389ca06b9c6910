/**
 * Artifact digests: `sha256:<hex>` over the compressed artifact bytes, the format Flux publishes in
 * `status.artifact.digest`. Hashing is streaming. The hash itself comes in as a factory so the runtime can
 * pass its native one (agent/runtime/native-digest.ts: node:crypto, measured 1.2-1.3 GB/s on Bun, Deno
 * and Node); without one, a whole buffer goes to WebCrypto (one shot, ~0.55 GB/s) and a stream to
 * hash-wasm's sha256 (WASM, ~0.15 GB/s). bench/artifact-digest.ts measures all three.
 */
import { createSHA256 } from "hash-wasm";

/** A streaming SHA-256. `hex()` may be called once, after the last `update`. */
export interface Sha256 {
  update(data: Uint8Array): void;
  hex(): string;
}

export type Sha256Factory = () => Sha256 | Promise<Sha256>;

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** The portable streaming fallback: hash-wasm's sha256. */
export const wasmSha256: Sha256Factory = async () => {
  const h = await createSHA256();
  h.init();
  return {
    update: (data) => void h.update(data),
    hex: () => h.digest("hex"),
  };
};

export type DigestInput = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** `sha256:<hex>` of the bytes, using `native` when the runtime passes one. */
export async function digestOf(input: DigestInput, native?: Sha256Factory): Promise<Digest> {
  if (!native && input instanceof Uint8Array && globalThis.crypto?.subtle) {
    const buf = await crypto.subtle.digest("SHA-256", input as Uint8Array<ArrayBuffer>);
    return `sha256:${toHex(new Uint8Array(buf))}`;
  }
  const h = await (native ?? wasmSha256)();
  if (input instanceof Uint8Array) h.update(input);
  else if (input instanceof ReadableStream) {
    const reader = input.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) h.update(r.value);
  } else if (Symbol.asyncIterator in input) for await (const c of input) h.update(c);
  else for (const c of input) h.update(c);
  return `sha256:${h.hex()}`;
}

/** Checks the `sha256:<64 lowercase hex>` form; throws a usage-grade error otherwise. */
export function parseDigest(s: string): Digest {
  if (!DIGEST_RE.test(s)) throw new Error(`Cannot use the digest "${s}": expected sha256:<64 lowercase hex digits>`);
  return s as Digest;
}

function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
