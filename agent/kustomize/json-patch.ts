/**
 * JSON Patch (RFC 6902) over plain objects: add, remove, replace, move, copy and test, with JSON Pointer
 * paths (RFC 6901, `~0` and `~1` escapes, `-` to append). Operations run in order on a copy; the first
 * failing one aborts the whole patch with an error naming the operation.
 */
import { isObject } from "./resource.ts";

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(ptr: string): string[] {
  if (ptr === "") return [];
  if (!ptr.startsWith("/")) throw new Error(`invalid JSON pointer "${ptr}"`);
  return ptr.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function index(arr: unknown[], tok: string, forAdd: boolean): number {
  if (tok === "-" && forAdd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new Error(`invalid array index "${tok}"`);
  const i = Number(tok);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`array index ${i} out of range`);
  return i;
}

function parentOf(doc: unknown, toks: string[], ptr: string): unknown {
  let cur = doc;
  for (const t of toks.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, false)];
    else if (isObject(cur) && t in cur) cur = cur[t];
    else throw new Error(`path "${ptr}" does not exist`);
  }
  return cur;
}

function get(doc: unknown, ptr: string): unknown {
  let cur = doc;
  for (const t of parsePointer(ptr)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, false)];
    else if (isObject(cur) && t in cur) cur = cur[t];
    else throw new Error(`path "${ptr}" does not exist`);
  }
  return cur;
}

function add(doc: unknown, ptr: string, value: unknown): unknown {
  const toks = parsePointer(ptr);
  if (toks.length === 0) return value;
  const parent = parentOf(doc, toks, ptr);
  const last = toks[toks.length - 1]!;
  if (Array.isArray(parent)) parent.splice(index(parent, last, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new Error(`path "${ptr}" does not exist`);
  return doc;
}

function remove(doc: unknown, ptr: string): unknown {
  const toks = parsePointer(ptr);
  const parent = parentOf(doc, toks, ptr);
  const last = toks[toks.length - 1]!;
  if (Array.isArray(parent)) parent.splice(index(parent, last, false), 1);
  else if (isObject(parent) && last in parent) delete parent[last];
  else throw new Error(`path "${ptr}" does not exist`);
  return doc;
}

/** Applies the operations to a deep copy of `doc` and returns the result. */
export function applyJsonPatch(doc: unknown, ops: JsonPatchOp[]): unknown {
  let out = structuredClone(doc);
  for (const [i, op] of ops.entries()) {
    try {
      if (!isObject(op) || typeof op.path !== "string") throw new Error("every operation needs op and path");
      switch (op.op) {
        case "add":
          out = add(out, op.path, structuredClone(op.value));
          break;
        case "remove":
          out = remove(out, op.path);
          break;
        case "replace":
          get(out, op.path);
          out = add(remove(out, op.path), op.path, structuredClone(op.value));
          break;
        case "move": {
          const v = get(out, op.from ?? "");
          out = add(remove(out, op.from ?? ""), op.path, v);
          break;
        }
        case "copy":
          out = add(out, op.path, structuredClone(get(out, op.from ?? "")));
          break;
        case "test":
          if (JSON.stringify(get(out, op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at "${op.path}"`);
          break;
        default:
          throw new Error(`unknown op "${String((op as { op: unknown }).op)}"`);
      }
    } catch (err) {
      throw new Error(`Cannot apply JSON patch operation ${i} (${op?.op} ${op?.path}): ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
