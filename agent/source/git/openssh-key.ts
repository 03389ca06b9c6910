/**
 * Reads OpenSSH private key files (`-----BEGIN OPENSSH PRIVATE KEY-----`, the openssh-key-v1 format of
 * OpenSSH's PROTOCOL.key) into the parts a signer needs: the public key blob as SSH writes it, and the
 * private key as a WebCrypto key. Ed25519, RSA and ECDSA (nistp256/384/521) keys. A key protected by a
 * password is decrypted as ssh-keygen writes it: bcrypt_pbkdf (the bcrypt-pbkdf package: OpenBSD's
 * function, which WebCrypto lacks) derives the key and IV for aes256-ctr (WebCrypto). Files with more than
 * one key, and other ciphers, are refused with a clear message.
 */
import bcrypt from "bcrypt-pbkdf";

export type SshKeyType = "ssh-ed25519" | "ssh-rsa" | "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521";

export interface SshPrivateKey {
  type: SshKeyType;
  /** The public key blob (string type + key fields), as in authorized_keys after base64. */
  publicBlob: Uint8Array;
  /** The key's comment from the file. */
  comment: string;
  key: CryptoKey;
}

const MAGIC = "openssh-key-v1\0";
const dec = new TextDecoder();

function fail(msg: string): never {
  throw new Error(`Cannot read the SSH private key: ${msg}`);
}

/** A cursor over SSH wire encoding: uint32 lengths before strings and mpints. */
export class SshReader {
  private p = 0;
  constructor(private readonly b: Uint8Array) {}
  uint32(): number {
    if (this.p + 4 > this.b.length) fail("truncated");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.p, 4).getUint32(0);
    this.p += 4;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.uint32();
    if (this.p + n > this.b.length) fail("truncated");
    const v = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return v;
  }
  text(): string {
    return dec.decode(this.bytes());
  }
  /** An mpint without its sign byte. */
  mpint(): Uint8Array {
    const v = this.bytes();
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    return v.subarray(i);
  }
}

const b64url = (b: Uint8Array): string => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`));

function fromBig(n: bigint, length?: number): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  if (length === undefined || out.length >= length) return out;
  const padded = new Uint8Array(length);
  padded.set(out, length - out.length);
  return padded;
}

const CURVES = {
  nistp256: { crv: "P-256", size: 32 },
  nistp384: { crv: "P-384", size: 48 },
  nistp521: { crv: "P-521", size: 66 },
} as const;

/** Decrypts the private section of a key ssh-keygen protected with a password (bcrypt + aes256-ctr). */
async function decryptPrivate(cipher: string, kdfOptions: Uint8Array, data: Uint8Array, password: string | undefined): Promise<Uint8Array> {
  if (cipher !== "aes256-ctr") fail(`the key is encrypted with "${cipher}"; only aes256-ctr (ssh-keygen's default) is supported`);
  if (!password) fail("the key is encrypted and no password was given");
  const opts = new SshReader(kdfOptions);
  const salt = opts.bytes();
  const rounds = opts.uint32();
  const pass = new TextEncoder().encode(password);
  const derived = new Uint8Array(48);
  if (bcrypt.pbkdf(pass, pass.length, salt, salt.length, derived, derived.length, rounds) !== 0) fail("the bcrypt KDF failed");
  const aes = await crypto.subtle.importKey("raw", derived.subarray(0, 32), { name: "AES-CTR" }, false, ["decrypt"]);
  const counter = derived.slice(32, 48);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CTR", counter, length: 128 }, aes, data as Uint8Array<ArrayBuffer>));
}

export async function parseOpenSshPrivateKey(pem: string, password?: string): Promise<SshPrivateKey> {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (!m) fail("not an OpenSSH private key file (BEGIN OPENSSH PRIVATE KEY)");
  let raw: Uint8Array;
  try {
    raw = Uint8Array.from(atob(m[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    fail("the key is not valid base64");
  }
  if (dec.decode(raw.subarray(0, MAGIC.length)) !== MAGIC) fail("missing the openssh-key-v1 header");
  const r = new SshReader(raw.subarray(MAGIC.length));
  const cipher = r.text();
  const kdf = r.text();
  const kdfOptions = r.bytes();
  if ((cipher === "none") !== (kdf === "none") || (kdf !== "none" && kdf !== "bcrypt")) fail(`unsupported key protection (${cipher}, ${kdf})`);
  const n = r.uint32();
  if (n !== 1) fail(`the file holds ${n} keys, expected 1`);
  const publicBlob = r.bytes();
  const section = r.bytes();
  const priv = new SshReader(cipher === "none" ? section : await decryptPrivate(cipher, kdfOptions, section, password));
  if (priv.uint32() !== priv.uint32()) fail(cipher === "none" ? "the check bytes differ (corrupt key)" : "the password is wrong");
  const type = priv.text();
  let key: CryptoKey;
  if (type === "ssh-ed25519") {
    priv.bytes(); // public part
    const secret = priv.bytes();
    if (secret.length !== 64) fail("the Ed25519 key is not 64 bytes");
    // PKCS#8 for Ed25519 is a fixed 16-byte prefix and the 32-byte seed (RFC 8410).
    const pkcs8 = new Uint8Array(48);
    pkcs8.set([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
    pkcs8.set(secret.subarray(0, 32), 16);
    key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  } else if (type === "ssh-rsa") {
    const [nn, e, d, iqmp, p, q] = [priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint(), priv.mpint()];
    if (nn.length * 8 < 2048) fail(`the RSA key has ${nn.length * 8} bits, at least 2048 are required`);
    const dBig = toBig(d);
    const jwk = {
      kty: "RSA",
      n: b64url(nn),
      e: b64url(e),
      d: b64url(d),
      p: b64url(p),
      q: b64url(q),
      dp: b64url(fromBig(dBig % (toBig(p) - 1n))),
      dq: b64url(fromBig(dBig % (toBig(q) - 1n))),
      qi: b64url(iqmp),
    };
    key = await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, false, ["sign"]);
  } else if (type.startsWith("ecdsa-sha2-")) {
    const curve = CURVES[priv.text() as keyof typeof CURVES];
    if (!curve) fail(`unsupported ECDSA curve in "${type}"`);
    const q = priv.bytes();
    const d = priv.mpint();
    if (q[0] !== 4 || q.length !== 1 + 2 * curve.size) fail("the ECDSA public point is not uncompressed");
    const jwk = {
      kty: "EC",
      crv: curve.crv,
      x: b64url(q.subarray(1, 1 + curve.size)),
      y: b64url(q.subarray(1 + curve.size)),
      d: b64url(fromBig(toBig(d), curve.size)),
    };
    key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: curve.crv }, false, ["sign"]);
  } else fail(`unsupported key type "${type}"`);
  const comment = priv.text();
  return { type: type as SshKeyType, publicBlob, comment, key };
}
