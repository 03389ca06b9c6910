/**
 * The keyless (Fulcio certificate) side of cosign verification, as a port: `KeylessVerifier` checks a
 * Sigstore bundle against a trusted root (certificate chain, SCTs, transparency log, timestamps) and
 * returns the certificate's identity; sigstore-keyless.ts implements it with @sigstore/verify. This file
 * holds the portable parts: turning a legacy `.sig` layer's annotations into a v0.1 bundle (so one
 * verifier serves both formats), and matching identities the way Flux's `matchOIDCIdentity` does (Go
 * regexps, unanchored like Go's MatchString, entries OR-ed; no entries accepts any identity).
 */
import { base64Decode, base64Encode } from "../core/bytes.ts";
import { pemBlock } from "./public-key.ts";

export interface KeylessIdentity {
  /** Certificate subject alternative name (URI or e-mail). */
  subject: string;
  /** OIDC issuer from the Fulcio extension. */
  issuer: string;
}

export interface KeylessVerifier {
  /** Verifies the bundle (and, for message signatures, the artifact it signs); throws with the reason. */
  verify(bundle: unknown, artifact?: Uint8Array): Promise<KeylessIdentity>;
}

export interface IdentityMatcher {
  issuer: string;
  subject: string;
}

export const ANNOTATION = {
  signature: "dev.cosignproject.cosign/signature",
  certificate: "dev.sigstore.cosign/certificate",
  chain: "dev.sigstore.cosign/chain",
  bundle: "dev.sigstore.cosign/bundle",
  rfc3161: "dev.sigstore.cosign/rfc3161timestamp",
} as const;

/** undefined when some matcher accepts the identity; otherwise why none did. */
export function identityMismatch(id: KeylessIdentity, matchers: IdentityMatcher[]): string | undefined {
  if (matchers.length === 0) return undefined;
  for (const m of matchers) {
    if (new RegExp(m.issuer).test(id.issuer) && new RegExp(m.subject).test(id.subject)) return undefined;
  }
  return `the certificate identity (subject "${id.subject}", issuer "${id.issuer}") matches none of ${matchers.length} matchOIDCIdentity entries`;
}

/** Compiles the matchers early so a bad regexp is a clear error, not a failed signature. */
export function checkMatchers(matchers: IdentityMatcher[]): void {
  for (const m of matchers) {
    for (const [field, re] of [["issuer", m.issuer], ["subject", m.subject]] as const) {
      try {
        new RegExp(re);
      } catch (err) {
        throw new Error(`Cannot use the matchOIDCIdentity ${field} "${re}": it is not a valid regular expression`, { cause: err });
      }
    }
  }
}

/** A legacy `.sig` layer (payload + annotations) as a Sigstore v0.1 message-signature bundle. */
export async function legacyToBundle(payload: Uint8Array, annotations: Record<string, string>): Promise<unknown> {
  const certPem = annotations[ANNOTATION.certificate];
  const signature = annotations[ANNOTATION.signature];
  if (!certPem || !signature) throw new Error("the signature has no certificate (it was signed with a key, not keyless)");
  const leaf = pemBlock(certPem).der;
  const tlogEntries: unknown[] = [];
  const rekor = annotations[ANNOTATION.bundle];
  if (rekor) {
    const rb = JSON.parse(rekor) as {
      SignedEntryTimestamp: string;
      Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
    };
    const body = JSON.parse(new TextDecoder().decode(base64Decode(rb.Payload.body))) as { kind: string; apiVersion: string };
    tlogEntries.push({
      logIndex: String(rb.Payload.logIndex),
      logId: { keyId: base64Encode(hexBytes(rb.Payload.logID)) },
      kindVersion: { kind: body.kind, version: body.apiVersion },
      integratedTime: String(rb.Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
      canonicalizedBody: rb.Payload.body,
    });
  }
  const rfc3161Timestamps: unknown[] = [];
  const ts = annotations[ANNOTATION.rfc3161];
  if (ts) rfc3161Timestamps.push({ signedTimestamp: (JSON.parse(ts) as { SignedRFC3161Timestamp: string }).SignedRFC3161Timestamp });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", payload as Uint8Array<ArrayBuffer>));
  return {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: base64Encode(leaf) }] },
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps },
    },
    messageSignature: { messageDigest: { algorithm: "SHA2_256", digest: base64Encode(digest) }, signature },
  };
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
