/**
 * Unpacked artifacts by digest, so a Kustomization (or an include) does not re-read and re-unpack the
 * same artifact on every reconcile (Flux re-downloads and untars each time: reference/flux.md §5). The
 * digest is verified on the first unpack; entries are evicted least-recently-used past a byte budget, and
 * an artifact larger than the whole budget is not kept at all (it would pin its memory until the next one).
 * Unpacking enforces the agent's artifact limits (core/limits.ts): the ones its sources stored it under,
 * so only an artifact stored before a limit was lowered is refused here.
 */
import type { FileTree } from "../artifact/file-tree.ts";
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
};

export class ArtifactCache {
  #entries = new Map<string, { tree: FileTree; bytes: number }>();
  #bytes = 0;
  readonly #store: ArtifactStore;
  readonly #unpackOptions: UnpackOptions;
  readonly #maxBytes: number;

  readonly #limits: Limits;

  constructor(store: ArtifactStore, opts: { unpack?: UnpackOptions; maxBytes?: number; limits?: Limits } = {}) {
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
      this.#entries.set(key, hit);
      return hit.tree;
    }
    const gz = await this.#store.get(a.path);
    if (!gz) return undefined;
    const tree = await this.#unpack(gz, a.digest as Digest);
    let bytes = 0;
    for (const n of tree.values()) if (n.kind === "file") bytes += n.data.byteLength;
    if (bytes > this.#maxBytes) return tree;
    this.#entries.set(key, { tree, bytes });
    this.#bytes += bytes;
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

  get size(): number {
    return this.#entries.size;
  }
}
