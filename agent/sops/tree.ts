/**
 * sops's document model: what every store reads a file into and writes back from. A branch is an
 * ordered list of items (keys keep their order, comments are items of their own), sequences are arrays
 * that may hold comments, and leaves keep sops's value types apart (a `bigint` is an int, a `number`
 * a float), because the type is part of every encrypted value and of the MAC.
 */

/** A comment line (without its `#`); `inline` when it sat after a value on the same line. */
export class Comment {
  constructor(
    readonly value: string,
    readonly inline = false,
  ) {}
}

/** A YAML timestamp, kept as Go's time.MarshalText prints it (RFC 3339, nanoseconds trimmed). */
export class SopsTime {
  constructor(readonly text: string) {}
}

/** A Go string that is not valid UTF-8 (a binary file's content): encrypted as `str`, kept byte for byte. */
export class BinaryString {
  constructor(readonly bytes: Uint8Array) {}
}

export type Scalar = string | bigint | number | boolean | SopsTime | BinaryString | Uint8Array | null;
export type TreeValue = Scalar | Comment | Branch | TreeValue[];

export interface TreeItem {
  key: string | Comment;
  value: TreeValue;
}

/** A mapping: items in document order. */
export class Branch {
  constructor(public items: TreeItem[] = []) {}

  get(key: string): TreeValue | undefined {
    return this.items.find((i) => i.key === key)?.value;
  }
}

export const isLeaf = (v: TreeValue): v is Scalar | Comment => !(v instanceof Branch) && !Array.isArray(v);

/** A plain JSON-like value (objects, arrays, strings, numbers, booleans, null) as a tree. */
export function treeFromPlain(v: unknown): TreeValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(treeFromPlain);
  if (typeof v === "number") return Number.isInteger(v) && Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return v;
  if (v instanceof Uint8Array) return v;
  if (typeof v === "object") return new Branch(Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: treeFromPlain(value) })));
  throw new Error(`Cannot hold a value of type ${typeof v} in a sops tree`);
}

/** The tree as plain values: ints as numbers (exact up to 2^53), comments dropped, times as text. */
export function plainFromTree(v: TreeValue): unknown {
  if (v instanceof Branch) {
    const out: Record<string, unknown> = {};
    // defineProperty, so a key named __proto__ stays a key.
    for (const i of v.items) {
      if (typeof i.key === "string") Object.defineProperty(out, i.key, { value: plainFromTree(i.value), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map(plainFromTree);
  if (typeof v === "bigint") return Number(v);
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof BinaryString) return new TextDecoder().decode(v.bytes);
  return v;
}
