/**
 * Deterministic gzip for artifacts: the same input gives the same bytes on every runtime, because the
 * deflate is fflate's (pure JS) at the default level 6. Native zlib would be faster, but Bun, Deno and
 * Node each produce different deflate bytes (measured: three different digests for one input), and a
 * digest that depends on the runtime is useless for "did the artifact change". The header matches Go's
 * compress/gzip as Flux writes it: no name, mtime 0, XFL 0, OS 255 (unknown).
 */
import { Gzip } from "fflate";
import { concat } from "../core/bytes.ts";

export const DEFAULTS = {
  level: 6,
} as const;

/** A streaming gzip writer: push chunks, then `finish()` returns the whole compressed output. */
export class DeterministicGzip {
  private readonly out: Uint8Array[] = [];
  private readonly z: Gzip;
  private first = true;

  constructor() {
    this.z = new Gzip({ level: DEFAULTS.level, mtime: 0 }, (chunk) => {
      if (this.first) {
        this.first = false;
        chunk[9] = 255; // OS "unknown", as Go writes it (fflate writes 3, unix)
      }
      this.out.push(chunk);
    });
  }

  push(chunk: Uint8Array): void {
    if (chunk.length > 0) this.z.push(chunk, false);
  }

  finish(): Uint8Array {
    this.z.push(new Uint8Array(0), true);
    return concat(this.out);
  }
}

