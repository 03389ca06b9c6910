/**
 * The runtime's native gunzip, capped: node:zlib's gunzipSync with `maxOutputLength` stops inflating as
 * soon as the cap is passed (checked on Bun, Deno and Node: a 64 MiB bomb with a 1 MiB cap fails in
 * ~1-4 ms). Bun.gunzipSync has no cap, so on Bun it is used only when the input is too small to inflate
 * past the cap (deflate cannot expand more than 1032:1). The choice and its measurements are in
 * agent/artifact/gunzip.ts and bench/artifact.md.
 */
import { gunzipSync } from "node:zlib";
import { GunzipError, type NativeGunzip } from "../artifact/gunzip.ts";

const MAX_DEFLATE_RATIO = 1032;

interface BunGlobal {
  gunzipSync(data: Uint8Array): Uint8Array;
}

/** node:zlib, with the cap enforced while inflating. */
export const zlibGunzip: NativeGunzip = (gz, maxOutput) => {
  try {
    const out = gunzipSync(gz, { maxOutputLength: Math.max(1, Math.min(maxOutput, 2 ** 32)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw mapError(err, maxOutput);
  }
};

/** Bun.gunzipSync where it is provably bounded, node:zlib otherwise. */
export const bunGunzip: NativeGunzip = (gz, maxOutput) => {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (!bun || gz.length * MAX_DEFLATE_RATIO > maxOutput) return zlibGunzip(gz, maxOutput);
  try {
    return bun.gunzipSync(gz);
  } catch {
    // Bun says only "Zlib returned an error"; node:zlib names the problem (truncated or corrupt).
    return zlibGunzip(gz, maxOutput);
  }
};

/** The fastest measured capped gunzip for the runtime this runs on. */
export function nativeGunzip(): NativeGunzip {
  return (globalThis as { Bun?: unknown }).Bun ? bunGunzip : zlibGunzip;
}

function mapError(err: unknown, maxOutput: number): GunzipError {
  const code = (err as { code?: string })?.code;
  if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) return new GunzipError("too-large", maxOutput, { cause: err });
  if (code === "Z_BUF_ERROR" || /unexpected end/i.test(String((err as Error)?.message))) {
    return new GunzipError("truncated", maxOutput, { cause: err });
  }
  return new GunzipError("corrupt", maxOutput, { cause: err });
}
