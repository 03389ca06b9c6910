/**
 * AES-256-GCM with sops's 32-byte IVs. WebCrypto does it natively on Bun and Node; Deno's WebCrypto
 * accepts only 12- and 16-byte IVs, so there GCM is composed from WebCrypto's AES-CTR (the keystream,
 * native) and GHASH in JavaScript (NIST SP 800-38D: J0 from the IV, the tag over AAD and ciphertext),
 * and @noble/ciphers (pure JS, audited) is the last resort. Which one a runtime gets is probed once;
 * aes-gcm.test.ts checks all three give the same bytes.
 */
import { gcm } from "@noble/ciphers/aes.js";

export interface AesGcm {
  /** Ciphertext followed by the 16-byte tag. */
  seal(iv: Uint8Array, plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws when the tag does not authenticate. */
  open(iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

type Buf = Uint8Array<ArrayBuffer>;

export function portableAesGcm(key: Uint8Array): AesGcm {
  return {
    seal: async (iv, plain, aad) => gcm(key, iv, aad).encrypt(plain),
    open: async (iv, sealed, aad) => gcm(key, iv, aad).decrypt(sealed),
  };
}

export async function webCryptoAesGcm(key: Uint8Array): Promise<AesGcm> {
  const k = await crypto.subtle.importKey("raw", key as Buf, "AES-GCM", false, ["encrypt", "decrypt"]);
  return {
    seal: async (iv, plain, aad) => new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv as Buf, additionalData: aad as Buf }, k, plain as Buf)),
    open: async (iv, sealed, aad) => new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: iv as Buf, additionalData: aad as Buf }, k, sealed as Buf)),
  };
}

type Words = [number, number, number, number];

const wordsOf = (b: Uint8Array, at = 0): Words => {
  const v = new DataView(b.buffer, b.byteOffset + at, 16);
  return [v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)];
};

/** x·h in GF(2^128) with GCM's bit order (SP 800-38D, Algorithm 1). */
function gfMul(x: Words, h: Words): Words {
  let [z0, z1, z2, z3] = [0, 0, 0, 0];
  let [v0, v1, v2, v3] = h;
  for (let i = 0; i < 128; i++) {
    if ((x[i >>> 5]! >>> (31 - (i & 31))) & 1) {
      z0 ^= v0;
      z1 ^= v1;
      z2 ^= v2;
      z3 ^= v3;
    }
    const lsb = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (lsb ? 0xe1000000 : 0);
  }
  return [z0 >>> 0, z1 >>> 0, z2 >>> 0, z3 >>> 0];
}

/** GHASH over each part zero-padded to whole blocks, then the length block (lengths in bits). */
function ghash(h: Words, parts: Uint8Array[], lengths?: [number, number]): Uint8Array {
  let y: Words = [0, 0, 0, 0];
  const block = new Uint8Array(16);
  const absorb = (b: Uint8Array) => {
    const w = wordsOf(b);
    y = gfMul([y[0] ^ w[0], y[1] ^ w[1], y[2] ^ w[2], y[3] ^ w[3]], h);
  };
  for (const p of parts) {
    for (let at = 0; at < p.length; at += 16) {
      block.fill(0);
      block.set(p.subarray(at, at + 16));
      absorb(block);
    }
  }
  if (lengths) {
    const v = new DataView(block.buffer);
    v.setBigUint64(0, BigInt(lengths[0]) * 8n);
    v.setBigUint64(8, BigInt(lengths[1]) * 8n);
    absorb(block);
  }
  const out = new DataView(new ArrayBuffer(16));
  y.forEach((w, i) => out.setUint32(i * 4, w));
  return new Uint8Array(out.buffer);
}

/** GCM from WebCrypto's AES-CTR keystream and GHASH here, for runtimes without 32-byte GCM IVs. */
export async function ctrAesGcm(key: Uint8Array): Promise<AesGcm> {
  const k = await crypto.subtle.importKey("raw", key as Buf, "AES-CTR", false, ["encrypt"]);
  // One CTR call from J0 over a zero block and the data yields E(J0) (the tag mask), then the data
  // keystream from inc32(J0): what GCM prescribes.
  const ctr = async (counter: Uint8Array, data: Uint8Array) => new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CTR", counter: counter as Buf, length: 32 }, k, data as Buf));
  const h = wordsOf(await ctr(new Uint8Array(16), new Uint8Array(16)));
  const j0 = (iv: Uint8Array) => {
    if (iv.length !== 12) return ghash(h, [iv], [0, iv.length]);
    const j = new Uint8Array(16);
    j.set(iv);
    j[15] = 1;
    return j;
  };
  const run = async (iv: Uint8Array, data: Uint8Array) => {
    const input = new Uint8Array(16 + data.length);
    input.set(data, 16);
    const out = await ctr(j0(iv), input);
    return { mask: out.subarray(0, 16), data: out.subarray(16) };
  };
  const tag = (aad: Uint8Array, c: Uint8Array, mask: Uint8Array) => ghash(h, [aad, c], [aad.length, c.length]).map((b, i) => b ^ mask[i]!);
  return {
    async seal(iv, plain, aad) {
      const { mask, data } = await run(iv, plain);
      const out = new Uint8Array(data.length + 16);
      out.set(data);
      out.set(tag(aad, data, mask), data.length);
      return out;
    },
    async open(iv, sealed, aad) {
      if (sealed.length < 16) throw new Error("the ciphertext is shorter than its tag");
      const c = sealed.subarray(0, sealed.length - 16);
      const { mask, data } = await run(iv, c);
      const expected = tag(aad, c, mask);
      let diff = 0;
      for (let i = 0; i < 16; i++) diff |= expected[i]! ^ sealed[c.length + i]!;
      if (diff !== 0) throw new Error("the tag does not authenticate");
      return data;
    },
  };
}

type Kind = "native" | "ctr" | "portable";
let kind: Promise<Kind> | undefined;

/** Which cipher this runtime gets: native GCM when it takes 32-byte IVs, else CTR + GHASH, else noble. */
function probe(): Promise<Kind> {
  const works = (make: (k: Uint8Array) => Promise<AesGcm>) =>
    make(new Uint8Array(32))
      .then((c) => c.seal(new Uint8Array(32), new Uint8Array(1), new Uint8Array(0)))
      .then(() => true, () => false);
  kind ??= works(webCryptoAesGcm).then(async (native) => (native ? "native" : (await works(ctrAesGcm)) ? "ctr" : "portable"));
  return kind;
}

/** The cipher for one data key. */
export async function aesGcm(key: Uint8Array): Promise<AesGcm> {
  if (key.length !== 32) throw new Error(`the data key has ${key.length} bytes, not 32`);
  const k = await probe();
  return k === "native" ? webCryptoAesGcm(key) : k === "ctr" ? ctrAesGcm(key) : portableAesGcm(key);
}
