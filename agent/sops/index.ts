/**
 * The sops module's public face: what the Kustomization build, `rivulet build --decrypt-key` and
 * `rivulet sops` call. sops files (YAML, JSON, dotenv, INI, binary) are decrypted and encrypted here in
 * TypeScript, with no sops binary: age data keys through `age-encryption`, OpenPGP through `openpgp`,
 * AES-256-GCM and SHA-512 through WebCrypto. The MAC is verified before any plaintext is returned.
 * Limits: KMS, Vault and cloud key groups are refused with a SopsError naming the group.
 */

import type { PrivateKey } from "openpgp";

export type SopsFormat = "yaml" | "json" | "dotenv" | "ini" | "binary";

/** Age identities and OpenPGP private keys, as read from a decryption Secret or a --key file. */
export interface SopsKeyring {
  readonly ageIdentities: readonly string[];
  readonly pgpKeys: readonly PrivateKey[];
}

export interface DecryptOptions {
  format: SopsFormat;
  keyring: SopsKeyring;
  /** Names the file in every error (never its content). */
  name: string;
  /** Print in another format than the input's, as `sops -d --output-type`. */
  outputFormat?: SopsFormat;
}

export interface EncryptOptions {
  format: SopsFormat;
  /** age recipients (`age1…`, `age1pq1…`). */
  age?: string[];
  /** OpenPGP public keys, armored. */
  pgp?: string[];
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  encryptedCommentRegex?: string;
  unencryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
  /** Shamir: each inner list is one key group; the data key is split across groups. */
  keyGroups?: { age?: string[]; pgp?: string[] }[];
  shamirThreshold?: number;
  /** Names the file in every error. */
  name?: string;
  /** For reproducible output in tests; default now. */
  now?: Date;
}

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

const notYet = (what: string) => new Error(`sops: ${what} is not implemented yet`);

/** The store sops and Flux pick for a path: by its extension, binary when none matches. */
export function sopsFormatForPath(path: string): SopsFormat {
  throw notYet(`sopsFormatForPath(${path})`);
}

/** Flux's rules: `.agekey` entries hold age identities, `.asc` entries armored OpenPGP private keys. */
export async function keyringFromSecretData(_data: Record<string, Uint8Array>): Promise<SopsKeyring> {
  throw notYet("keyringFromSecretData");
}

/** Whether the bytes carry a sops MAC marker for the format (Flux's test before decrypting). */
export function isSopsEncrypted(_bytes: Uint8Array, _format: SopsFormat): boolean {
  throw notYet("isSopsEncrypted");
}

/** The plaintext as `sops -d` prints it, MAC verified first. */
export async function decryptSops(_bytes: Uint8Array, _o: DecryptOptions): Promise<Uint8Array> {
  throw notYet("decryptSops");
}

/** A parsed resource with a top-level `sops` key, decrypted as Flux does (JSON store); `sops` removed. */
export async function decryptSopsObject(_tree: unknown, _o: { keyring: SopsKeyring; name: string }): Promise<unknown> {
  throw notYet("decryptSopsObject");
}

/** A sops file of the same format, values encrypted under a fresh data key wrapped for the recipients. */
export async function encryptSops(_bytes: Uint8Array, _o: EncryptOptions): Promise<Uint8Array> {
  throw notYet("encryptSops");
}
