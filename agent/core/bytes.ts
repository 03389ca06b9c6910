/**
 * Byte helpers shared by the stages that assemble bodies from chunks (HTTP, packfiles, archives, keys)
 * or carry bytes as base64 text (registry auth, signatures, public keys).
 */

/** The chunks joined into one array; a single chunk is returned as it is, without copying. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Standard base64 of `bytes`, built in 32 KiB slices so large blobs do not overflow the argument list. */
export function base64Encode(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of standard base64 `text`; whitespace (as in PEM bodies) is ignored. */
export function base64Decode(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
