/**
 * The keys a decryption may use, as a value, and the empty keyring; reading them (age, OpenPGP) is
 * keyring.ts's job, loaded only when a Kustomization has keys to read.
 */
import type * as openpgp from "openpgp";

export interface SopsKeyring {
  readonly ageIdentities: readonly string[];
  /** Private keys, decrypted when they were protected and a passphrase opened them. */
  readonly pgpKeys: readonly openpgp.PrivateKey[];
  /** How many imported OpenPGP keys stayed locked (no passphrase opened them): named in errors. */
  readonly lockedPgpKeys: number;
}

export const EMPTY_KEYRING: SopsKeyring = { ageIdentities: [], pgpKeys: [], lockedPgpKeys: 0 };
