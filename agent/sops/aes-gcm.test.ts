import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ctrAesGcm, portableAesGcm, webCryptoAesGcm } from "./aes-gcm.ts";

describe("AES-256-GCM with 32-byte IVs", () => {
  test("the portable cipher seals the same bytes as WebCrypto and opens what WebCrypto sealed", async () => {
    let native = true;
    await webCryptoAesGcm(new Uint8Array(32)).then((c) => c.seal(new Uint8Array(32), new Uint8Array(1), new Uint8Array(0))).catch(() => (native = false));
    if (!native) return; // Deno: no native 32-byte IVs to compare with; the fixtures check the portable one.
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), async (key, iv, plain, aad) => {
        const [js, web] = [portableAesGcm(key), await webCryptoAesGcm(key)];
        const sealed = await web.seal(iv, plain, aad);
        expect(Array.from(await js.seal(iv, plain, aad))).toEqual(Array.from(sealed));
        expect(Array.from(await js.open(iv, sealed, aad))).toEqual(Array.from(plain));
      }),
      { numRuns: 50 },
    );
  });

  test("GCM composed from AES-CTR and GHASH seals what @noble/ciphers seals and opens it, 12- and 32-byte IVs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(12, 32), fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), async (key, ivLength, plain, aad) => {
        const iv = crypto.getRandomValues(new Uint8Array(ivLength));
        const [js, ctr] = [portableAesGcm(key), await ctrAesGcm(key)];
        const sealed = await js.seal(iv, plain, aad);
        expect(Array.from(await ctr.seal(iv, plain, aad))).toEqual(Array.from(sealed));
        expect(Array.from(await ctr.open(iv, sealed, aad))).toEqual(Array.from(plain));
      }),
      { numRuns: 50 },
    );
  });

  test("CTR + GHASH refuses a changed tag, ciphertext or additional data", async () => {
    const c = await ctrAesGcm(new Uint8Array(32).fill(3));
    const iv = new Uint8Array(32).fill(9);
    const sealed = await c.seal(iv, new TextEncoder().encode("value"), new TextEncoder().encode("a:"));
    for (const at of [0, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      await expect(c.open(iv, bad, new TextEncoder().encode("a:"))).rejects.toThrow("the tag does not authenticate");
    }
    await expect(c.open(iv, sealed, new TextEncoder().encode("b:"))).rejects.toThrow("the tag does not authenticate");
  });

  test("a changed additional data does not authenticate", async () => {
    const c = portableAesGcm(new Uint8Array(32).fill(1));
    const sealed = await c.seal(new Uint8Array(32), new TextEncoder().encode("v"), new TextEncoder().encode("a:"));
    await expect(c.open(new Uint8Array(32), sealed, new TextEncoder().encode("b:"))).rejects.toThrow();
  });
});
