/**
 * Gunzip with a hard cap on the output, enforced while inflating so a gzip bomb stops after at most
 * `maxOutput` bytes (plus one input slice's worth) instead of exhausting memory.
 *
 * Which path runs is the caller's choice (agent/runtime/native-gunzip.ts), made from bench/artifact.md
 * (2-core x86-64, shared and noisy, medians of 3; whole unpack into memory, ms):
 *
 *   runtime | node:zlib gunzipSync + maxOutputLength | fflate (this file, portable)
 *   bun     | 5,000 YAML: 84    100 MB file: 694      | 519   1800
 *   deno    |            106                 253      | 341    988
 *   node    |            127                 263      | 293    899
 *
 * so every runtime passes node:zlib (capped while inflating), and fflate (pure JS) remains for runtimes
 * without node:zlib. Bun.gunzipSync is not used: it has no output cap. fflate checks neither the gzip
 * trailer nor its CRC, so this file does both.
 */
import { Gunzip } from "fflate";
import { crc32 } from "./crc32.ts";

export type GunzipProblem = "too-large" | "truncated" | "corrupt";

export class GunzipError extends Error {
  readonly problem: GunzipProblem;
  constructor(problem: GunzipProblem, maxOutput: number, options?: { cause?: unknown }) {
    super(describe(problem, maxOutput), options);
    this.name = "GunzipError";
    this.problem = problem;
  }
}

/** A native gunzip: must throw GunzipError("too-large") before producing more than `maxOutput` bytes. */
export type NativeGunzip = (gz: Uint8Array, maxOutput: number) => Uint8Array;

export const DEFAULTS = {
  /** Input is fed to the inflater in slices this big, so the cap is checked at least this often. */
  sliceBytes: 16 * 1024,
} as const;

export function gunzip(gz: Uint8Array, maxOutput: number, native?: NativeGunzip): Uint8Array {
  if (native) return native(gz, maxOutput);
  return gunzipJs(gz, maxOutput);
}

/** The portable path: fflate's streaming inflater, fed in slices, checked against the cap as it goes. */
export function gunzipJs(gz: Uint8Array, maxOutput: number): Uint8Array {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new GunzipError(gz.length < 18 && gz[0] === 0x1f ? "truncated" : "corrupt", maxOutput);
  }
  // The trailer's ISIZE (size mod 2^32) is a hint for the first allocation, never trusted as a bound.
  const hint = gz[gz.length - 4]! | (gz[gz.length - 3]! << 8) | (gz[gz.length - 2]! << 16) | (gz[gz.length - 1]! << 24);
  let out = new Uint8Array(Math.min(Math.max(hint >>> 0, 64 * 1024), maxOutput + 1, 1 << 30));
  let size = 0;
  let members = 0;
  let crc = 0;
  const z = new Gunzip((chunk) => {
    if (size + chunk.length > maxOutput) throw new GunzipError("too-large", maxOutput);
    if (size + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(Math.max(out.length * 2, size + chunk.length), maxOutput));
      grown.set(out.subarray(0, size));
      out = grown;
    }
    out.set(chunk, size);
    size += chunk.length;
  });
  z.onmember = () => void members++; // called for each member after the first
  try {
    for (let at = 0; at < gz.length; at += DEFAULTS.sliceBytes) {
      const end = Math.min(at + DEFAULTS.sliceBytes, gz.length);
      z.push(gz.subarray(at, end), end === gz.length);
    }
  } catch (err) {
    if (err instanceof GunzipError) throw err;
    const msg = (err as Error)?.message ?? "";
    throw new GunzipError(/unexpected EOF/i.test(msg) ? "truncated" : "corrupt", maxOutput, { cause: err });
  }
  const result = out.subarray(0, size);
  // Multi-member streams have a trailer per member; the last one only covers the last member.
  if (members === 0) {
    const t = gz.length - 8;
    const storedCrc = (gz[t]! | (gz[t + 1]! << 8) | (gz[t + 2]! << 16) | (gz[t + 3]! << 24)) >>> 0;
    if ((hint >>> 0) !== size % 2 ** 32) throw new GunzipError("truncated", maxOutput);
    crc = crc32(result);
    if (crc !== storedCrc) throw new GunzipError("corrupt", maxOutput);
  }
  return result;
}

function describe(problem: GunzipProblem, maxOutput: number): string {
  switch (problem) {
    case "too-large":
      return `Cannot extract the tar archive: it inflates to more than ${maxOutput} bytes`;
    case "truncated":
      return "Cannot extract the tar archive: the gzip stream is truncated";
    case "corrupt":
      return "Cannot extract the tar archive: the gzip stream is corrupt";
  }
}
