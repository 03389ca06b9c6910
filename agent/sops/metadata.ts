/**
 * The `sops` metadata block: key groups (age, pgp, and the cloud providers we can only name), the
 * encryption rule, lastmodified, the encrypted MAC and the version. Read from a branch (YAML, JSON, or
 * after unflattening for dotenv and INI) and written back in sops's field order, empty lists left out.
 */
import { Branch, plainFromTree, type TreeItem, type TreeValue } from "./tree.ts";
import type { CryptRules } from "./tree-cipher.ts";

/** The providers sops knows; only age and pgp can be opened here. */
export const PROVIDERS = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "age", "pgp"] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface MasterKey {
  provider: Provider;
  /** The wrapped data key (or Shamir share): an armored age file or OpenPGP message. */
  enc: string;
  /** age: the recipient; pgp: the fingerprint; others: the key's name (ARN, resource id, URL). */
  id: string;
  /** The entry as read, so a cloud key is written back unchanged. */
  fields: Record<string, unknown>;
}

export interface SopsMetadata extends CryptRules {
  keyGroups: MasterKey[][];
  shamirThreshold: number;
  /** Go's time.Format(time.RFC3339) of lastmodified: the MAC's additional data. */
  lastModified: string;
  mac: string;
  version: string;
}

/** Why a metadata block cannot be used; the message names fields, never values. */
export class MetadataError extends Error {}

const RULE_FIELDS = [
  ["unencrypted_suffix", "unencryptedSuffix"],
  ["encrypted_suffix", "encryptedSuffix"],
  ["unencrypted_regex", "unencryptedRegex"],
  ["encrypted_regex", "encryptedRegex"],
  ["unencrypted_comment_regex", "unencryptedCommentRegex"],
  ["encrypted_comment_regex", "encryptedCommentRegex"],
] as const;

const ID_FIELD: Record<Provider, string> = {
  kms: "arn", gcp_kms: "resource_id", hckms: "key_id", azure_kv: "vault_url", hc_vault: "key_name", age: "recipient", pgp: "fp",
};

/** Go's time.Parse(time.RFC3339) then Format(time.RFC3339): seconds precision, the offset kept. */
export function rfc3339(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new MetadataError("lastmodified is not an RFC 3339 time");
  const zone = m[3]!.toUpperCase() === "Z" || m[3] === "+00:00" ? "Z" : m[3]!;
  return `${m[1]}T${m[2]}${zone}`;
}

const asString = (v: unknown, field: string): string => {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new MetadataError(`sops.${field} is not a string`);
};

function keysOf(group: Record<string, unknown>, where: string): MasterKey[] {
  const out: MasterKey[] = [];
  // The order sops builds a group in; decryption tries age, then pgp, then the rest.
  for (const provider of PROVIDERS) {
    const list = group[provider];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new MetadataError(`${where}.${provider} is not a list`);
    for (const entry of list) {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new MetadataError(`${where}.${provider} holds an entry that is not a mapping`);
      const fields = entry as Record<string, unknown>;
      out.push({ provider, enc: asString(fields.enc, `${provider}.enc`), id: asString(fields[ID_FIELD[provider]], `${provider}.${ID_FIELD[provider]}`), fields });
    }
  }
  return out;
}

function intOf(v: unknown, field: string): number {
  if (v === undefined || v === null || v === "") return 0;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new MetadataError(`sops.${field} is not a non-negative integer`);
  return n;
}

function boolOf(v: unknown, field: string): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new MetadataError(`sops.${field} is not a boolean`);
}

/** Reads the metadata branch as sops's ToInternal does (one rule at most, `_unencrypted` by default). */
export function metadataFromBranch(b: TreeValue): SopsMetadata {
  if (!(b instanceof Branch)) throw new MetadataError("sops metadata is not a mapping");
  const m = plainFromTree(b) as Record<string, unknown>;
  const groups: MasterKey[][] = [];
  if (Array.isArray(m.key_groups) && m.key_groups.length > 0) {
    m.key_groups.forEach((g, i) => {
      if (g === null || typeof g !== "object" || Array.isArray(g)) throw new MetadataError(`sops.key_groups[${i}] is not a mapping`);
      groups.push(keysOf(g as Record<string, unknown>, `sops.key_groups[${i}]`));
    });
  } else {
    const single = keysOf(m, "sops");
    if (single.length === 0) throw new MetadataError("No keys found in the sops metadata");
    groups.push(single);
  }
  if (typeof m.mac !== "string") throw new MetadataError("sops.mac is missing");
  if (typeof m.lastmodified !== "string") throw new MetadataError("sops.lastmodified is missing");
  const md: SopsMetadata = {
    keyGroups: groups,
    shamirThreshold: intOf(m.shamir_threshold, "shamir_threshold"),
    lastModified: rfc3339(m.lastmodified),
    mac: m.mac,
    version: asString(m.version, "version"),
    macOnlyEncrypted: boolOf(m.mac_only_encrypted, "mac_only_encrypted"),
  };
  let rules = 0;
  for (const [field, name] of RULE_FIELDS) {
    const v = asString(m[field], field);
    if (v !== "") {
      md[name] = v;
      rules++;
    }
  }
  if (rules > 1) throw new MetadataError("Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file");
  if (rules === 0) md.unencryptedSuffix = "_unencrypted";
  return md;
}

const item = (key: string, value: TreeValue): TreeItem => ({ key, value });

function keyBranch(k: MasterKey): Branch {
  if (k.provider === "age") return new Branch([item("recipient", k.id), item("enc", k.enc)]);
  if (k.provider === "pgp") return new Branch([item("created_at", asString(k.fields.created_at, "pgp.created_at")), item("enc", k.enc), item("fp", k.id)]);
  return new Branch(Object.entries(k.fields).map(([key, v]) => item(key, typeof v === "string" ? v : v === null ? null : String(v))));
}

function groupItems(group: MasterKey[]): TreeItem[] {
  const out: TreeItem[] = [];
  for (const provider of PROVIDERS) {
    if (provider === "pgp") continue;
    const keys = group.filter((k) => k.provider === provider);
    if (keys.length > 0) out.push(item(provider, keys.map(keyBranch)));
  }
  return out;
}

/** The metadata as a branch in sops's field order (as sops 3.12 writes it: empty lists left out). */
export function metadataToBranch(md: SopsMetadata): Branch {
  const items: TreeItem[] = [];
  if (md.keyGroups.length > 1) {
    if (md.shamirThreshold > 0) items.push(item("shamir_threshold", BigInt(md.shamirThreshold)));
    items.push(item("key_groups", md.keyGroups.map((g) => {
      const pgp = g.filter((k) => k.provider === "pgp");
      return new Branch([...groupItems(g), ...(pgp.length ? [item("pgp", pgp.map(keyBranch))] : [])]);
    })));
  } else {
    items.push(...groupItems(md.keyGroups[0] ?? []));
  }
  items.push(item("lastmodified", md.lastModified), item("mac", md.mac));
  const pgp = md.keyGroups.length === 1 ? md.keyGroups[0]!.filter((k) => k.provider === "pgp") : [];
  if (pgp.length) items.push(item("pgp", pgp.map(keyBranch)));
  for (const [field, name] of RULE_FIELDS) if (md[name]) items.push(item(field, md[name]!));
  if (md.macOnlyEncrypted) items.push(item("mac_only_encrypted", true));
  items.push(item("version", md.version));
  return new Branch(items);
}
