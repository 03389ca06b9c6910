/**
 * The KeylessVerifier on @sigstore/verify: certificate chain to a Fulcio CA in the trusted root, at least
 * one SCT, one transparency-log entry and one verified timestamp (cosign's and Flux's keyless defaults),
 * then the signature. Trust comes from a `trusted_root.json` (Flux's `trustedRootSecretRef`) or the
 * Sigstore public-good root shipped beside this file (public-good-trusted-root.json, taken from
 * @sigstore/tuf 5.0.1's seeds; refresh it when Sigstore rotates keys). Offline: no TUF, no Rekor queries.
 * @sigstore/* use node:crypto internally; on Deno import agent/runtime/sigstore-shim.ts first.
 */
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import publicGood from "./public-good-trusted-root.json" with { type: "json" };
import type { KeylessIdentity, KeylessVerifier } from "./keyless.ts";

export const DEFAULTS = {
  tlogThreshold: 1,
  ctlogThreshold: 1,
  timestampThreshold: 1,
} as const;

export function sigstoreKeyless(trustedRootJson?: string): KeylessVerifier {
  let root: unknown;
  try {
    root = trustedRootJson === undefined ? publicGood : JSON.parse(trustedRootJson);
  } catch (err) {
    throw new Error("trusted_root.json is not JSON", { cause: err });
  }
  const trust = toTrustMaterial(TrustedRoot.fromJSON(root));
  const verifier = new Verifier(trust, { ...DEFAULTS });
  return {
    async verify(bundleJson: unknown, artifact?: Uint8Array): Promise<KeylessIdentity> {
      let bundle;
      try {
        bundle = bundleFromJSON(bundleJson);
      } catch (err) {
        throw new Error(`the Sigstore bundle is malformed: ${(err as Error).message}`, { cause: err });
      }
      let signer;
      try {
        // The library's types say Buffer; it only reads the bytes.
        signer = verifier.verify(toSignedEntity(bundle, artifact as Parameters<typeof toSignedEntity>[1]));
      } catch (err) {
        const e = err as Error & { code?: string };
        throw new Error(`the keyless signature does not verify against the trusted root: ${e.code ? `${e.code} ` : ""}${e.message}`, { cause: err });
      }
      const subject = signer.identity?.subjectAlternativeName;
      const issuer = signer.identity?.extensions?.issuer;
      if (!subject || !issuer) throw new Error("the signing certificate has no subject alternative name or OIDC issuer");
      return { subject, issuer };
    },
  };
}
