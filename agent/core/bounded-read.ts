/**
 * Reading a whole HTTP body without ever holding more than a cap: refused from its declared length
 * before any byte is read, otherwise read chunk by chunk and cancelled the moment it grows past the cap.
 * Every client and server here reads bodies this way; each words its own refusal and wraps read errors
 * (which propagate unchanged) in its own error type.
 */
import { concat } from "./bytes.ts";

/** The body's bytes, or "too large" when it says or turns out to be over `max` (the rest is not read). */
export async function readBounded(body: ReadableStream<Uint8Array> | null, contentLength: string | null, max: number): Promise<Uint8Array | "too large"> {
  if (Number(contentLength ?? "NaN") > max) {
    await body?.cancel().catch(() => {});
    return "too large";
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    total += r.value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return "too large";
    }
    chunks.push(r.value);
  }
  return concat(chunks);
}
