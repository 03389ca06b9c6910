/**
 * The artifact store: tar.gz files on disk in Flux's layout, `<lowercase kind>/<namespace>/<name>/<file>`
 * under --storage-path, written atomically (temp file + rename), garbage-collected to the newest
 * `retention` files per object (Flux: 2), and served over HTTP at `<baseUrl>/<path>` so Flux's own
 * consumers can read them. On restart nothing needs loading: status.artifact.path names the file, and
 * the store only has to find it. What it writes is agent/api's `Artifact`, exactly as status reports it.
 */
import { formatTime } from "../core/time.ts";
import type { Artifact } from "../api/common.ts";

export const DEFAULTS = {
  retention: 2,
};

/** The file operations the store needs; agent/runtime/store-fs.ts implements them with node:fs. */
export interface StoreFs {
  /** Writes via a temp file in the same directory and a rename, creating parent directories. */
  writeAtomic(path: string, data: Uint8Array): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Regular files in a directory with their modification times; [] when the directory is missing. */
  list(dir: string): Promise<Array<{ name: string; mtimeMs: number }>>;
  remove(path: string): Promise<void>;
  removeDir(path: string): Promise<void>;
}

export interface ObjectId {
  kind: string;
  namespace: string;
  name: string;
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
// "+" for chart versions with build metadata (a HelmChart's `podinfo-6.1.0+2.tgz`).
const FILE = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

export class ArtifactStore {
  readonly #fs: StoreFs;
  readonly #baseUrl: string;
  readonly #retention: number;
  readonly #now: () => Date;

  constructor(fs: StoreFs, opts: { baseUrl: string; retention?: number; now?: () => Date }) {
    this.#fs = fs;
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.#retention = opts.retention ?? DEFAULTS.retention;
    this.#now = opts.now ?? (() => new Date());
  }

  /** The relative path of an object's file; throws on names that could escape the store. */
  pathOf(id: ObjectId, file: string): string {
    const kind = id.kind.toLowerCase();
    for (const [what, v] of [["kind", kind], ["namespace", id.namespace], ["name", id.name]] as const) {
      if (!SEGMENT.test(v)) throw new Error(`Cannot store an artifact: ${what} "${v}" is not a valid Kubernetes name`);
    }
    if (!FILE.test(file) || file.includes("..")) throw new Error(`Cannot store an artifact: file name "${file}" is not allowed`);
    return `${kind}/${id.namespace}/${id.name}/${file}`;
  }

  urlOf(path: string): string {
    return `${this.#baseUrl}/${path}`;
  }

  async put(id: ObjectId, file: string, data: Uint8Array, meta: { revision: string; digest: string; metadata?: Record<string, string> }): Promise<Artifact> {
    const path = this.pathOf(id, file);
    await this.#fs.writeAtomic(path, data);
    return {
      path,
      url: this.urlOf(path),
      revision: meta.revision,
      digest: meta.digest,
      size: data.byteLength,
      lastUpdateTime: formatTime(this.#now()),
      ...(meta.metadata ? { metadata: meta.metadata } : {}),
    };
  }

  /** Bytes of a stored file by its relative path (as in status.artifact.path); undefined if missing. */
  async get(path: string): Promise<Uint8Array | undefined> {
    if (!isSafePath(path)) return undefined;
    return this.#fs.read(path);
  }

  /**
   * Deletes all but the newest `retention` files of the object; the file named `keep` always stays, and
   * so do `aliases` (fixed names the current artifact is also served under), which do not count.
   */
  async gc(id: ObjectId, keep: string, ...aliases: string[]): Promise<string[]> {
    const dir = this.#dirOf(id);
    const files = (await this.#fs.list(dir)).filter((f) => !f.name.startsWith("."));
    files.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1));
    const others = files.map((f) => f.name).filter((n) => n !== keep && !aliases.includes(n));
    const drop = others.slice(Math.max(0, this.#retention - 1));
    for (const name of drop) await this.#fs.remove(`${dir}/${name}`);
    return drop;
  }

  /** Removes every file of the object (its finalizer runs this on deletion). */
  async removeAll(id: ObjectId): Promise<void> {
    await this.#fs.removeDir(this.#dirOf(id));
  }

  #dirOf(id: ObjectId): string {
    return this.pathOf(id, "x").slice(0, -2);
  }
}

export function isSafePath(path: string): boolean {
  const parts = path.split("/");
  return parts.length === 4 && parts.slice(0, 3).every((p) => SEGMENT.test(p)) && FILE.test(parts[3]!) && !parts[3]!.includes("..");
}
