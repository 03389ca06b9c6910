/**
 * Ordering of resourceVersions. The API conventions call them opaque, but every etcd-backed server
 * hands out decimal numbers that grow with each write; caches use that to refuse stepping back to an
 * older copy (a watch event that trails the answer to our own write). Anything that is not a decimal
 * number never compares as older or newer.
 */
export function olderVersion(a: string | undefined, b: string | undefined): boolean {
  const x = a ?? "";
  const y = b ?? "";
  if (!/^\d+$/.test(x) || !/^\d+$/.test(y)) return false;
  return x.length !== y.length ? x.length < y.length : x < y;
}
