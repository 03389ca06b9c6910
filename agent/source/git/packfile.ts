/**
 * Reads a version 2 packfile (gitformat-pack) into a map from object id to object, as its bytes arrive:
 * entry headers (type and size as a varint), zlib-compressed bodies, OFS_DELTA (base at a negative offset)
 * and REF_DELTA (base by id) resolved against objects of the same pack, and the trailing SHA-1 checksum of
 * the whole pack. Every object's id is computed from its content here, so a corrupted object cannot hide:
 * it gets a different id and whatever refers to it (a ref, a commit, a tree) finds it missing.
 *
 * Streaming (`PackReader`): each chunk is parsed as far as it goes and then dropped, so the pack is never
 * held whole beside its objects. Only the bytes of the object being read are kept (with a native inflate,
 * from its start while its stream is shorter than `nativeWindow`, so it is inflated natively once whole;
 * otherwise from the start of its current deflate block, inflate.ts), plus the last 20 bytes received,
 * which may be the trailer. An OFS_DELTA is resolved as soon as it is read (its base came earlier); a
 * REF_DELTA waits for its base by id. A corrupted object is reported once the checksum has been checked
 * (a checksum mismatch is the better diagnosis and comes first, as it did when the whole pack was read
 * first); a limit is refused at once, so the download stops there. `parsePack` reads a pack held in memory
 * through the same reader.
 *
 * Limits (DEFAULTS): object count and total inflated bytes, so a hostile server cannot exhaust memory;
 * with `maxObjectBytes`, an object larger than that is refused from the size its header declares, before
 * it is inflated (a delta's result from the size its delta declares), so a 50 MB file is never held.
 * Thin packs are not requested, so a REF_DELTA base outside the pack is an error.
 */
import { applyDelta } from "./git-delta.ts";
import { continueInflate, startInflate, type InflateAt, type InflateProgress } from "./inflate.ts";
import { hexOf, objectId, type ObjectType, type Sha1, type Sha1Hasher } from "./object-id.ts";
import { exceeded, LimitError } from "../../core/limits.ts";

export const DEFAULTS = {
  maxObjects: 2_000_000,
  /** Sum of inflated object sizes (deltas resolved), 1 GiB. */
  maxInflatedBytes: 1024 * 1024 * 1024,
  /**
   * With a native inflate: a zlib stream cut by a chunk's end is held until it is whole and inflated natively
   * while it is shorter than this; a longer one is decoded resumably, block by block (inflate.ts).
   */
  nativeWindow: 64 * 1024,
} as const;

export interface GitObject {
  type: ObjectType;
  data: Uint8Array;
}

export interface ParsePackOptions {
  sha1: Sha1;
  /** A native inflate (agent/runtime) for objects wholly received; the portable decoder otherwise. */
  inflate?: InflateAt;
  maxObjects?: number;
  maxInflatedBytes?: number;
  /** Largest single object (a file); the artifact limits' maxFileSize. Unlimited when absent. */
  maxObjectBytes?: number;
  /** DEFAULTS.nativeWindow when absent. */
  nativeWindow?: number;
}

const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const TRAILER = 20;

type EntryType = ObjectType | "ofs-delta" | "ref-delta";

/** The object being read: its header, then its body (inflated whole or block by block). */
interface Current {
  offset: number;
  type: EntryType;
  size: number;
  baseOffset: number;
  baseId: string;
  /** Absolute offset of the zlib stream. */
  body: number;
  /** Absolute input offset at which the native inflate is tried again after a stream cut by a chunk's end. */
  nativeAt: number;
  progress?: InflateProgress;
}

/** A delta whose base has not been read yet. */
interface Waiting {
  offset: number;
  delta: Uint8Array;
  baseId: string;
}

/** Thrown for a pack that is not one at all (signature, version, count): reported at once. */
class HeaderError extends Error {}

function fail(msg: string): never {
  throw new Error(`Cannot read the packfile: ${msg}`);
}

/** Parses a whole pack held in memory. */
export function parsePack(pack: Uint8Array, options: ParsePackOptions): Map<string, GitObject> {
  const reader = new PackReader(options);
  reader.push(pack);
  return reader.end();
}

