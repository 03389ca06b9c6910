/**
 * The result of verifying an artifact's signatures, as data. A failure carries a short code (what went
 * wrong, for tests and metrics) and a message for the `SourceVerified=False` condition; the reconciler
 * uses Flux's condition reason `VerificationError` for every code. Codes, in the order a report prefers
 * them when several signatures fail differently (the most telling first): DigestMismatch (a genuine
 * signature over another artifact), IdentityMismatch (a genuine keyless signature by someone else),
 * InvalidSignature (no key or trusted certificate produced it, or its payload was altered), then
 * NoSignature, Unsupported, FetchFailed, BadTrustMaterial.
 */

export type VerifyFailureReason =
  | "DigestMismatch"
  | "IdentityMismatch"
  | "InvalidSignature"
  | "NoSignature"
  | "Unsupported"
  | "FetchFailed"
  | "BadTrustMaterial";

export type SignatureFormat = "legacy" | "bundle";

export type VerifyVerdict =
  | {
      verified: true;
      method: "key" | "keyless";
      format: SignatureFormat;
      /** The key's Secret data key (key mode) or the certificate's subject (keyless). */
      signer: string;
      issuer?: string;
    }
  | { verified: false; reason: VerifyFailureReason; message: string };

/** Flux's condition reason for any failed verification. */
export const VERIFICATION_ERROR = "VerificationError";

const RANK: VerifyFailureReason[] = ["DigestMismatch", "IdentityMismatch", "InvalidSignature", "NoSignature", "Unsupported", "FetchFailed", "BadTrustMaterial"];

export function failure(reason: VerifyFailureReason, message: string): VerifyVerdict {
  return { verified: false, reason, message };
}

/** The most telling of several failures (see the module comment). */
export function mostTelling(failures: Array<{ reason: VerifyFailureReason; message: string }>): { reason: VerifyFailureReason; message: string } | undefined {
  let best: { reason: VerifyFailureReason; message: string } | undefined;
  for (const f of failures) if (!best || RANK.indexOf(f.reason) < RANK.indexOf(best.reason)) best = f;
  return best;
}
