/**
 * The runtime's native gunzip, capped: node:zlib's gunzipSync with `maxOutputLength` stops inflating as
 * soon as the cap is passed (checked on Bun, Deno and Node: a 64 MiB bomb with a 1 MiB cap fails in
 * ~1-4 ms). Bun.gunzipSync is not used: it has no cap, and the only inputs where it is provably bounded
 * (smaller than cap / 1032, deflate's maximum ratio: ~100 KB for the 100 MiB default) are too small for
 * its speed to matter. The choice and its measurements are in agent/artifact/gunzip.ts and bench/artifact.md.
 */
import { gunzipSync } from "node:zlib";
import { GunzipError, type NativeGunzip } from "../artifact/gunzip.ts";

/** node:zlib, with the cap enforced while inflating. */
export const zlibGunzip: NativeGunzip = (gz, maxOutput) => {
  try {
    const out = gunzipSync(gz, { maxOutputLength: Math.max(1, Math.min(maxOutput, 2 ** 32)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw mapError(err, maxOutput);
  }
};

/** The fastest measured capped gunzip: node:zlib on Bun, Deno and Node alike. */
export function nativeGunzip(): NativeGunzip {
  return zlibGunzip;
}

function mapError(err: unknown, maxOutput: number): GunzipError {
  const code = (err as { code?: string })?.code;
  if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) return new GunzipError("too-large", maxOutput, { cause: err });
  if (code === "Z_BUF_ERROR" || /unexpected end/i.test(String((err as Error)?.message))) {
    return new GunzipError("truncated", maxOutput, { cause: err });
  }
  return new GunzipError("corrupt", maxOutput, { cause: err });
}
