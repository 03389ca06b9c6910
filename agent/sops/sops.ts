/**
 * The sops module's public face: what the Kustomization build, `rivulet build --decrypt-key` and
 * `rivulet sops` call. sops files (YAML, JSON, dotenv, INI, binary) are decrypted and encrypted here in
 * TypeScript, with no sops binary: age data keys through `age-encryption`, OpenPGP through `openpgp`,
 * AES-256-GCM through aes-gcm.ts, SHA-512 through WebCrypto. The MAC is verified before any plaintext
 * leaves this module, and every failure is a SopsError that names the file (and the key group) and
 * holds no plaintext and no key material.
 * Limits: KMS, Vault and cloud key groups are refused with a SopsError naming the group; files over
 * DEFAULTS.maxFileBytes (Flux's 5 MiB) are refused.
 */
import * as openpgp from "openpgp";
import { aesGcm } from "./aes-gcm.ts";
import { DataKeyError, makeDataKey, openDataKey, type Wrapper } from "./data-key.ts";
import { FormatError } from "./json-store.ts";
import { SopsError } from "./markers.ts";
import type { SopsKeyring } from "./keyring.ts";
import { MetadataError, metadataFromBranch, rfc3339, type SopsMetadata } from "./metadata.ts";
import { emitEncrypted, emitPlain, loadEncrypted, loadPlain, type SopsFormat } from "./sops-file.ts";
import { Branch, plainFromTree, treeFromPlain, type TreeValue } from "./tree.ts";
import { decryptBranches, encryptBranches, LeafError, type CryptRules } from "./tree-cipher.ts";
import { decryptValue, encryptValue, ValueError } from "./value-cipher.ts";

export type { SopsFormat } from "./sops-file.ts";
export type { SopsKeyring } from "./keyring.ts";
export { keyringFromFile, keyringFromSecretData, mergeKeyrings } from "./keyring.ts";
export { detectSopsFormat, isSopsEncrypted, MARKERS, SopsError, sopsFormatForPath } from "./markers.ts";

export const DEFAULTS = {
  /** kustomize-controller's maxEncryptedFileSize. */
  maxFileBytes: 5 << 20,
  /** The sops version written into new files: the oldest whose format (mac_only_encrypted) matches ours. */
  version: "3.9.0",
  /** sops's YAML indentation. */
  yamlIndent: 4,
};

export interface DecryptOptions {
  format: SopsFormat;
  keyring: SopsKeyring;
  /** Names the file in every error (never its content). */
  name: string;
  /** Print in another format than the input's, as `sops -d --output-type`. */
  outputFormat?: SopsFormat;
}

export interface EncryptOptions extends CryptRules {
  format: SopsFormat;
  /** age recipients (`age1…`, `age1pq1…`). */
  age?: string[];
  /** OpenPGP public keys, armored, or fingerprints of keys in `keyring`. */
  pgp?: string[];
  /** Resolves `pgp` fingerprints (its private keys' public halves). */
  keyring?: SopsKeyring;
  /** Shamir: each entry is one key group; the data key is split across them. */
  keyGroups?: { age?: string[]; pgp?: string[] }[];
  shamirThreshold?: number;
  /** Names the file in every error. */
  name?: string;
  /** lastmodified; default now. */
  now?: Date;
  /** The output format; default `format`. */
  outputFormat?: SopsFormat;
}

/** The failure as a SopsError; only messages this module wrote (no content) are passed on. */
function failure(file: string, err: unknown): SopsError {
  if (err instanceof SopsError) return err;
  if (err instanceof DataKeyError) return new SopsError(file, `Cannot decrypt ${file}: ${err.message}`, { keyGroup: err.keyGroup });
  if (err instanceof LeafError) return new SopsError(file, `Cannot decrypt ${file}: the value at ${err.path} cannot be decrypted: ${err.message}`);
  if (err instanceof MetadataError || err instanceof FormatError || err instanceof ValueError) return new SopsError(file, `Cannot decrypt ${file}: ${err.message}`);
  return new SopsError(file, `Cannot decrypt ${file}: an unexpected ${err instanceof Error ? err.name : typeof err} was raised`);
}

/** Decrypts branches in place after checking the MAC; nothing is returned unless it matches. */
async function openBranches(branches: Branch[], metadata: SopsMetadata, key: Uint8Array, name: string): Promise<void> {
  const cipher = await aesGcm(key);
  const computed = await decryptBranches(branches, metadata, cipher);
  let stored: unknown;
  try {
    stored = await decryptValue(metadata.mac, cipher, metadata.lastModified);
  } catch {
    throw new SopsError(name, `Cannot decrypt ${name}: the MAC cannot be decrypted (it or lastmodified was changed)`);
  }
  if (stored !== computed) throw new SopsError(name, `Cannot decrypt ${name}: MAC mismatch (the file was changed after it was encrypted)`);
}

