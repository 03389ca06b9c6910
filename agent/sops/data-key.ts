/**
 * The data key: unwrapped from the file's key groups with the keyring, or made and wrapped for new
 * recipients. Within a group any one key that opens is enough (age first, then OpenPGP, as sops orders
 * them); with several groups each yields a Shamir share and `shamir_threshold` of them recover the key.
 * Cloud and Vault keys cannot be opened here: a group that has nothing else fails with a message saying
 * which providers it needs.
 */
import { armor, Decrypter, Encrypter } from "age-encryption";
import * as openpgp from "openpgp";
import type { SopsKeyring } from "./keyring.ts";
import type { MasterKey } from "./metadata.ts";
import { shamirCombine, shamirSplit } from "./shamir.ts";

/** Why no data key: which group, and why, with no key material. */
export class DataKeyError extends Error {
  constructor(
    message: string,
    readonly keyGroup?: string,
  ) {
    super(message);
  }
}

async function openAge(k: MasterKey, keyring: SopsKeyring): Promise<Uint8Array | undefined> {
  if (keyring.ageIdentities.length === 0) return undefined;
  const d = new Decrypter();
  for (const id of keyring.ageIdentities) d.addIdentity(id);
  try {
    return await d.decrypt(armor.decode(k.enc.trim() + "\n"));
  } catch {
    return undefined;
  }
}

async function openPgp(k: MasterKey, keyring: SopsKeyring): Promise<Uint8Array | undefined> {
  if (keyring.pgpKeys.length === 0) return undefined;
  try {
    const message = await openpgp.readMessage({ armoredMessage: k.enc });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: [...keyring.pgpKeys], format: "binary" });
    return data as Uint8Array;
  } catch {
    return undefined;
  }
}

const ORDER = { age: 0, pgp: 1 } as Record<string, number>;

/** One group's share (or the whole key): the first key the keyring opens. */
async function openGroup(group: readonly MasterKey[], keyring: SopsKeyring, name: string): Promise<Uint8Array> {
  const sorted = [...group].sort((a, b) => (ORDER[a.provider] ?? 2) - (ORDER[b.provider] ?? 2));
  for (const k of sorted) {
    const part = k.provider === "age" ? await openAge(k, keyring) : k.provider === "pgp" ? await openPgp(k, keyring) : undefined;
    if (part) return part;
  }
  const usable = group.filter((k) => k.provider === "age" || k.provider === "pgp");
  if (usable.length === 0) {
    const providers = [...new Set(group.map((k) => k.provider))].join(", ");
    throw new DataKeyError(`key group ${name} has only ${providers || "no"} keys: these providers are not supported (only age and OpenPGP)`, name);
  }
  const age = usable.filter((k) => k.provider === "age").length;
  const pgp = usable.length - age;
  const locked = keyring.lockedPgpKeys > 0 ? `; ${keyring.lockedPgpKeys} OpenPGP key(s) in it are passphrase-protected and locked` : "";
  throw new DataKeyError(
    `no key in the keyring (${keyring.ageIdentities.length} age identities, ${keyring.pgpKeys.length} OpenPGP keys${locked}) opens key group ${name} (${age} age, ${pgp} pgp recipients)`,
    name,
  );
}

/** The 32-byte data key of a file with these key groups. */
export async function openDataKey(groups: readonly MasterKey[][], threshold: number, keyring: SopsKeyring): Promise<Uint8Array> {
  if (groups.length === 1) {
    const key = await openGroup(groups[0]!, keyring, "0");
    if (key.length !== 32) throw new DataKeyError(`key group 0 holds a data key of ${key.length} bytes, not 32`, "0");
    return key;
  }
  const need = threshold > 0 ? threshold : groups.length;
  const parts: Uint8Array[] = [];
  const failures: DataKeyError[] = [];
  for (const [i, group] of groups.entries()) {
    if (parts.length >= need) break;
    try {
      parts.push(await openGroup(group, keyring, String(i)));
    } catch (err) {
      if (!(err instanceof DataKeyError)) throw err;
      failures.push(err);
    }
  }
  if (parts.length < need) {
    const first = failures[0];
    throw new DataKeyError(`only ${parts.length} of the ${need} key groups needed (shamir_threshold) could be opened: ${failures.map((f) => f.message).join("; ")}`, first?.keyGroup);
  }
  let key: Uint8Array;
  try {
    key = shamirCombine(parts);
  } catch (err) {
    throw new DataKeyError(`the key groups' Shamir shares do not combine: ${(err as Error).message}`);
  }
  if (key.length !== 32) throw new DataKeyError(`the key groups' Shamir shares give a data key of ${key.length} bytes, not 32`);
  return key;
}

/** A recipient to wrap the data key for: an age recipient or an OpenPGP public key. */
export type Wrapper = { age: string } | { pgp: openpgp.Key };

async function wrap(part: Uint8Array, w: Wrapper, now: string): Promise<MasterKey> {
  if ("age" in w) {
    const e = new Encrypter();
    e.addRecipient(w.age);
    const enc = armor.encode(await e.encrypt(part));
    return { provider: "age", id: w.age, enc: enc.endsWith("\n") ? enc : enc + "\n", fields: { recipient: w.age } };
  }
  const armored = await openpgp.encrypt({ message: await openpgp.createMessage({ binary: part }), encryptionKeys: w.pgp, format: "armored" });
  const fp = w.pgp.getFingerprint().toUpperCase();
  return { provider: "pgp", id: fp, enc: String(armored).replace(/\n$/, ""), fields: { created_at: now, fp } };
}

/** A fresh data key wrapped for the groups (one group: the key itself; several: Shamir shares). */
export async function makeDataKey(groups: readonly Wrapper[][], threshold: number, now: string): Promise<{ key: Uint8Array; keyGroups: MasterKey[][] }> {
  if (groups.length === 0 || groups.some((g) => g.length === 0)) throw new DataKeyError("every key group needs at least one age recipient or OpenPGP key");
  const key = crypto.getRandomValues(new Uint8Array(32));
  const parts = groups.length === 1 ? [key] : shamirSplit(key, groups.length, threshold > 0 ? threshold : groups.length);
  const keyGroups: MasterKey[][] = [];
  for (const [i, group] of groups.entries()) keyGroups.push(await Promise.all(group.map((w) => wrap(parts[i]!, w, now))));
  return { key, keyGroups };
}
