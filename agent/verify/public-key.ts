/**
 * Public keys for cosign key-based verification, on WebCrypto only (portable): PEM `PUBLIC KEY` (SPKI)
 * or `RSA PUBLIC KEY` (PKCS#1), as cosign's `UnmarshalPEMToPublicKey` accepts; ECDSA P-256/384/521, RSA
 * (PKCS#1 v1.5) and Ed25519, with SHA-256 as Flux's `LoadVerifier(pub, crypto.SHA256)` uses. ECDSA
 * signatures come as ASN.1 DER (cosign's default) or IEEE-P1363 r||s; WebCrypto wants the latter, so DER
 * is converted here.
 */
import { base64Decode } from "../core/bytes.ts";
import { concat } from "../core/bytes.ts";

export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "ecdsa-p521" | "rsa" | "ed25519";

export interface VerifierKey {
  /** Where the key came from, e.g. the Secret data key `cosign.pub`. */
  name: string;
  algorithm: KeyAlgorithm;
  key: CryptoKey;
  /** The SPKI DER, for hints and for signing with the matching private key. */
  spki: Uint8Array;
}

const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  rsa: "1.2.840.113549.1.1.1",
  ed25519: "1.3.101.112",
} as const;

/** Decodes the first PEM block of one of the accepted types. */
export function pemBlock(pem: string): { type: string; der: Uint8Array } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw new Error("Cannot read the public key: no PEM block found");
  return { type: m[1]!, der: base64Decode(m[2]!) };
}

export async function importPublicKeyPem(pem: string, name: string): Promise<VerifierKey> {
  const { type, der } = pemBlock(pem);
  let spki: Uint8Array;
  if (type === "PUBLIC KEY") spki = der;
  else if (type === "RSA PUBLIC KEY") spki = pkcs1ToSpki(der);
  else throw new Error(`Cannot read the public key ${name}: a "${type}" PEM block is not a public key`);
  const { algorithm: oid, parameter } = spkiAlgorithm(spki);
  let algorithm: KeyAlgorithm;
  let params: Parameters<typeof crypto.subtle.importKey>[2];
  if (oid === OID.ecPublicKey) {
    const curve = parameter === OID.p256 ? "P-256" : parameter === OID.p384 ? "P-384" : parameter === OID.p521 ? "P-521" : undefined;
    if (!curve) throw new Error(`Cannot read the public key ${name}: unsupported elliptic curve ${parameter}`);
    algorithm = `ecdsa-${curve.toLowerCase().replace("-", "")}` as KeyAlgorithm;
    params = { name: "ECDSA", namedCurve: curve };
  } else if (oid === OID.rsa) {
    algorithm = "rsa";
    params = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  } else if (oid === OID.ed25519) {
    algorithm = "ed25519";
    params = { name: "Ed25519" };
  } else throw new Error(`Cannot read the public key ${name}: unsupported key algorithm ${oid}`);
  const key = await crypto.subtle.importKey("spki", spki as Uint8Array<ArrayBuffer>, params, true, ["verify"]);
  return { name, algorithm, key, spki };
}

/** True when `sig` is a valid signature of `data` (SHA-256) by the key; malformed signatures are false. */
export async function verifyWithKey(k: VerifierKey, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  const d = data as Uint8Array<ArrayBuffer>;
  try {
    if (k.algorithm === "rsa") return await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, k.key, sig as Uint8Array<ArrayBuffer>, d);
    if (k.algorithm === "ed25519") return await crypto.subtle.verify({ name: "Ed25519" }, k.key, sig as Uint8Array<ArrayBuffer>, d);
    const n = k.algorithm === "ecdsa-p256" ? 32 : k.algorithm === "ecdsa-p384" ? 48 : 66;
    const raw = derToP1363(sig, n) ?? (sig.length === 2 * n ? sig : undefined);
    if (!raw) return false;
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, k.key, raw as Uint8Array<ArrayBuffer>, d);
  } catch {
    return false;
  }
}

/** ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to fixed-width r||s; undefined when it is not that DER. */
export function derToP1363(der: Uint8Array, n: number): Uint8Array | undefined {
  const r = new Reader(der);
  try {
    const seq = r.element(0x30);
    if (r.pos !== der.length) return undefined;
    const inner = new Reader(seq);
    const out = new Uint8Array(2 * n);
    for (let i = 0; i < 2; i++) {
      let v = inner.element(0x02);
      while (v.length > 1 && v[0] === 0) v = v.subarray(1);
      if (v.length > n) return undefined;
      out.set(v, (i + 1) * n - v.length);
    }
    return inner.pos === seq.length ? out : undefined;
  } catch {
    return undefined;
  }
}

function spkiAlgorithm(spki: Uint8Array): { algorithm: string; parameter?: string } {
  const outer = new Reader(new Reader(spki).element(0x30));
  const alg = new Reader(outer.element(0x30));
  const algorithm = oidString(alg.element(0x06));
  const parameter = alg.pos < alg.bytes.length && alg.bytes[alg.pos] === 0x06 ? oidString(alg.element(0x06)) : undefined;
  return { algorithm, parameter };
}

function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const algId = tlv(0x30, concat([Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01), Uint8Array.of(0x05, 0x00)]));
  return tlv(0x30, concat([algId, tlv(0x03, concat([Uint8Array.of(0), pkcs1]))]));
}

function oidString(b: Uint8Array): string {
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  element(tag: number): Uint8Array {
    if (this.bytes[this.pos] !== tag) throw new Error(`Cannot parse DER: expected tag ${tag}`);
    let len = this.bytes[this.pos + 1]!;
    let at = this.pos + 2;
    if (len & 0x80) {
      const count = len & 0x7f;
      if (count < 1 || count > 3) throw new Error("Cannot parse DER: bad length");
      len = 0;
      for (let i = 0; i < count; i++) len = len * 256 + this.bytes[at + i]!;
      at += count;
    }
    if (at + len > this.bytes.length) throw new Error("Cannot parse DER: truncated");
    this.pos = at + len;
    return this.bytes.subarray(at, at + len);
  }
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 128 ? [n] : n < 256 ? [0x81, n] : n < 65536 ? [0x82, n >> 8, n & 255] : [0x83, n >> 16, (n >> 8) & 255, n & 255];
  return concat([Uint8Array.of(tag, ...len), body]);
}

