/**
 * A fast hash of an object's canonical bytes (hash-wasm xxhash64, measured at 3.3-4.9 GB/s in DESIGN.md),
 * for change detection only: it is not a security boundary, an attacker who can write the object can
 * already change it. One hasher is created (WASM instantiation is async) and then hashes synchronously.
 */
import { createXXHash64, type IHasher } from "hash-wasm";
import { canonicalText } from "./canonical.ts";

export class ObjectHasher {
  #h: IHasher;

  private constructor(h: IHasher) {
    this.#h = h;
  }

  static async create(): Promise<ObjectHasher> {
    return new ObjectHasher(await createXXHash64());
  }

  /** xxhash64 of text, as 16 hex digits. */
  hashText(text: string): string {
    this.#h.init();
    // hash-wasm encodes strings as UTF-8 itself, without a TextEncoder allocation per object.
    this.#h.update(text);
    return this.#h.digest("hex");
  }

  /** Hash of the normalized, canonical JSON of a value (see canonical.ts). */
  hashObject(obj: unknown): string {
    return this.hashText(canonicalText(obj));
  }
}
