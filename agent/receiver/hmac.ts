/**
 * HMAC over a request body with WebCrypto (portable), and the comparisons a signature check needs:
 * hex decoding as Go's encoding/hex accepts it (either case, even length) and a comparison whose time
 * does not depend on where the first difference is.
 */

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";

const WEB_NAMES: Record<HmacAlgorithm, string> = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" };

export async function hmac(algorithm: HmacAlgorithm, key: string, data: Uint8Array): Promise<Uint8Array> {
  // WebCrypto refuses an empty key; HMAC pads a short key with zero bytes, so one zero byte is the same key.
  const raw = key === "" ? new Uint8Array(1) : new TextEncoder().encode(key);
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: WEB_NAMES[algorithm] }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data as Uint8Array<ArrayBuffer>));
}

export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** The bytes of a hex string, or undefined when it is not hex (odd length or a non-hex digit). */
export function decodeHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Equal contents, compared in time that depends only on the lengths (as Go's hmac.Equal). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