/** A packfile parsed chunk by chunk: `push` each chunk as it arrives, `end` for the objects. */
export class PackReader {
  readonly #sha1: Sha1;
  readonly #inflate: InflateAt | undefined;
  readonly #maxObjects: number;
  readonly #maxBytes: number;
  readonly #maxObject: number;
  readonly #nativeWindow: number;
  readonly #hasher: Sha1Hasher;
  /** Received bytes not yet dropped; `#buf[0]` is at absolute offset `#base`, `#len` bytes are valid. */
  #buf = new Uint8Array(0);
  #base = 0;
  #len = 0;
  #received = 0;
  #hashed = 0;
  /** Absolute offset of the next unread byte. */
  #at = 12;
  #count = -1;
  #read = 0;
  #total = 0;
  #current: Current | undefined;
  /** A corruption found while streaming, reported after the checksum. */
  #failed: Error | undefined;
  readonly #objects = new Map<string, GitObject>();
  /** Offsets of every entry read, to their object once resolved (undefined while a delta waits). */
  readonly #byOffset = new Map<number, GitObject | undefined>();
  readonly #waitingOnOffset = new Map<number, Waiting[]>();
  readonly #waitingOnId = new Map<string, Waiting[]>();
  /** REF_DELTAs still waiting, in pack order, for the error naming the first missing base. */
  readonly #refWaiting: Waiting[] = [];

