/** node:fs implementation of the artifact store's StoreFs, rooted at --storage-path. */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { StoreFs } from "../storage/artifact-store.ts";

export function createStoreFs(root: string): StoreFs {
  const abs = (p: string) => join(root, p);
  return {
    async writeAtomic(path, data) {
      const target = abs(path);
      await mkdir(dirname(target), { recursive: true });
      const tmp = `${dirname(target)}/.tmp-${Math.random().toString(36).slice(2)}`;
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, target);
    },
    async read(path) {
      try {
        return new Uint8Array(await readFile(abs(path)));
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return undefined;
        throw err;
      }
    },
    async list(dir) {
      try {
        const names = await readdir(abs(dir), { withFileTypes: true });
        const files = names.filter((d) => d.isFile());
        return Promise.all(files.map(async (d) => ({ name: d.name, mtimeMs: (await stat(join(abs(dir), d.name))).mtimeMs })));
      } catch (err) {
        if ((err as { code?: string }).code === "ENOENT") return [];
        throw err;
      }
    },
    async remove(path) {
      await rm(abs(path), { force: true });
    },
    async removeDir(path) {
      await rm(abs(path), { recursive: true, force: true });
    },
  };
}
