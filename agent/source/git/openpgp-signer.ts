/**
 * Signs commits with an OpenPGP key, as image automation's `signingKey` (type gpg) does: the Secret's
 * armored private key (`git.asc`), unlocked with the optional `passphrase`, makes an armored detached
 * signature over the commit payload, which goes into the commit's `gpgsig` header (object-writer.ts).
 * The first key in the armor signs. Messages never include the key or the passphrase.
 */
import * as openpgp from "openpgp";
import type { CommitSigner } from "./object-writer.ts";

export async function openpgpSigner(armoredKey: string, passphrase?: string): Promise<CommitSigner> {
  let key: openpgp.PrivateKey;
  try {
    key = (await openpgp.readPrivateKeys({ armoredKeys: armoredKey }))[0]!;
  } catch (err) {
    throw new Error(`Cannot read the OpenPGP signing key: ${(err as Error).message}`, { cause: err });
  }
  if (!key.isDecrypted()) {
    if (!passphrase) throw new Error(`Cannot unlock the OpenPGP signing key ${key.getKeyID().toHex()}: it is encrypted and no passphrase was given`);
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (err) {
      throw new Error(`Cannot unlock the OpenPGP signing key ${key.getKeyID().toHex()}: the passphrase is wrong`, { cause: err });
    }
  }
  const signingKey = key;
  return async (payload) => {
    const message = await openpgp.createMessage({ binary: payload });
    return await openpgp.sign({ message, signingKeys: signingKey, detached: true, format: "armored" });
  };
}
