/**
 * JSON Patch over plain objects as kustomize applies it: the semantics of its library (evanphx/json-patch
 * v4, which kustomize v5 uses), op by op, not RFC 6902's letter. Differences from the RFC that real
 * overlays rely on: `replace` of a missing object member adds it; array indexes may be negative (counted
 * from the end) and are read as integers ("01" is 1); `test` of a missing member passes when the value is
 * null; a path is split on "/" after its first segment. Operations run in order on a copy; the first
 * failing one aborts the whole patch with an error naming the operation.
 */
import { isObject } from "./resource.ts";

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => Array.isArray(v) || isObject(v);
const unescape = (s: string) => s.replaceAll("~1", "/").replaceAll("~0", "~");

/** The library reads array indexes with Go's strconv.Atoi; a negative one counts from the end. */
function arrayIndex(arr: unknown[], tok: string, forAdd: boolean): number {
  if (!/^[+-]?[0-9]+$/.test(tok)) throw new Error(`invalid array index "${tok}"`);
  const size = forAdd ? arr.length + 1 : arr.length;
  let i = Number(tok);
  if (i < 0) i += size;
  if (i < 0 || i >= size) throw new Error(`array index ${Number(tok)} out of range`);
  return i;
}

function child(c: Container, key: string): unknown {
  if (Array.isArray(c)) return c[arrayIndex(c, key, false)];
  return Object.hasOwn(c, key) ? c[key] : undefined;
}

/** The container holding the path's last segment, and that segment; throws when the way there is missing. */
function locate(doc: unknown, path: string): { parent: Container; key: string } {
  const parts = path.split("/");
  const fail = () => new Error(`path "${path}" does not exist`);
  if (parts.length < 2) throw fail();
  let cur = doc;
  for (const part of parts.slice(1, -1)) {
    if (!isContainer(cur)) throw fail();
    cur = child(cur, unescape(part));
  }
  if (!isContainer(cur)) throw fail();
  return { parent: cur, key: unescape(parts[parts.length - 1]!) };
}

function addAt(parent: Container, key: string, value: unknown): void {
  if (!Array.isArray(parent)) parent[key] = value;
  else if (key === "-") parent.push(value);
  else parent.splice(arrayIndex(parent, key, true), 0, value);
}

function removeAt(parent: Container, key: string, path: string): void {
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (Object.hasOwn(parent, key)) delete parent[key];
  else throw new Error(`path "${path}" does not exist`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** An absent `value` is JSON null to the library. */
const valueOf = (op: JsonPatchOp) => structuredClone(op.value === undefined ? null : op.value);

function applyOp(doc: unknown, op: JsonPatchOp): unknown {
  switch (op.op) {
    case "add": {
      const { parent, key } = locate(doc, op.path);
      addAt(parent, key, valueOf(op));
      return doc;
    }
    case "remove": {
      const { parent, key } = locate(doc, op.path);
      removeAt(parent, key, op.path);
      return doc;
    }
    case "replace": {
      if (op.path === "") {
        if (!isContainer(op.value)) throw new Error("replace operation value must be object or array");
        return valueOf(op);
      }
      const { parent, key } = locate(doc, op.path);
      // The library checks only that the parent exists (and, in a list, the index): a missing member is added.
      if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = valueOf(op);
      else parent[key] = valueOf(op);
      return doc;
    }
    case "move": {
      const from = op.from ?? "";
      const src = locate(doc, from);
      const v = child(src.parent, src.key);
      removeAt(src.parent, src.key, from);
      const dst = locate(doc, op.path);
      addAt(dst.parent, dst.key, v);
      return doc;
    }
    case "copy": {
      const from = op.from ?? "";
      const src = locate(doc, from);
      const v = child(src.parent, src.key);
      if (v === undefined) throw new Error(`path "${from}" does not exist`);
      const dst = locate(doc, op.path);
      addAt(dst.parent, dst.key, structuredClone(v));
      return doc;
    }
    case "test": {
      const want = op.value === undefined ? null : op.value;
      let got: unknown = doc;
      if (op.path !== "") {
        const { parent, key } = locate(doc, op.path);
        got = child(parent, key);
      }
      // A missing member passes a test for null, as in the library.
      if (got === undefined ? want !== null : !deepEqual(got, want)) throw new Error(`test failed at "${op.path}"`);
      return doc;
    }
    default:
      throw new Error(`unknown op "${String((op as { op: unknown }).op)}"`);
  }
}

/** Applies the operations to a deep copy of `doc` and returns the result. */
export function applyJsonPatch(doc: unknown, ops: JsonPatchOp[]): unknown {
  let out = structuredClone(doc);
  for (const [i, op] of ops.entries()) {
    try {
      if (!isObject(op) || typeof op.path !== "string") throw new Error("every operation needs op and path");
      out = applyOp(out, op);
    } catch (err) {
      throw new Error(`Cannot apply JSON patch operation ${i} (${op?.op} ${op?.path}): ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
