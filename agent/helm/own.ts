/**
 * Own-property access for maps whose keys come from charts and users. Values are plain objects, so a key
 * such as `__proto__`, `constructor` or `toString` must neither reach the prototype when written (an
 * assignment to `__proto__` would replace it) nor be found on it when read (`"toString" in {}` is true).
 */

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The own value at `key`, or undefined. */
export function getOwn<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets an own, enumerable property, `__proto__` included. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}
