/**
 * What a Kustomization's decryption needs from agent/sops, as one value the build steps take, so their
 * tests can count and fail calls; `SOPS` is the real module. Also Flux's choice of store for a name
 * (`.dockerconfigjson` is JSON) and one way to describe a SopsError: the file, the message, the key
 * group; sops' errors never carry plaintext or key material, and nothing is added here that could.
 */
import type { decryptSops, decryptSopsObject } from "../sops/sops.ts";
import { detectSopsFormat, isSopsEncrypted, SopsError, sopsFormatForPath } from "../sops/markers.ts";
import type { SopsFormat } from "../sops/sops-file.ts";

export interface SopsCalls {
  isSopsEncrypted: typeof isSopsEncrypted;
  decryptSops: typeof decryptSops;
  decryptSopsObject: typeof decryptSopsObject;
  sopsFormatForPath: typeof sopsFormatForPath;
  detectSopsFormat: typeof detectSopsFormat;
}

// The crypto (openpgp, age: ~30 MiB resident under Bun) is loaded by the first decryption, so an agent
// whose Kustomizations have no spec.decryption never holds it; the marker checks are always loaded.
const crypto = () => import("../sops/sops.ts");

export const SOPS: SopsCalls = {
  isSopsEncrypted,
  decryptSops: async (bytes, o) => (await crypto()).decryptSops(bytes, o),
  decryptSopsObject: async (tree, o) => (await crypto()).decryptSopsObject(tree, o),
  sopsFormatForPath,
  detectSopsFormat,
};

/** kustomize-controller's formatForPath: a `.dockerconfigjson` key is JSON, the rest by extension. */
export function formatForName(sops: SopsCalls, name: string): SopsFormat {
  return name.endsWith(".dockerconfigjson") ? "json" : sops.sopsFormatForPath(name);
}

/**
 * `Cannot decrypt FILE: message (key group G)`, each part once (agent/sops writes that form itself). Any other error is described by its type only: its
 * text was not written to be free of plaintext (a parser quoting decrypted input, say).
 */
export function describeSopsError(err: unknown, fallbackName: string): string {
  if (!(err instanceof SopsError)) return `Cannot decrypt ${fallbackName}: an unexpected ${err instanceof Error ? err.name : typeof err} was raised (its message is withheld, it may quote decrypted data)`;
  let msg = err.message.includes(err.file) ? err.message : `Cannot decrypt ${err.file}: ${err.message}`;
  if (err.keyGroup !== undefined && !msg.includes("key group")) msg += ` (key group ${err.keyGroup})`;
  return msg;
}
