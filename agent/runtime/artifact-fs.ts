/**
 * node:fs implementations of the artifact TreeSource and TreeSink (agent/artifact/file-tree.ts), for the
 * CLI and for the rare case an artifact has to live on disk. The source never follows links (lstat); the
 * sink never writes through them: each directory it creates or reuses is lstat-checked, and files are
 * opened with O_NOFOLLOW, so a symlink planted in the target cannot redirect a write outside it.
 */
import { constants, lstatSync, readdirSync, readFileSync } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import type { SourceEntry, TreeSink, TreeSource } from "../artifact/file-tree.ts";

/**
 * Reads synchronously: packing 5,000 small files costs ~0.1 ms per file through the promise API on Bun and
 * Deno (a thread-pool round trip each) and a few microseconds synchronously, and the callers (the CLI,
 * benchmarks, tests) have nothing else to do meanwhile. The agent packs in-memory trees, not this.
 */
export function fsTreeSource(root: string): TreeSource {
  return {
    list(dir) {
      const dirents = readdirSync(join(root, dir), { withFileTypes: true });
      const out: SourceEntry[] = [];
      for (const d of dirents) {
        const kind = d.isFile() ? "file" : d.isDirectory() ? "dir" : "other";
        const mode = kind === "other" ? 0 : lstatSync(join(root, dir, d.name)).mode & 0o7777;
        out.push({ name: d.name, kind, mode });
      }
      return Promise.resolve(out);
    },
    read(path) {
      const b = readFileSync(join(root, path));
      return Promise.resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    },
  };
}

export function fsTreeSink(root: string): TreeSink {
  const checked = new Set<string>();
  async function ensureDir(path: string, mode: number): Promise<void> {
    if (checked.has(path)) return;
    const abs = join(root, path);
    const st = await lstat(abs).catch(() => undefined);
    if (st && !st.isDirectory()) {
      throw new Error(`Cannot extract the tar archive: "${path}" exists in the target and is not a directory`);
    }
    if (!st) await mkdir(abs, { mode });
    checked.add(path);
  }
  async function ensureParents(path: string): Promise<void> {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) await ensureDir(parts.slice(0, i).join("/"), 0o750);
  }
  return {
    async mkdir(path, mode) {
      await ensureParents(path);
      await ensureDir(path, mode);
    },
    async writeFile(path, data, mode) {
      await ensureParents(path);
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
      const fh = await open(join(root, path), flags, mode);
      try {
        await fh.writeFile(data);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
    },
  };
}
