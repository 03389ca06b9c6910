/**
 * Decryption before the build, as kustomize-controller's DecryptSources: every file a `secretGenerator`
 * (`files`, `envs`) or a `patches` `path` names, in the kustomization being built and everything it
 * includes (agent/kustomize/input-files.ts), is decrypted when it carries the sops MAC marker of its
 * format. The format follows Flux: a `files` entry by its data key's extension, an env file by its own
 * (binary falls back to dotenv), a patch by its path. The decrypted bytes live only in the returned
 * reader, over the original tree: nothing is written back to the artifact or its cache.
 * Limits: 5 MiB per encrypted file (Flux's maxEncryptedFileSize).
 */
import type { TreeReader } from "../core/tree-reader.ts";
import { inputFiles, type InputFile } from "../kustomize/input-files.ts";
import type { SopsFormat, SopsKeyring } from "../sops/sops.ts";
import { describeSopsError, formatForName, type SopsCalls } from "./sops-calls.ts";

export const DEFAULTS = {
  /** kustomize-controller's maxEncryptedFileSize. */
  maxFileSize: 5 << 20,
};

export interface DecryptedSources {
  /** The tree with the decrypted files in place of the encrypted ones. */
  tree: TreeReader;
  /** Paths of the files that were decrypted, with their plaintext (to keep it out of error messages). */
  decrypted: Map<string, Uint8Array>;
}

/** The store a file is read and written with, by how the kustomization uses it. */
export function sourceFormat(sops: SopsCalls, f: InputFile): SopsFormat {
  if (f.use === "secretGenerator.files") return formatForName(sops, f.key ?? f.path);
  const format = formatForName(sops, f.path);
  return f.use === "secretGenerator.envs" && format === "binary" ? "dotenv" : format;
}

export async function decryptSources(tree: TreeReader, dir: string, keyring: SopsKeyring, sops: SopsCalls, maxFileSize = DEFAULTS.maxFileSize): Promise<DecryptedSources> {
  const decrypted = new Map<string, Uint8Array>();
  for (const f of inputFiles(tree, dir)) {
    const bytes = tree.read(f.path);
    if (!bytes) throw new Error(`Cannot decrypt "${f.path}" named by ${f.use} in ${f.from}: no such file`);
    const format = sourceFormat(sops, f);
    if (!sops.isSopsEncrypted(bytes, format)) continue;
    if (bytes.length > maxFileSize) throw new Error(`Cannot decrypt "${f.path}": its size (${bytes.length} bytes) exceeds the limit (${maxFileSize})`);
    try {
      decrypted.set(f.path, await sops.decryptSops(bytes, { format, keyring, name: f.path }));
    } catch (err) {
      throw new Error(describeSopsError(err, f.path), { cause: err });
    }
  }
  if (!decrypted.size) return { tree, decrypted };
  return {
    tree: { list: (p) => tree.list(p), isDir: (p) => tree.isDir(p), read: (p) => decrypted.get(p) ?? tree.read(p) },
    decrypted,
  };
}