/** The plaintext as `sops -d` prints it, MAC verified first. */
export async function decryptSops(bytes: Uint8Array, o: DecryptOptions): Promise<Uint8Array> {
  if (bytes.length > DEFAULTS.maxFileBytes) throw new SopsError(o.name, `Cannot decrypt ${o.name}: the file has ${bytes.length} bytes, more than the ${DEFAULTS.maxFileBytes} allowed`);
  let key: Uint8Array | undefined;
  const attempt = async (fast: boolean) => {
    const { branches, metadata } = loadEncrypted(bytes, o.format, fast);
    key ??= await openDataKey(metadata.keyGroups, metadata.shamirThreshold, o.keyring);
    await openBranches(branches, metadata, key, o.name);
    return emitPlain(branches, o.outputFormat ?? o.format);
  };
  try {
    if (o.format !== "yaml") return await attempt(false);
    // The fast reading fails only where it differs from the exact one: the exact reading then decides.
    return await attempt(true).catch((err: unknown) => (err instanceof DataKeyError ? Promise.reject(err) : attempt(false)));
  } catch (err) {
    throw failure(o.name, err);
  }
}

/** The plain value as Go's json.Marshal of a map orders it: keys sorted at every level. */
function sortedTree(v: TreeValue): TreeValue {
  if (v instanceof Branch) {
    return new Branch([...v.items].sort((a, b) => (String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0)).map((i) => ({ key: i.key, value: sortedTree(i.value) })));
  }
  return Array.isArray(v) ? v.map(sortedTree) : v;
}

/**
 * A parsed resource with a top-level `sops` key, decrypted as Flux does it: the resource marshalled to
 * JSON (keys sorted, as Go's json.Marshal of a map writes them) and read with the JSON store. The
 * result has no `sops` key.
 */
export async function decryptSopsObject(tree: unknown, o: { keyring: SopsKeyring; name: string }): Promise<unknown> {
  try {
    const root = sortedTree(treeFromPlain(tree));
    if (!(root instanceof Branch)) throw new FormatError("the resource is not an object");
    const { branches, metadata } = loadEncryptedBranch(root);
    await openBranches(branches, metadata, await openDataKey(metadata.keyGroups, metadata.shamirThreshold, o.keyring), o.name);
    return plainFromTree(branches[0]!);
  } catch (err) {
    throw failure(o.name, err);
  }
}

/** The JSON store's reading of a resource, without the JSON text in between: the same tree. */
function loadEncryptedBranch(root: Branch): { branches: Branch[]; metadata: SopsMetadata } {
  const meta = root.get("sops");
  if (meta === undefined) throw new MetadataError("sops metadata not found");
  root.items = root.items.filter((i) => i.key !== "sops");
  return { branches: [root], metadata: metadataFromBranch(meta) };
}

async function publicKeyFor(spec: string, keyring: SopsKeyring | undefined): Promise<openpgp.Key> {
  if (spec.includes("-----BEGIN PGP")) return openpgp.readKey({ armoredKey: spec });
  const fp = spec.replace(/\s+/g, "").toUpperCase();
  for (const key of keyring?.pgpKeys ?? []) {
    if (key.getFingerprint().toUpperCase() === fp) return key.toPublic();
    if (key.getKeys().some((k) => k.getFingerprint().toUpperCase() === fp || k.getKeyID().toHex().toUpperCase() === fp)) return key.toPublic();
  }
  throw new Error(`no OpenPGP key with fingerprint ${fp} was given`);
}

/** A sops file of the same format (or `outputFormat`), values encrypted under a fresh data key. */
export async function encryptSops(bytes: Uint8Array, o: EncryptOptions): Promise<Uint8Array> {
  const name = o.name ?? "<input>";
  try {
    const rules: CryptRules = {
      unencryptedSuffix: o.unencryptedSuffix, encryptedSuffix: o.encryptedSuffix, unencryptedRegex: o.unencryptedRegex,
      encryptedRegex: o.encryptedRegex, unencryptedCommentRegex: o.unencryptedCommentRegex, encryptedCommentRegex: o.encryptedCommentRegex,
      macOnlyEncrypted: o.macOnlyEncrypted,
    };
    const set = Object.entries(rules).filter(([k, v]) => k !== "macOnlyEncrypted" && v);
    if (set.length > 1) throw new FormatError("Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file");
    if (set.length === 0) rules.unencryptedSuffix = "_unencrypted";
    const specs = o.keyGroups ?? [{ age: o.age, pgp: o.pgp }];
    const groups: Wrapper[][] = [];
    for (const g of specs) {
      const ws: Wrapper[] = (g.age ?? []).map((age) => ({ age }));
      for (const p of g.pgp ?? []) ws.push({ pgp: await publicKeyFor(p, o.keyring) });
      groups.push(ws);
    }
    const lastModified = rfc3339((o.now ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z"));
    const { key, keyGroups } = await makeDataKey(groups, o.shamirThreshold ?? 0, lastModified);
    const branches = loadPlain(bytes, o.format);
    const cipher = await aesGcm(key);
    const mac = await encryptBranches(branches, rules, cipher);
    const metadata: SopsMetadata = {
      ...rules,
      keyGroups,
      shamirThreshold: keyGroups.length > 1 ? (o.shamirThreshold ?? keyGroups.length) : 0,
      lastModified,
      mac: await encryptValue(mac, cipher, lastModified),
      version: DEFAULTS.version,
    };
    return emitEncrypted(branches, metadata, o.outputFormat ?? o.format);
  } catch (err) {
    const why = err instanceof Error && !(err instanceof ValueError) ? err.message : "an unexpected error";
    throw new SopsError(name, `Cannot encrypt ${name}: ${why}`);
  }
}
