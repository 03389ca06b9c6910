/**
 * AES-256-GCM with sops's 32-byte IVs. WebCrypto does it natively on Bun and Node; Deno's WebCrypto
 * accepts only 12- and 16-byte IVs, so there the same cipher runs in @noble/ciphers (pure JS, audited).
 * Which one a runtime gets is probed once; aes-gcm.test.ts checks both give the same bytes.
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

let native: Promise<boolean> | undefined;

/** Whether this runtime's WebCrypto takes a 32-byte GCM IV. */
function nativeTakes32ByteIvs(): Promise<boolean> {
  native ??= webCryptoAesGcm(new Uint8Array(32))
    .then((c) => c.seal(new Uint8Array(32), new Uint8Array(1), new Uint8Array(0)))
    .then(() => true, () => false);
  return native;
}

/** The cipher for one data key: native where the runtime can, portable where it cannot. */
export async function aesGcm(key: Uint8Array): Promise<AesGcm> {
  if (key.length !== 32) throw new Error(`the data key has ${key.length} bytes, not 32`);
  return (await nativeTakes32ByteIvs()) ? webCryptoAesGcm(key) : portableAesGcm(key);
}
