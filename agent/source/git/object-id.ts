/**
 * Git object ids (SHA-1 repositories): the SHA-1 of `"<type> <size>\0" + content`. Hashing comes in as a
 * function so the runtime can pass its native SHA-1 (node:crypto); the portable default is hash-wasm's
 * SHA-1 (WASM, synchronous once created). SHA-256 repositories (object-format=sha256) are not supported.
 */
import { createSHA1 } from "hash-wasm";

/** SHA-1 over the concatenation of `parts`, as 40 lowercase hex digits. */
export type Sha1 = (parts: Uint8Array[]) => string;

export type ObjectType = "commit" | "tree" | "blob" | "tag";

const enc = new TextEncoder();

/** The portable SHA-1: hash-wasm, created once and reused (calls are synchronous). */
export async function createPortableSha1(): Promise<Sha1> {
  const h = await createSHA1();
  return (parts) => {
    h.init();
    for (const p of parts) h.update(p);
    return h.digest("hex");
  };
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
