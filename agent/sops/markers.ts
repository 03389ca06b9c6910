/**
 * What tells a sops file from a plain one, and the one error type of agent/sops: the markers Flux looks
 * for, the store a path is read with, SopsError. Apart from the crypto (openpgp, age, AES-GCM) in
 * sops.ts so that the check every Kustomization build runs (nothing encrypted may be applied) costs
 * no more than these few functions: an agent that never decrypts never loads the crypto modules,
 * about 30 MiB resident under Bun (bench/idle-memory.md).
 */
import type { SopsFormat } from "./sops-file.ts";

/** A failure naming the file (and the key group) and never any plaintext or key material. */
export class SopsError extends Error {
  readonly file: string;
  readonly keyGroup?: string;
  constructor(file: string, message: string, options?: { keyGroup?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SopsError";
    this.file = file;
    this.keyGroup = options?.keyGroup;
  }
}

/** The store sops and Flux pick for a path: by its extension, binary when none matches. */
export function sopsFormatForPath(path: string): SopsFormat {
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "yaml";
  // Flux reads a Secret's `.dockerconfigjson` as JSON too.
  if (path.endsWith(".json") || path.endsWith(".dockerconfigjson")) return "json";
  if (path.endsWith(".env")) return "dotenv";
  if (path.endsWith(".ini")) return "ini";
  return "binary";
}

/** Flux's markers (detectFormatFromMarkerBytes): the MAC line as each format writes it. */
export const MARKERS: Readonly<Record<SopsFormat, string>> = {
  yaml: "mac: ENC[",
  json: '"mac": "ENC[',
  binary: '"mac": "ENC[',
  dotenv: "sops_mac=ENC[",
  ini: "[sops]",
};

function includes(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

/** Whether the bytes carry the sops MAC marker of the format, as Flux tests before decrypting. */
export function isSopsEncrypted(bytes: Uint8Array, format: SopsFormat): boolean {
  return includes(bytes, MARKERS[format]);
}

/**
 * The format whose marker the bytes carry (Flux's detectFormatFromMarkerBytes, for a Secret's data
 * value): yaml, json (also binary files, whose envelope is JSON), dotenv or ini; undefined for none.
 */
export function detectSopsFormat(bytes: Uint8Array): SopsFormat | undefined {
  return (["yaml", "json", "dotenv", "ini"] as const).find((f) => includes(bytes, MARKERS[f]));
}
