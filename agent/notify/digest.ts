/** The hex digests the notifiers and the rate limiter compute over text (WebCrypto, portable). */
const enc = new TextEncoder();
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", enc.encode(text)));
}

export async function sha1Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-1", enc.encode(text)));
}

export async function hmacSha256Hex(key: string, text: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", k, enc.encode(text)));
}
