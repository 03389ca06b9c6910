/**
 * What a cosign signature says it signs, and the check that it names the digest being verified. Two
 * payload shapes: the legacy "simple signing" JSON (`critical.image.docker-manifest-digest`) and the
 * in-toto Statement inside a v3 bundle's DSSE envelope (`subject[].digest.sha256`). Flux skips the legacy
 * check (its CheckOpts has no ClaimVerifier); we never do. Keys are matched case-insensitively, as Go's
 * encoding/json does when cosign decodes the payload.
 */

export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1";

/** The payload `cosign sign` writes for a legacy `.sig` signature, byte for byte in cosign's key order. */
export function simpleSigningPayload(dockerReference: string, digest: string, optional?: Record<string, string>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      critical: { identity: { "docker-reference": dockerReference }, image: { "docker-manifest-digest": digest }, type: SIMPLE_SIGNING_TYPE },
      optional: optional ?? null,
    }),
  );
}

/** An in-toto Statement v1 about one manifest digest, as cosign v3 signs it. */
export function inTotoStatement(digest: string): Uint8Array {
  const [alg, hex] = digest.split(":");
  return new TextEncoder().encode(
    JSON.stringify({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ digest: { [alg!]: hex } }],
      predicateType: COSIGN_SIGN_PREDICATE,
      predicate: {},
    }),
  );
}

/** DSSE's pre-authentication encoding: what a DSSE signature actually signs. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const head = enc.encode(`DSSEv1 ${enc.encode(payloadType).length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** undefined when the simple-signing payload names `digest`; otherwise why not. */
export function simpleSigningMismatch(payload: Uint8Array, digest: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return "the signed payload is not JSON";
  }
  const critical = field(doc, "critical");
  const type = field(critical, "type");
  if (type !== SIMPLE_SIGNING_TYPE) return `the signed payload has type ${JSON.stringify(type)}, not "${SIMPLE_SIGNING_TYPE}"`;
  const named = field(field(critical, "image"), "docker-manifest-digest");
  if (named !== digest) return `the signed payload names ${typeof named === "string" ? named : "no digest"}, not ${digest}`;
  return undefined;
}

/** undefined when the in-toto statement has `digest` among its subjects; otherwise why not. */
export function inTotoMismatch(payloadType: string, payload: Uint8Array, digest: string): string | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return `the signed envelope has payload type "${payloadType}", not "${IN_TOTO_PAYLOAD_TYPE}"`;
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return "the signed statement is not JSON";
  }
  const [alg, hex] = digest.split(":");
  const subjects = field(doc, "subject");
  const named: string[] = [];
  if (Array.isArray(subjects)) {
    for (const s of subjects) {
      const v = field(field(s, "digest"), alg!);
      if (v === hex) return undefined;
      if (typeof v === "string") named.push(`${alg}:${v}`);
    }
  }
  return `the signed statement names ${named.length ? named.join(", ") : "no digest"}, not ${digest}`;
}

function field(o: unknown, name: string): unknown {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  if (name in rec) return rec[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}
