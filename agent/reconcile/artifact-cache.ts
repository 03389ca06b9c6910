/**
 * Unpacked artifacts by digest, so a Kustomization (or an include) does not re-read and re-unpack the
 * same artifact on every reconcile (Flux re-downloads and untars each time: reference/flux.md §5). The
 * digest is verified on the first unpack; entries are evicted least-recently-used past a byte budget.
 */
import type { FileTree } from "../artifact/file-tree.ts";
import { unpack, type UnpackOptions } from "../artifact/unpack.ts";
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

  constructor(store: ArtifactStore, opts: { unpack?: UnpackOptions; maxBytes?: number } = {}) {
    this.#store = store;
    this.#unpackOptions = opts.unpack ?? {};
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
    const tree = await unpack(gz, { ...this.#unpackOptions, digest: a.digest as Digest });
    let bytes = 0;
    for (const n of tree.values()) if (n.kind === "file") bytes += n.data.byteLength;
    this.#entries.set(key, { tree, bytes });
    this.#bytes += bytes;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes || k === key) break;
      this.#entries.delete(k);
      this.#bytes -= v.bytes;
    }
    return tree;
  }

  get size(): number {
    return this.#entries.size;
  }
}
