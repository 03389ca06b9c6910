/**
 * Git object ids (SHA-1 repositories): the SHA-1 of `"<type> <size>\0" + content`. Hashing comes in as a
 * function so the runtime can pass its native SHA-1 (node:crypto); the portable default is hash-wasm's
 * SHA-1 (WASM, synchronous once created). SHA-256 repositories (object-format=sha256) are not supported.
 */
import { createSHA1 } from "hash-wasm";

/** An incremental SHA-1 (a packfile's trailer is checked over bytes that arrive in chunks). */
export interface Sha1Hasher {
  update(data: Uint8Array): void;
  /** 40 lowercase hex digits; the hasher is spent afterwards. */
  digest(): string;
}

/** SHA-1 over the concatenation of `parts`, as 40 lowercase hex digits; `stream()` starts an incremental one. */
export interface Sha1 {
  (parts: Uint8Array[]): string;
  stream(): Sha1Hasher;
}

export type ObjectType = "commit" | "tree" | "blob" | "tag";

const enc = new TextEncoder();

/** The portable SHA-1: hash-wasm, created once and reused (calls are synchronous). */
export async function createPortableSha1(): Promise<Sha1> {
  const h = await createSHA1();
  const sha1 = (parts: Uint8Array[]): string => {
    h.init();
    for (const p of parts) h.update(p);
    return h.digest("hex");
  };
  // One WASM instance serves every hash: an incremental one saves its state between updates, so one-shot
  // object hashes can run in between (hash-wasm's save/load).
  const stream = (): Sha1Hasher => {
    h.init();
    let state = h.save();
    return {
      update(data) {
        h.load(state);
        h.update(data);
        state = h.save();
      },
      digest() {
        h.load(state);
        return h.digest("hex");
      },
    };
  };
  return Object.assign(sha1, { stream });
}

/** The id of an object with this type and content. */
export function objectId(sha1: Sha1, type: ObjectType, data: Uint8Array): string {
  return sha1([enc.encode(`${type} ${data.length}\0`), data]);
}

const HEX = /^[0-9a-f]{40}$/;

export function isObjectId(s: string): boolean {
  return HEX.test(s);
}

export function hexOf(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}
