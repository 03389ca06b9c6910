/**
 * GitRepository `spec.verify` with OpenPGP keys: checks the detached signature of the HEAD commit (its
 * `gpgsig` header over the commit without that header), of the annotated tag (the armored block at the
 * end of the tag over the bytes before it), or both, against every armored public key in the verify
 * Secret (Flux reads all of the Secret's values). The result is data the reconciler turns into the
 * `SourceVerified` condition, with Flux's reasons and message shapes:
 *   Succeeded: "verified signature of\n\t- commit 'main@sha1:…' with key '<16 hex key id>'"
 *   InvalidCommitSignature / InvalidTagSignature: "signature verification of commit '<id>' failed: …"
 *   InvalidVerificationMode: Tag modes without a tag ref.
 * Not supported: SSH signatures (`*.sshpub` keys) and X.509 (gpgsm) signatures; they fail verification.
 * `gitSignatureVerifier` is the same check behind the verifier port (verifier.ts) GitRepository takes.
 */
import * as openpgp from "openpgp";
import type { Commit, Tag } from "../source/git/git-object.ts";
import type { Verifier } from "./verifier.ts";

export type VerifyMode = "HEAD" | "head" | "Tag" | "TagAndHEAD";

export interface VerifyInput {
  /** `spec.verify.mode`; "head" is Flux's legacy spelling of HEAD. Default HEAD. */
  mode?: VerifyMode;
  /** Every value of the verify Secret (decoded), each holding one or more armored public keys. */
  keys: string[];
  commitId: string;
  commit: Commit;
  /** The annotated tag the ref resolved to, if any, and its ref name (e.g. "v1.0.0"). */
  tag?: Tag;
  /** The artifact revision, used in the success message like Flux. */
  revision: string;
}

export type VerifyReason = "Succeeded" | "InvalidCommitSignature" | "InvalidTagSignature" | "InvalidVerificationMode";

export interface VerifyResult {
  verified: boolean;
  reason: VerifyReason;
  message: string;
  /** The normalized mode, for `status.sourceVerificationMode`. */
  mode: "HEAD" | "Tag" | "TagAndHEAD";
  /** Key ids (16 hex digits, upper case) that verified the commit and/or tag. */
  commitKey?: string;
  tagKey?: string;
}

/** Verifies `signature` (armored, detached) over `payload`; returns the primary key id that made it. */
export async function verifyDetached(payload: Uint8Array, armoredSignature: string | undefined, armoredKeys: string[]): Promise<string> {
  if (!armoredSignature) throw new Error("no signature found");
  if (!armoredSignature.includes("-----BEGIN PGP SIGNATURE-----")) throw new Error("not an OpenPGP signature (SSH and X.509 signatures are not supported)");
  const keys: openpgp.Key[] = [];
  for (const a of armoredKeys) {
    try {
      keys.push(...(await openpgp.readKeys({ armoredKeys: a })));
    } catch (err) {
      throw new Error(`unable to read the public keys: ${(err as Error).message}`, { cause: err });
    }
  }
  if (keys.length === 0) throw new Error("no public keys to verify with");
  const signature = await openpgp.readSignature({ armoredSignature });
  const message = await openpgp.createMessage({ binary: payload });
  const { signatures } = await openpgp.verify({ message, signature, verificationKeys: keys, format: "binary" });
  const first = signatures[0];
  if (!first) throw new Error("the signature holds no signature packets");
  await first.verified; // rejects with openpgp's reason: bad signature, unknown key, expired key
  const signer = keys.find((k) => k.getKeys(first.keyID).length > 0);
  return (signer?.getKeyID() ?? first.keyID).toHex().toUpperCase();
}

export async function verifyGitSignatures(input: VerifyInput): Promise<VerifyResult> {
  const mode = input.mode === "head" || !input.mode ? "HEAD" : input.mode;
  const lines: string[] = [];
  const result: VerifyResult = { verified: false, reason: "Succeeded", message: "", mode };
  if (mode === "Tag" || mode === "TagAndHEAD") {
    if (!input.tag) {
      return {
        ...result,
        reason: "InvalidVerificationMode",
        message: "cannot verify tag object's signature if a tag reference is not specified (or the tag is not annotated)",
      };
    }
    try {
      result.tagKey = await verifyDetached(input.tag.payload, input.tag.signature, input.keys);
      lines.push(`tag '${input.tag.tag}' with key '${result.tagKey}'`);
    } catch (err) {
      return { ...result, reason: "InvalidTagSignature", message: `signature verification of tag '${input.tag.tag}' failed: ${(err as Error).message}` };
    }
  }
  if (mode === "HEAD" || mode === "TagAndHEAD") {
    try {
      result.commitKey = await verifyDetached(input.commit.payload, input.commit.signature, input.keys);
      lines.unshift(`commit '${input.revision}' with key '${result.commitKey}'`);
    } catch (err) {
      return { ...result, reason: "InvalidCommitSignature", message: `signature verification of commit '${input.commitId}' failed: ${(err as Error).message}` };
    }
  }
  return { ...result, verified: true, message: `verified signature of\n${lines.map((l) => `\t- ${l}`).join("\n")}` };
}

/** The objects a fetched Git revision offers for verification. */
export interface GitSignedObjects {
  commitId: string;
  commit: Commit;
  tag?: Tag;
  revision: string;
}

/** `spec.verify` of a GitRepository as a verifier: the mode and the verify Secret's armored keys. */
export function gitSignatureVerifier(o: { mode?: VerifyMode; keys: string[] }): Verifier<GitSignedObjects> {
  return async (subject) => {
    const v = await verifyGitSignatures({ ...subject, mode: o.mode, keys: o.keys });
    return v.verified ? { verified: true, message: v.message } : { verified: false, reason: v.reason, message: v.message };
  };
}
