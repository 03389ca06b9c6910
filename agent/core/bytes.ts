/** Byte helpers shared by the stages that assemble bodies from chunks (HTTP, packfiles, archives, keys). */

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
