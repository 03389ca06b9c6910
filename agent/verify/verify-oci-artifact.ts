/**
 * `spec.verify` for OCIRepository with provider cosign: decides whether the manifest `digest` carries a
 * signature we trust, before anything is pulled. Key mode (`secretRef`: every `*.pub` key is tried, first
 * success wins) verifies legacy `.sig` signatures and v3 DSSE bundles with WebCrypto, ignoring the
 * transparency log as Flux does for keys. Keyless mode (no keys) verifies certificates, SCTs and the log
 * through a KeylessVerifier (sigstore-keyless.ts, loaded only when needed) and matches
 * `matchOIDCIdentity`. In both modes the signed payload must name `digest`: Flux skips that check on the
 * legacy path; we do not. Notation is not implemented and says so.
 */
import { RegistryError } from "../source/oci/registry-types.ts";
import type { RegistryReader } from "./registry-port.ts";
import { base64Decode } from "../core/bytes.ts";
import { inTotoMismatch, preAuthEncoding, simpleSigningMismatch } from "./cosign-claims.ts";
import { findSignatures, type BundleSignature, type LegacySignature } from "./find-signatures.ts";
import { ANNOTATION, checkMatchers, identityMismatch, legacyToBundle, type IdentityMatcher, type KeylessVerifier } from "./keyless.ts";
import { importPublicKeyPem, verifyWithKey, type VerifierKey } from "./public-key.ts";
import { failure, mostTelling, type VerifyFailureReason, type VerifyVerdict } from "./verdict.ts";

export interface VerifyOciArtifactOptions {
  client: RegistryReader;
  /** The manifest digest the ref resolved to. */
  digest: string;
  provider?: "cosign" | "notation";
  /** PEM public keys (the `*.pub` entries of `spec.verify.secretRef`); any key selects key mode. */
  keys?: Array<{ name: string; pem: string }>;
  /** `spec.verify.matchOIDCIdentity` (keyless). */
  identities?: IdentityMatcher[];
  /** `trusted_root.json` from `trustedRootSecretRef`; the Sigstore public-good root when unset. */
  trustedRootJson?: string;
  /** Overrides the @sigstore-backed verifier (tests, other runtimes). */
  keyless?: KeylessVerifier;
}

type Failure = { reason: VerifyFailureReason; message: string };

export async function verifyOciArtifact(o: VerifyOciArtifactOptions): Promise<VerifyVerdict> {
  if ((o.provider ?? "cosign") !== "cosign") return failure("Unsupported", `Cannot verify with provider "${o.provider}": only cosign is supported`);
  const keys: VerifierKey[] = [];
  for (const k of o.keys ?? []) {
    try {
      keys.push(await importPublicKeyPem(k.pem, k.name));
    } catch (err) {
      return failure("BadTrustMaterial", (err as Error).message);
    }
  }
  const identities = o.identities ?? [];
  try {
    checkMatchers(identities);
  } catch (err) {
    return failure("BadTrustMaterial", (err as Error).message);
  }

  let found;
  try {
    found = await findSignatures(o.client, o.digest);
  } catch (err) {
    const why = err instanceof RegistryError ? err.message : `Cannot look up the signatures: ${(err as Error).message}`;
    return failure("FetchFailed", why);
  }
  const where = `${o.client.host}/${o.client.repository}@${o.digest}`;
  const failures: Failure[] = found.problems.map((message) => ({ reason: "InvalidSignature", message }));
  if (found.signatures.length === 0 && failures.length === 0) {
    return failure("NoSignature", `Cannot verify ${where}: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)`);
  }

  let keyless: KeylessVerifier | undefined;
  if (keys.length === 0) {
    try {
      keyless = o.keyless ?? (await defaultKeyless(o.trustedRootJson));
    } catch (err) {
      return failure("BadTrustMaterial", `Cannot load the Sigstore trusted root: ${(err as Error).message}`);
    }
  }
  for (const sig of found.signatures) {
    const result = keys.length > 0
      ? sig.format === "legacy" ? await legacyWithKeys(sig, keys, o.digest) : await bundleWithKeys(sig, keys, o.digest)
      : await withKeyless(sig, keyless!, identities, o.digest);
    if ("verified" in result) return result;
    failures.push(result);
  }
  const best = mostTelling(failures)!;
  const kind = found.signatures[0]?.format === "bundle" ? "Sigstore bundle" : "signature";
  return failure(best.reason, `Cannot verify ${where}: no ${kind} verified${found.signatures.length + found.problems.length > 1 ? ` (${found.signatures.length + found.problems.length} tried)` : ""}: ${best.message}`);
}

