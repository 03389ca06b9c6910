/**
 * The keys of a Kustomization's `spec.decryption`: the Secret `secretRef` names, read in the
 * Kustomization's own namespace (the reference has no namespace field, so there is no other to read)
 * and turned into a keyring by Flux's rules (`*.agekey` age identities, `*.asc` OpenPGP keys; agent/sops).
 * A missing Secret or one whose keys cannot be read fails the build naming the Secret and the entry,
 * never a value. Without a secretRef the keyring is empty: Flux's controller-wide fallback keys do not
 * exist in a per-tenant agent, so an encrypted file then fails naming the key group it could not open.
 */
import { TransientError, messageOf } from "../core/errors.ts";
import { base64Decode } from "../core/bytes.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { EMPTY_KEYRING, type SopsKeyring } from "../sops/sops-keyring.ts";

// Reading keys needs age and openpgp (~30 MiB resident under Bun): loaded by the first Kustomization
// that has a decryption Secret, never by an agent without one.
const keyring = () => import("../sops/keyring.ts");

export interface DecryptionSpec {
  provider: string;
  secretRef?: { name: string };
}

/** Flux's only provider; the CRD's enum refuses others on write, this refuses them if one got through. */
export const PROVIDER = "sops";

export { EMPTY_KEYRING };

export async function readDecryptionKeyring(client: KubeClient, ks: KubeObject & { spec: { decryption?: DecryptionSpec } }, self: string): Promise<SopsKeyring> {
  const dec = ks.spec.decryption!;
  if (dec.provider !== PROVIDER) {
    throw new TransientError("BuildFailed", `${self}: spec.decryption.provider: Unsupported value: "${dec.provider}": supported values: "${PROVIDER}"`);
  }
  if (!dec.secretRef) return EMPTY_KEYRING;
  const ns = ks.metadata.namespace!;
  const where = `Secret/${ns}/${dec.secretRef.name}`;
  const secret = await client.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: dec.secretRef.name });
  if (!secret) throw new TransientError("BuildFailed", `${self}: decryption ${where} not found: create it or fix spec.decryption.secretRef`);
  return keyringFromSecret(secret, where, self);
}

/** The keyring of a decryption Secret's data (stringData folded in, as the API server does on write). */
export async function keyringFromSecret(secret: KubeObject, where: string, self: string): Promise<SopsKeyring> {
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries((secret.data as Record<string, string> | undefined) ?? {})) {
    try {
      data[k] = base64Decode(v);
    } catch {
      throw new TransientError("BuildFailed", `${self}: decryption ${where}: entry '${k}' is not base64`);
    }
  }
  for (const [k, v] of Object.entries((secret.stringData as Record<string, string> | undefined) ?? {})) data[k] = new TextEncoder().encode(v);
  try {
    return await (await keyring()).keyringFromSecretData(data);
  } catch (err) {
    // The key import's errors name the entry and never a key (agent/sops/keyring.ts).
    throw new TransientError("BuildFailed", `${self}: cannot import the keys of decryption ${where}: ${messageOf(err)}`, { cause: err });
  }
}

/** The keyring of key files given on the command line (`--decrypt-key`): age identities or OpenPGP keys. */
export async function keyringFromKeyFiles(files: { name: string; bytes: Uint8Array }[]): Promise<SopsKeyring> {
  try {
    const { keyringFromFile, mergeKeyrings } = await keyring();
    return mergeKeyrings(...(await Promise.all(files.map((f) => keyringFromFile(f.name, f.bytes)))));
  } catch (err) {
    throw new Error(`Cannot read the decryption keys: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * What to add to a decryption failure when the Secret gave no key at all, so the condition names the
 * Secret to fix ("" when it gave some, or there is no secretRef).
 */
export function noKeysNote(keyring: SopsKeyring, ks: KubeObject & { spec: { decryption?: DecryptionSpec } }): string {
  const ref = ks.spec.decryption?.secretRef;
  if (!ref || keyring.ageIdentities.length || keyring.pgpKeys.length || keyring.lockedPgpKeys) return "";
  return `; decryption Secret/${ks.metadata.namespace}/${ref.name} holds no *.agekey or *.asc entry`;
}
