/**
 * Reads a version 2 packfile (gitformat-pack) into a map from object id to object: entry headers (type
 * and size as a varint), zlib-compressed bodies, OFS_DELTA (base at a negative offset) and REF_DELTA (base
 * by id) resolved against objects of the same pack, and the trailing SHA-1 checksum of the whole pack.
 * Every object's id is computed from its content here, so a corrupted object cannot hide: it gets a
 * different id and whatever refers to it (a ref, a commit, a tree) finds it missing.
 *
 * Limits (DEFAULTS): object count and total inflated bytes, so a hostile server cannot exhaust memory;
 * with `maxObjectBytes`, an object larger than that is refused from the size its header declares, before
 * it is inflated (a delta's result from the size its delta declares), so a 50 MB file is never held.
 * Thin packs are not requested, so a REF_DELTA base outside the pack is an error.
 */
import { applyDelta } from "./git-delta.ts";
import { inflateAt as portableInflate, type InflateAt } from "./inflate.ts";
import { hexOf, objectId, type ObjectType, type Sha1 } from "./object-id.ts";
import { exceeded } from "../../core/limits.ts";

export const DEFAULTS = {
  maxObjects: 2_000_000,
  /** Sum of inflated object sizes (deltas resolved), 1 GiB. */
  maxInflatedBytes: 1024 * 1024 * 1024,
} as const;

export interface GitObject {
  type: ObjectType;
  data: Uint8Array;
}

export interface ParsePackOptions {
  sha1: Sha1;
  /** A native inflate (agent/runtime); defaults to the portable one in inflate.ts. */
  inflate?: InflateAt;
  maxObjects?: number;
  maxInflatedBytes?: number;
  /** Largest single object (a file); the artifact limits' maxFileSize. Unlimited when absent. */
  maxObjectBytes?: number;
}

const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };

interface Entry {
  offset: number;
  type: ObjectType | "ofs-delta" | "ref-delta";
  data: Uint8Array | undefined;
  baseOffset: number;
  baseId: string;
  /** Set once resolved. */
  resolved?: GitObject;
  id?: string;
}

function fail(msg: string): never {
  throw new Error(`Cannot read the packfile: ${msg}`);
}

export function parsePack(pack: Uint8Array, options: ParsePackOptions): Map<string, GitObject> {
  const inflate = options.inflate ?? portableInflate;
  const maxObjects = options.maxObjects ?? DEFAULTS.maxObjects;
  const maxBytes = options.maxInflatedBytes ?? DEFAULTS.maxInflatedBytes;
  const maxObject = options.maxObjectBytes ?? Infinity;
  if (pack.length < 32) fail("too short");
  if (pack[0] !== 0x50 || pack[1] !== 0x41 || pack[2] !== 0x43 || pack[3] !== 0x4b) fail('missing the "PACK" signature');
  const dv = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  const version = dv.getUint32(4);
  if (version !== 2 && version !== 3) fail(`unsupported version ${version}`);
  const count = dv.getUint32(8);
  if (count > maxObjects) fail(`${count} objects exceed the limit of ${maxObjects}`);
  const body = pack.length - 20;
  const checksum = options.sha1([pack.subarray(0, body)]);
  if (checksum !== hexOf(pack.subarray(body))) fail("checksum mismatch (the pack is corrupted or truncated)");

  let total = 0;
  const entries: Entry[] = new Array(count);
  const byOffset = new Map<number, number>();
  let p = 12;
  for (let i = 0; i < count; i++) {
    if (p >= body) fail(`truncated after ${i} of ${count} objects`);
    const offset = p;
    let c = pack[p++]!;
    const typeNum = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) {
      if (p >= body || shift > 49) fail(`bad object header at offset ${offset}`);
      c = pack[p++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let type: Entry["type"];
    let baseOffset = -1;
    let baseId = "";
    if (typeNum === 6) {
      type = "ofs-delta";
      c = pack[p++]!;
      let rel = c & 0x7f;
      while (c & 0x80) {
        if (p >= body || rel > 2 ** 45) fail(`bad delta offset at offset ${offset}`);
        c = pack[p++]!;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      baseOffset = offset - rel;
      if (baseOffset < 12) fail(`delta base offset out of range at offset ${offset}`);
    } else if (typeNum === 7) {
      type = "ref-delta";
      if (p + 20 > body) fail(`truncated delta base id at offset ${offset}`);
      baseId = hexOf(pack.subarray(p, p + 20));
      p += 20;
    } else {
      const t = TYPES[typeNum];
      if (!t) fail(`unknown object type ${typeNum} at offset ${offset}`);
      type = t;
    }
    if (size > maxObject && type !== "ofs-delta" && type !== "ref-delta") throw exceeded("maxFileSize", `a ${type} in the commit`, size, maxObject);
    total += size;
    if (total > maxBytes) throw exceeded("maxArtifactSize", "the commit's content", undefined, maxBytes);
    let inflated;
    try {
      inflated = inflate(pack, p, size);
    } catch (err) {
      throw new Error(`Cannot read the packfile: object at offset ${offset}: ${(err as Error).message}`, { cause: err });
    }
    if (inflated.end > body) fail(`object at offset ${offset} runs into the checksum`);
    p = inflated.end;
    entries[i] = { offset, type, data: inflated.data, baseOffset, baseId };
    byOffset.set(offset, i);
  }
  if (p !== body) fail(`${body - p} unexpected bytes after the last object`);

  const objects = new Map<string, GitObject>();
  const resolve = (e: Entry, depth: number): GitObject | undefined => {
    if (e.resolved) return e.resolved;
    if (depth > 10_000) fail("delta chain too deep");
    let obj: GitObject;
    if (e.type === "ofs-delta" || e.type === "ref-delta") {
      let base: GitObject | undefined;
      if (e.type === "ofs-delta") {
        const bi = byOffset.get(e.baseOffset);
        if (bi === undefined) fail(`no object at delta base offset ${e.baseOffset}`);
        base = resolve(entries[bi]!, depth + 1);
      } else base = objects.get(e.baseId);
      if (!base) return undefined;
      let data: Uint8Array;
      try {
        data = applyDelta(base.data, e.data!);
      } catch (err) {
        throw new Error(`Cannot read the packfile: delta at offset ${e.offset}: ${(err as Error).message}`, { cause: err });
      }
      if (data.length > maxObject) throw exceeded("maxFileSize", `a ${base.type} in the commit`, data.length, maxObject);
      total += data.length - e.data!.length;
      if (total > maxBytes) throw exceeded("maxArtifactSize", "the commit's content", undefined, maxBytes);
      obj = { type: base.type, data };
    } else obj = { type: e.type, data: e.data! };
    e.data = undefined;
    e.resolved = obj;
    e.id = objectId(options.sha1, obj.type, obj.data);
    objects.set(e.id, obj);
    return obj;
  };

  let pending = entries.filter((e) => !resolve(e, 0));
  // REF_DELTA bases may come later in the pack or be deltas themselves: resolve until nothing moves.
  while (pending.length > 0) {
    const next = pending.filter((e) => !resolve(e, 0));
    if (next.length === pending.length) fail(`delta base ${next[0]!.baseId} is not in the pack`);
    pending = next;
  }
  return objects;
}