async function legacyWithKeys(sig: LegacySignature, keys: VerifierKey[], digest: string): Promise<VerifyVerdict | Failure> {
  const b64 = sig.annotations[ANNOTATION.signature];
  if (!b64) return { reason: "InvalidSignature", message: "a .sig layer has no signature annotation" };
  const raw = base64Decode(b64);
  for (const key of keys) {
    if (!(await verifyWithKey(key, sig.payload, raw))) continue;
    const mismatch = simpleSigningMismatch(sig.payload, digest);
    if (mismatch) return { reason: "DigestMismatch", message: mismatch };
    return { verified: true, method: "key", format: "legacy", signer: key.name };
  }
  return { reason: "InvalidSignature", message: noKeyMessage(keys) };
}

async function bundleWithKeys(sig: BundleSignature, keys: VerifierKey[], digest: string): Promise<VerifyVerdict | Failure> {
  const env = (sig.bundle as { dsseEnvelope?: { payload?: string; payloadType?: string; signatures?: Array<{ sig?: string }> } }).dsseEnvelope;
  if (!env?.payload || !env.payloadType || !Array.isArray(env.signatures)) {
    return { reason: "Unsupported", message: `the bundle in referrer ${sig.referrer} has no DSSE envelope` };
  }
  const payload = base64Decode(env.payload);
  const pae = preAuthEncoding(env.payloadType, payload);
  for (const key of keys) {
    for (const s of env.signatures) {
      if (!s.sig || !(await verifyWithKey(key, pae, base64Decode(s.sig)))) continue;
      const mismatch = inTotoMismatch(env.payloadType, payload, digest);
      if (mismatch) return { reason: "DigestMismatch", message: mismatch };
      return { verified: true, method: "key", format: "bundle", signer: key.name };
    }
  }
  return { reason: "InvalidSignature", message: noKeyMessage(keys) };
}

async function withKeyless(sig: LegacySignature | BundleSignature, verifier: KeylessVerifier, identities: IdentityMatcher[], digest: string): Promise<VerifyVerdict | Failure> {
  let identity;
  try {
    if (sig.format === "legacy") identity = await verifier.verify(await legacyToBundle(sig.payload, sig.annotations), sig.payload);
    else identity = await verifier.verify(sig.bundle);
  } catch (err) {
    return { reason: "InvalidSignature", message: (err as Error).message };
  }
  const who = identityMismatch(identity, identities);
  if (who) return { reason: "IdentityMismatch", message: who };
  let mismatch: string | undefined;
  if (sig.format === "legacy") mismatch = simpleSigningMismatch(sig.payload, digest);
  else {
    const env = (sig.bundle as { dsseEnvelope?: { payload: string; payloadType: string } }).dsseEnvelope;
    mismatch = env ? inTotoMismatch(env.payloadType, base64Decode(env.payload), digest) : "the bundle is not a DSSE envelope, so it names no artifact";
  }
  if (mismatch) return { reason: "DigestMismatch", message: mismatch };
  return { verified: true, method: "keyless", format: sig.format, signer: identity.subject, issuer: identity.issuer };
}

function noKeyMessage(keys: VerifierKey[]): string {
  return `the signature does not verify with ${keys.length === 1 ? `the key ${keys[0]!.name}` : `any of the keys ${keys.map((k) => k.name).join(", ")}`}`;
}

async function defaultKeyless(trustedRootJson?: string): Promise<KeylessVerifier> {
  const { sigstoreKeyless } = await import("./sigstore-keyless.ts");
  return sigstoreKeyless(trustedRootJson);
}
