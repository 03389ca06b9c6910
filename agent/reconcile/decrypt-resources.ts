/**
 * Decryption after the build, as kustomize-controller's DecryptResource, before post-build substitution:
 * a resource with a `sops` block that holds a `mac` is decrypted whole (`sops` removed; its MAC checked
 * on the file it was written in, see encrypted-sources.ts); in
 * any other Secret, a `data` value whose base64-decoded bytes carry a sops MAC marker is decrypted and
 * written in the store its key's extension picks (`stringData` values the same way, without base64).
 * `kustomize.toolkit.fluxcd.io/decrypt: disabled` (any case) leaves a resource as written.
 *
 * Then the last check before apply (`refuseEncrypted`), with or without decryption configured: a
 * resource still carrying a `sops` block or a sops-encrypted value is refused, naming it, so ciphertext
 * is never applied as if it were the data. Opted-out resources pass, as in Flux.
 */
import { base64Decode, base64Encode } from "../core/bytes.ts";
import { formatRef, type ObjectRef } from "../core/ref.ts";
import type { KObject } from "../kustomize/resource.ts";
import type { SopsKeyring } from "../sops/sops.ts";
import { plaintextByCiphertext, withPlaintext, type EncryptedSource, type SourceOf } from "./encrypted-sources.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { describeSopsError, formatForName, type SopsCalls } from "./sops-calls.ts";

export const DECRYPT_ANNOTATION = "kustomize.toolkit.fluxcd.io/decrypt";

/** What a sops-encrypted value looks like wherever it ends up. */
const ENCRYPTED_VALUE = "ENC[AES256_GCM,data:";

/** `Kind/namespace/name` of a built object (STYLE habit 6). */
export function refOf(obj: KObject): string {
  return formatRef(obj as ObjectRef);
}

export function decryptionDisabled(obj: KObject): boolean {
  const annotations = (obj.metadata?.annotations ?? {}) as Record<string, unknown>;
  const v = annotations[DECRYPT_ANNOTATION];
  return typeof v === "string" && v.toLowerCase() === "disabled";
}

/** A top-level `sops` map with a non-empty `mac` (Flux's isSOPSEncryptedResource). */
export function hasSopsBlock(obj: KObject): boolean {
  const block = obj.sops;
  return typeof block === "object" && block !== null && !!(block as Record<string, unknown>).mac;
}

export async function decryptResources(objects: KObject[], keyring: SopsKeyring, sops: SopsCalls, sourceOf: SourceOf = () => undefined): Promise<KObject[]> {
  const out: KObject[] = [];
  const cache: SourcePlaintexts = new Map();
  for (const obj of objects) {
    if (decryptionDisabled(obj)) out.push(obj);
    else if (hasSopsBlock(obj)) out.push(await decryptWhole(obj, keyring, sops, sourceOf, cache));
    else if (obj.kind === "Secret") out.push(await decryptSecretValues(obj, keyring, sops));
    else out.push(obj);
  }
  return out;
}

/** The plaintext of each ciphertext of a source, decrypted once per build however many resources it holds. */
type SourcePlaintexts = Map<EncryptedSource, Promise<Map<string, unknown>>>;

async function sourcePlaintexts(source: EncryptedSource, keyring: SopsKeyring, sops: SopsCalls, cache: SourcePlaintexts): Promise<Map<string, unknown>> {
  let plain = cache.get(source);
  if (!plain) {
    plain = (async () => {
      const single = source.docs.length === 1;
      const bytes = await sops.decryptSops(source.bytes, { format: source.format, outputFormat: single ? "json" : "yaml", keyring, name: source.path });
      const text = new TextDecoder().decode(bytes);
      const docs = single ? [JSON.parse(text)] : parseDocuments(text, source.path);
      const out = new Map<string, unknown>();
      source.docs.forEach((d, i) => plaintextByCiphertext(d, docs[i], out));
      return out;
    })();
    cache.set(source, plain);
  }
  return plain;
}

