/**
 * The etag index of a bucket and the revision Flux derives from it, byte for byte, so a Bucket reconciled by
 * rivulet and by source-controller reports the same `status.artifact.revision` for the same content.
 *
 * Formula (source-controller `internal/index/digest.go`, reference/flux.md §2.1):
 *
 *     revision = "sha256:" + hex(sha256( concat over keys sorted by UTF-8 bytes of  key + " " + etag + "\n" ))
 *
 * - keys are full object keys (the prefix included), after the ignore rules and with "directory" keys
 *   (ending in "/") and the root `.sourceignore` left out;
 * - etags are as minio-go reports them: the ETag header/XML value with one leading and one trailing `"`
 *   removed (`"9a0364b9e99bb480dd25e1f0284c8555"` becomes `9a0364b9e99bb480dd25e1f0284c8555`);
 * - Go's `sort.Strings` orders by bytes, i.e. by code point, which differs from JavaScript's UTF-16 order
 *   for keys with characters above U+FFFF; `compareCodePoints` does the Go order;
 * - an empty bucket hashes the empty string.
 */

/** Object key -> etag (unquoted). */
export type BucketIndex = Map<string, string>;

/** Removes one pair of surrounding double quotes, as minio-go's trimEtag does. */
export function trimEtag(etag: string): string {
  let s = etag;
  if (s.startsWith('"')) s = s.slice(1);
  if (s.endsWith('"')) s = s.slice(0, -1);
  return s;
}

/** Orders strings by Unicode code point (= UTF-8 byte order, Go's string order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF, so they sort after E000-FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The index text Flux hashes: one `key etag\n` line per object, keys in Go string order. */
export function formatIndex(index: BucketIndex): string {
  const keys = [...index.keys()].sort(compareCodePoints);
  let out = "";
  for (const k of keys) out += `${k} ${index.get(k)}\n`;
  return out;
}

/** `sha256:<hex>` of the index text: the Bucket's artifact revision. */
export async function indexRevision(index: BucketIndex): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(formatIndex(index)));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
}