  constructor(options: ParsePackOptions) {
    this.#sha1 = options.sha1;
    this.#inflate = options.inflate;
    this.#maxObjects = options.maxObjects ?? DEFAULTS.maxObjects;
    this.#maxBytes = options.maxInflatedBytes ?? DEFAULTS.maxInflatedBytes;
    this.#maxObject = options.maxObjectBytes ?? Infinity;
    this.#nativeWindow = options.nativeWindow ?? DEFAULTS.nativeWindow;
    this.#hasher = options.sha1.stream();
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** Bytes of the pack held now (the object being read and the possible trailer). */
  get held(): number {
    return this.#len;
  }

  /** Takes the next bytes of the pack and reads every object they complete. Throws on a limit or a non-pack. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#append(chunk);
    // Everything but the last 20 bytes is pack body (the last 20 may be the trailer): hash it now.
    const hashTo = this.#received - TRAILER;
    if (hashTo > this.#hashed) {
      this.#hasher.update(this.#buf.subarray(this.#hashed - this.#base, hashTo - this.#base));
      this.#hashed = hashTo;
    }
    if (this.#failed) return;
    try {
      this.#advance(false);
    } catch (err) {
      if (err instanceof LimitError || err instanceof HeaderError) throw err;
      this.#failed = err as Error;
      this.#current = undefined;
    }
  }

  /** After the last chunk: checks the trailer, finishes the last object, resolves waiting deltas. */
  end(): Map<string, GitObject> {
    if (this.#received < 32) fail("too short");
    const trailer = this.#buf.subarray(this.#len - TRAILER, this.#len);
    if (this.#hasher.digest() !== hexOf(trailer)) fail("checksum mismatch (the pack is corrupted or truncated)");
    if (this.#failed) throw this.#failed;
    this.#advance(true);
    const body = this.#received - TRAILER;
    if (this.#at !== body) fail(`${body - this.#at} unexpected bytes after the last object`);
    const missing = this.#refWaiting.find((w) => this.#byOffset.get(w.offset) === undefined);
    if (missing) fail(`delta base ${missing.baseId} is not in the pack`);
    return this.#objects;
  }

  #append(chunk: Uint8Array): void {
    // Keep what the object being read still needs and the last 20 bytes; drop the rest.
    // Once every object is read (or the pack is known to be corrupt), only the trailer matters.
    const c = this.#current;
    const done = this.#failed !== undefined || (this.#count >= 0 && this.#read === this.#count);
    // The object being read needs its input from its checkpoint (inflate.ts) or, before that, its start.
    const from = c ? (c.progress ? Math.floor(c.progress.bit / 8) : c.offset) : this.#at;
    const keep = Math.max(this.#base, done ? this.#received - TRAILER : Math.min(from, this.#received - TRAILER));
    const kept = this.#base + this.#len - keep;
    const need = kept + chunk.length;
    if (need > this.#buf.length) {
      const next = new Uint8Array(Math.max(need, this.#buf.length * 2, 64 * 1024));
      next.set(this.#buf.subarray(keep - this.#base, this.#len));
      this.#buf = next;
    } else if (keep > this.#base) this.#buf.copyWithin(0, keep - this.#base, this.#len);
    this.#buf.set(chunk, kept);
    this.#base = keep;
    this.#len = need;
    this.#received += chunk.length;
  }

  /** Reads objects as far as the bytes go; `final` after the last chunk (the trailer then ends the body). */
  #advance(final: boolean): void {
    if (this.#count < 0) {
      if (this.#received < 12) return;
      const b = this.#buf;
      if (b[0] !== 0x50 || b[1] !== 0x41 || b[2] !== 0x43 || b[3] !== 0x4b) throw new HeaderError('Cannot read the packfile: missing the "PACK" signature');
      const dv = new DataView(b.buffer, b.byteOffset, 12);
      const version = dv.getUint32(4);
      if (version !== 2 && version !== 3) throw new HeaderError(`Cannot read the packfile: unsupported version ${version}`);
      const count = dv.getUint32(8);
      if (count > this.#maxObjects) throw new HeaderError(`Cannot read the packfile: ${count} objects exceed the limit of ${this.#maxObjects}`);
      this.#count = count;
    }
    const body = this.#received - TRAILER;
    while (this.#read < this.#count) {
      if (!this.#current) {
        if (this.#at >= body) {
          if (final) fail(`truncated after ${this.#read} of ${this.#count} objects`);
          return;
        }
        const c = this.#header(body, final);
        if (!c) return;
        this.#current = c;
      }
      const data = this.#body(this.#current, final);
      if (!data) return;
      const c = this.#current;
      this.#current = undefined;
      this.#read++;
      this.#take(c, data);
    }
  }

  /** The entry header at `#at`, or undefined when its bytes have not all arrived. */
  #header(body: number, final: boolean): Current | undefined {
    const b = this.#buf;
    const offset = this.#at;
    let p = offset - this.#base;
    const end = body - this.#base;
    const short = (msg: string): undefined => (final ? fail(msg) : undefined);
    let c = b[p++]!;
    const typeNum = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) {
      if (shift > 49) fail(`bad object header at offset ${offset}`);
      if (p >= end) return short(`bad object header at offset ${offset}`);
      c = b[p++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let type: EntryType;
    let baseOffset = -1;
    let baseId = "";
    if (typeNum === 6) {
      type = "ofs-delta";
      if (p >= end && !final) return undefined;
      c = b[p++]!;
      let rel = c & 0x7f;
      while (c & 0x80) {
        if (rel > 2 ** 45) fail(`bad delta offset at offset ${offset}`);
        if (p >= end) return short(`bad delta offset at offset ${offset}`);
        c = b[p++]!;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      baseOffset = offset - rel;
      if (baseOffset < 12) fail(`delta base offset out of range at offset ${offset}`);
    } else if (typeNum === 7) {
      type = "ref-delta";
      if (p + 20 > end) return short(`truncated delta base id at offset ${offset}`);
      baseId = hexOf(b.subarray(p, p + 20));
      p += 20;
    } else {
      const t = TYPES[typeNum];
      if (!t) fail(`unknown object type ${typeNum} at offset ${offset}`);
      type = t;
    }
    if (size > this.#maxObject && type !== "ofs-delta" && type !== "ref-delta") throw exceeded("maxFileSize", `a ${type} in the commit`, size, this.#maxObject);
    this.#total += size;
    if (this.#total > this.#maxBytes) throw exceeded("maxArtifactSize", "the commit's content", undefined, this.#maxBytes);
    this.#byOffset.set(offset, undefined);
    return { offset, type, size, baseOffset, baseId, body: p + this.#base, nativeAt: 0 };
  }

  /**
   * The inflated body, or undefined until its bytes have arrived. While streaming only bytes before the
   * possible trailer are read; at the end the whole input, so a stream running into the trailer is caught.
   */
  #body(c: Current, final: boolean): Uint8Array | undefined {
    const input = this.#buf.subarray(0, final ? this.#len : this.#len - TRAILER);
    const inputEnd = this.#base + input.length;
    let data: Uint8Array;
    let end: number;
    try {
      if (!c.progress && this.#inflate) {
        // The common case: the whole stream is in hand; the native inflate takes it at once. A stream cut by
        // the chunk's end is tried again natively once more bytes are in (twice as many, so a long stream is
        // not inflated from its start on every chunk), and only a stream longer than `nativeWindow` goes to
        // the resumable decoder, which holds one block instead of the whole stream.
        if (!final && inputEnd < c.nativeAt) return undefined;
        try {
          const r = this.#inflate(input, c.body - this.#base, c.size);
          data = r.data;
          end = r.end + this.#base;
        } catch (err) {
          if (final) throw err;
          const have = inputEnd - c.body;
          if (have < this.#nativeWindow) {
            c.nativeAt = Math.min(c.body + 2 * Math.max(have, 512), c.body + this.#nativeWindow);
            return undefined;
          }
          c.progress = startInflate(c.size, c.body);
        }
      } else c.progress ??= startInflate(c.size, c.body);
      if (c.progress) {
        if (!final && inputEnd < c.progress.retryAt) return undefined;
        const done = continueInflate(c.progress, input, this.#base, !final);
        if (done === undefined) return undefined;
        data = c.progress.out;
        end = done;
      }
    } catch (err) {
      throw new Error(`Cannot read the packfile: object at offset ${c.offset}: ${(err as Error).message}`, { cause: err });
    }
    if (end! > this.#received - TRAILER) fail(`object at offset ${c.offset} runs into the checksum`);
    this.#at = end!;
    return data!;
  }

  /** A read entry: an object is kept; a delta is applied now when its base is known, else waits for it. */
  #take(c: Current, data: Uint8Array): void {
    if (c.type === "ofs-delta" || c.type === "ref-delta") {
      const w: Waiting = { offset: c.offset, delta: data, baseId: c.baseId };
      let base: GitObject | undefined;
      if (c.type === "ofs-delta") {
        if (!this.#byOffset.has(c.baseOffset)) fail(`no object at delta base offset ${c.baseOffset}`);
        base = this.#byOffset.get(c.baseOffset);
        if (!base) push(this.#waitingOnOffset, c.baseOffset, w);
      } else {
        base = this.#objects.get(c.baseId);
        if (!base) {
          push(this.#waitingOnId, c.baseId, w);
          this.#refWaiting.push(w);
        }
      }
      if (base) this.#resolved(c.offset, this.#applied(w, base));
    } else this.#resolved(c.offset, { type: c.type, data });
  }

  #applied(w: Waiting, base: GitObject): GitObject {
    let data: Uint8Array;
    try {
      data = applyDelta(base.data, w.delta);
    } catch (err) {
      throw new Error(`Cannot read the packfile: delta at offset ${w.offset}: ${(err as Error).message}`, { cause: err });
    }
    if (data.length > this.#maxObject) throw exceeded("maxFileSize", `a ${base.type} in the commit`, data.length, this.#maxObject);
    this.#total += data.length - w.delta.length;
    if (this.#total > this.#maxBytes) throw exceeded("maxArtifactSize", "the commit's content", undefined, this.#maxBytes);
    return { type: base.type, data };
  }

  /** Records an object and applies every delta that waited for it, and for those, iteratively. */
  #resolved(offset: number, obj: GitObject): void {
    const queue: Array<[number, GitObject]> = [[offset, obj]];
    for (let next = queue.pop(); next; next = queue.pop()) {
      const [at, o] = next;
      const id = objectId(this.#sha1, o.type, o.data);
      this.#byOffset.set(at, o);
      if (!this.#objects.has(id)) this.#objects.set(id, o);
      const waiters = [...take(this.#waitingOnOffset, at), ...take(this.#waitingOnId, id)];
      for (const w of waiters) queue.push([w.offset, this.#applied(w, o)]);
    }
  }
}

function push<K>(m: Map<K, Waiting[]>, key: K, w: Waiting): void {
  const list = m.get(key);
  if (list) list.push(w);
  else m.set(key, [w]);
}

function take<K>(m: Map<K, Waiting[]>, key: K): Waiting[] {
  const list = m.get(key);
  if (!list) return [];
  m.delete(key);
  return list;
}
