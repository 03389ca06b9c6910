/**
 * The keys a decryption may use, read as kustomize-controller reads its decryption Secret: an entry
 * whose name ends `.agekey` holds age identities (one per line, `#` comments and blank lines allowed,
 * X25519 `AGE-SECRET-KEY-1…` and post-quantum hybrid `AGE-SECRET-KEY-PQ-1…`), one ending `.asc` holds
 * armored OpenPGP private keys; every other entry is ignored (Flux reads `sops.vault-token`,
 * `sops.aws-kms`, … for providers this module does not support). Errors name the entry, never a key.
 * Flux hands `.asc` keys to gpg without a passphrase, so a passphrase-protected key cannot open a file
 * there; here it is kept locked unless a passphrase is given (the CLI's --passphrase), and reported.
 */
import { Decrypter } from "age-encryption";
import * as openpgp from "openpgp";
import type { SopsKeyring } from "./sops-keyring.ts";

export { EMPTY_KEYRING, type SopsKeyring } from "./sops-keyring.ts";

const AGE_PREFIXES = ["AGE-SECRET-KEY-1", "AGE-SECRET-KEY-PQ-1"];

/** The identities in an age key file; `entry` names it in errors. */
export function parseAgeIdentities(text: string, entry: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) return;
    const upper = line.trim().toUpperCase();
    const ok = AGE_PREFIXES.some((p) => upper.startsWith(p)) && acceptsIdentity(line.trim());
    if (!ok) throw new Error(`failed to import '${entry}': line ${i + 1} is not an age identity`);
    out.push(line.trim());
  });
  if (out.length === 0) throw new Error(`failed to import '${entry}': no age identities found`);
  return out;
}

function acceptsIdentity(identity: string): boolean {
  try {
    new Decrypter().addIdentity(identity);
    return true;
  } catch {
    return false;
  }
}

/** The private keys in an armored (or binary) OpenPGP key block, unlocked with the passphrases given. */
export async function parsePgpKeys(data: Uint8Array, entry: string, passphrases: readonly string[] = []): Promise<{ keys: openpgp.PrivateKey[]; locked: number }> {
  const text = new TextDecoder().decode(data);
  let keys: openpgp.PrivateKey[];
  try {
    keys = text.includes("-----BEGIN PGP")
      ? await openpgp.readPrivateKeys({ armoredKeys: text })
      : await openpgp.readPrivateKeys({ binaryKeys: data });
  } catch {
    throw new Error(`failed to import '${entry}': not an OpenPGP private key block`);
  }
  const out: openpgp.PrivateKey[] = [];
  let locked = 0;
  for (const key of keys) {
    if (key.isDecrypted()) {
      out.push(key);
      continue;
    }
    const opened = await unlock(key, passphrases);
    if (opened) out.push(opened);
    else locked++;
  }
  return { keys: out, locked };
}

async function unlock(key: openpgp.PrivateKey, passphrases: readonly string[]): Promise<openpgp.PrivateKey | undefined> {
  for (const passphrase of passphrases) {
    try {
      return await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      // The next passphrase may open it.
    }
  }
  return undefined;
}

/** Flux's rules for a decryption Secret's data: `.agekey` and `.asc` entries, the rest ignored. */
export async function keyringFromSecretData(data: Record<string, Uint8Array>, passphrases: readonly string[] = []): Promise<SopsKeyring> {
  const ageIdentities: string[] = [];
  const pgpKeys: openpgp.PrivateKey[] = [];
  let lockedPgpKeys = 0;
  for (const name of Object.keys(data).sort()) {
    const value = data[name]!;
    if (name.endsWith(".agekey")) ageIdentities.push(...parseAgeIdentities(new TextDecoder().decode(value), name));
    else if (name.endsWith(".asc")) {
      const { keys, locked } = await parsePgpKeys(value, name, passphrases);
      pgpKeys.push(...keys);
      lockedPgpKeys += locked;
    }
  }
  return { ageIdentities, pgpKeys, lockedPgpKeys };
}

/** A key file for the CLI's --key: age identities, or OpenPGP keys when it holds a PGP block. */
export async function keyringFromFile(name: string, bytes: Uint8Array, passphrases: readonly string[] = []): Promise<SopsKeyring> {
  const text = new TextDecoder().decode(bytes);
  const isPgp = text.includes("-----BEGIN PGP") || (bytes.length > 0 && (bytes[0]! & 0x80) !== 0);
  return keyringFromSecretData({ [isPgp ? `${name}.asc` : `${name}.agekey`]: bytes }, passphrases);
}

export function mergeKeyrings(...rings: SopsKeyring[]): SopsKeyring {
  return {
    ageIdentities: rings.flatMap((r) => r.ageIdentities),
    pgpKeys: rings.flatMap((r) => r.pgpKeys),
    lockedPgpKeys: rings.reduce((n, r) => n + r.lockedPgpKeys, 0),
  };
}