/**
 * Decrypts the document as committed (MAC verified) and carries its plaintext into the built resource
 * (encrypted-sources.ts); a resource whose file is not in the tree is decrypted as built.
 */
async function decryptWhole(obj: KObject, keyring: SopsKeyring, sops: SopsCalls, sourceOf: SourceOf, cache: SourcePlaintexts): Promise<KObject> {
  const ref = refOf(obj);
  const source = sourceOf(obj);
  const name = source?.path ?? ref;
  try {
    if (!source) return (await sops.decryptSopsObject(obj, { keyring, name })) as KObject;
    return withPlaintext(obj, await sourcePlaintexts(source, keyring, sops, cache));
  } catch (err) {
    throw new Error(`${ref}: ${describeSopsError(err, name)}`, { cause: err });
  }
}

async function decryptSecretValues(obj: KObject, keyring: SopsKeyring, sops: SopsCalls): Promise<KObject> {
  const ref = refOf(obj);
  let copy: KObject | undefined;
  for (const field of ["data", "stringData"] as const) {
    const values = obj[field];
    if (typeof values !== "object" || values === null) continue;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (typeof value !== "string") continue;
      let bytes: Uint8Array;
      try {
        bytes = field === "data" ? base64Decode(value) : new TextEncoder().encode(value);
      } catch {
        continue; // not base64: the API server will say so, as in Flux
      }
      const format = sops.detectSopsFormat(bytes);
      if (!format) continue;
      const name = `${ref} ${field}.${key}`;
      let plain: Uint8Array;
      try {
        plain = await sops.decryptSops(bytes, { format, outputFormat: formatForName(sops, key), keyring, name });
      } catch (err) {
        throw new Error(`${ref} field '${field}.${key}': ${describeSopsError(err, name)}`, { cause: err });
      }
      copy ??= { ...obj, data: { ...(obj.data as object) }, stringData: { ...(obj.stringData as object) } };
      (copy[field] as Record<string, string>)[key] = field === "data" ? base64Encode(plain) : new TextDecoder().decode(plain);
    }
  }
  if (!copy) return obj;
  if (obj.data === undefined) delete copy.data;
  if (obj.stringData === undefined) delete copy.stringData;
  return copy;
}

/** True when a string anywhere in `v` is a sops-encrypted value. */
function carriesEncryptedValue(v: unknown): boolean {
  if (typeof v === "string") return v.includes(ENCRYPTED_VALUE);
  if (Array.isArray(v)) return v.some(carriesEncryptedValue);
  if (typeof v === "object" && v !== null) return Object.values(v).some(carriesEncryptedValue);
  return false;
}

/** A Secret's `data` values decoded, where sops documents hide behind base64. */
function decodedData(obj: KObject): string[] {
  if (obj.kind !== "Secret" || typeof obj.data !== "object" || obj.data === null) return [];
  const out: string[] = [];
  for (const v of Object.values(obj.data as Record<string, unknown>)) {
    try {
      if (typeof v === "string") out.push(new TextDecoder().decode(base64Decode(v)));
    } catch {
      // not base64: nothing hides in it
    }
  }
  return out;
}

/**
 * Throws naming every resource that still carries a `sops` block or an encrypted value; `configured`
 * says whether spec.decryption was set (the advice differs).
 */
export function refuseEncrypted(objects: KObject[], configured: boolean): void {
  const refused = objects
    .filter((o) => !decryptionDisabled(o))
    .filter((o) => o.sops !== undefined || carriesEncryptedValue({ ...o, sops: undefined }) || decodedData(o).some((d) => d.includes(ENCRYPTED_VALUE)))
    .map((o) => refOf(o));
  if (!refused.length) return;
  const advice = configured
    ? "encrypted data is left after decryption (is the sops block complete, with its mac?)"
    : "set spec.decryption to reconcile encrypted data";
  throw new Error(`${refused.join(", ")} ${refused.length === 1 ? "is" : "are"} SOPS encrypted, refused before applying anything: ${advice}`);
}
