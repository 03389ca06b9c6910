/**
 * The few Reflect metadata functions tsyringe (under @peculiar/x509) checks for at import time. Test-only:
 * the fixtures never use decorator metadata, so a WeakMap store is enough. Import before @peculiar/x509.
 */
const store = new WeakMap<object, Map<unknown, unknown>>();
const R = Reflect as unknown as Record<string, unknown>;
if (!R.getMetadata) {
  const bag = (t: object) => store.get(t) ?? (store.set(t, new Map()), store.get(t)!);
  R.defineMetadata = (k: unknown, v: unknown, t: object) => void bag(t).set(k, v);
  R.getMetadata = (k: unknown, t: object) => store.get(t)?.get(k);
  R.getOwnMetadata = R.getMetadata;
  R.hasMetadata = (k: unknown, t: object) => store.get(t)?.has(k) ?? false;
  R.metadata = (k: unknown, v: unknown) => (t: object) => void bag(t).set(k, v);
}
export {};
