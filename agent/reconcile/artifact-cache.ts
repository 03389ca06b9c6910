/**
 * Unpacked artifacts by digest, so a Kustomization (or an include) does not re-read and re-unpack the
 * same artifact on every reconcile (Flux re-downloads and untars each time: reference/flux.md §5). The
 * digest is verified on the first unpack; entries are evicted least-recently-used past a byte budget, and
 * an artifact larger than the whole budget is not kept at all (it would pin its memory until the next one),
 * and an entry unused for DEFAULTS.idleMs is dropped, so the memory goes back after a burst.
 * Unpacking enforces the agent's artifact limits (core/limits.ts): the ones its sources stored it under,
 * so only an artifact stored before a limit was lowered is refused here.
 */
import type { FileTree } from "../artifact/file-tree.ts";
import { everyUnref } from "../core/every.ts";
import { unpack, type UnpackOptions } from "../artifact/unpack.ts";
import { TarIndexError } from "../artifact/tar-index.ts";
import { GunzipError } from "../artifact/gunzip.ts";
import { DEFAULTS as LIMITS, exceeded, type Limits } from "../core/limits.ts";
import type { Digest } from "../artifact/digest.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { Artifact } from "../api/common.ts";

export const DEFAULTS = {
  /** Sum of file sizes kept unpacked. */
  maxBytes: 64 * 1024 * 1024,
  /**
   * Entries unused this long are dropped: the cache serves a burst of Kustomizations on one artifact,
   * and holding it until the next burst kept up to maxBytes resident (bench/hostile-commits.md).
   */
  idleMs: 20_000,
};

export class ArtifactCache {
  #entries = new Map<string, { tree: FileTree; bytes: number; used: number }>();
  #sweeper: (() => void) | undefined;
  /** Entries dropped for being idle so far: work the memory trim counts as activity (so it collects after). */
  evictions = 0;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #every: (tick: () => void, ms: number) => () => void;
  #bytes = 0;
  readonly #store: Pick<ArtifactStore, "get">;
  readonly #unpackOptions: UnpackOptions;
  readonly #maxBytes: number;

  readonly #limits: Limits;

  constructor(
    store: Pick<ArtifactStore, "get">,
    opts: {
      unpack?: UnpackOptions;
      maxBytes?: number;
      limits?: Limits;
      idleMs?: number;
      /** Injectable for tests: the clock, and how the idle sweep is scheduled (an unref'd interval). */
      now?: () => number;
      every?: (tick: () => void, ms: number) => () => void;
    } = {},
  ) {
    this.#idleMs = opts.idleMs ?? DEFAULTS.idleMs;
    this.#now = opts.now ?? Date.now;
    this.#every = opts.every ?? everyUnref;
    this.#store = store;
    this.#limits = opts.limits ?? LIMITS;
    this.#unpackOptions = { ...opts.unpack, maxEntries: this.#limits.maxEntries, maxSize: this.#limits.maxArtifactSize, maxFileSize: this.#limits.maxFileSize };
    this.#maxBytes = opts.maxBytes ?? DEFAULTS.maxBytes;
  }

  /** The artifact's files; undefined when the store does not hold it (yet). */
  async tree(a: Pick<Artifact, "path" | "digest">): Promise<FileTree | undefined> {
    const key = a.digest;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, { ...hit, used: this.#now() });
      return hit.tree;
    }
    const gz = await this.#store.get(a.path);
    if (!gz) return undefined;
    const tree = await this.#unpack(gz, a.digest as Digest);
    let bytes = 0;
    for (const n of tree.values()) if (n.kind === "file") bytes += n.data.byteLength;
    if (bytes > this.#maxBytes) return tree;
    this.#entries.set(key, { tree, bytes, used: this.#now() });
    this.#bytes += bytes;
    this.#sweeper ??= this.#every(() => this.#sweep(), this.#idleMs / 2);
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || k === key) break;
      this.#entries.delete(k);
      this.#bytes -= v.bytes;
    }
    return tree;
  }

  /** Unpacks; the archive's own limit errors are reworded to name the limit and its flag. */
  async #unpack(gz: Uint8Array, digest: Digest): Promise<FileTree> {
    try {
      return await unpack(gz, { ...this.#unpackOptions, digest });
    } catch (err) {
      const l = this.#limits;
      if (err instanceof TarIndexError && err.problem === "too-many-entries") throw exceeded("maxEntries", "the artifact", undefined, l.maxEntries);
      if ((err instanceof TarIndexError || err instanceof GunzipError) && err.problem === "too-large") throw exceeded("maxArtifactSize", "the artifact", undefined, l.maxArtifactSize);
      throw err;
    }
  }

  /** Drops the entries unused for idleMs; stops sweeping once nothing is left. */
  #sweep(): void {
    const cutoff = this.#now() - this.#idleMs;
    for (const [k, v] of this.#entries) {
      if (v.used > cutoff) continue;
      this.#entries.delete(k);
      this.#bytes -= v.bytes;
      this.evictions++;
    }
    if (this.#entries.size === 0) {
      this.#sweeper?.();
      this.#sweeper = undefined;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
