import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { shamirCombine, shamirSplit } from "./shamir.ts";

describe("Shamir over GF(256)", () => {
  test("any threshold-sized subset of the shares recovers the secret", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 4 }), (secret, threshold, extra) => {
        const shares = shamirSplit(secret, threshold + extra, threshold);
        const picked = fc.sample(fc.shuffledSubarray(shares, { minLength: threshold, maxLength: threshold }), 1)[0]!;
        expect(Array.from(shamirCombine(picked))).toEqual(Array.from(secret));
      }),
      { numRuns: 100 },
    );
  });

  test("shares carry their x coordinate last, 1 to n, as sops's shamir package writes them", () => {
    const shares = shamirSplit(new Uint8Array(32), 3, 2);
    expect(shares.map((s) => [s.length, s[32]])).toEqual([[33, 1], [33, 2], [33, 3]]);
  });

  test("a known 2-of-2 split over the AES field combines to its secret", () => {
    // f(x) = 0x42 + 0x03·x in GF(2^8): f(1) = 0x41, f(2) = 0x44 (0x03·0x02 = 0x06).
    expect(Array.from(shamirCombine([Uint8Array.of(0x41, 1), Uint8Array.of(0x44, 2)]))).toEqual([0x42]);
  });

  test("fewer shares than the threshold do not recover the secret", () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const shares = shamirSplit(secret, 3, 3);
    expect(Array.from(shamirCombine(shares.slice(0, 2)))).not.toEqual(Array.from(secret));
  });

  test("bad inputs are refused with sops's messages", () => {
    expect(() => shamirSplit(new Uint8Array(1), 2, 3)).toThrow("parts cannot be less than threshold");
    expect(() => shamirSplit(new Uint8Array(1), 2, 1)).toThrow("threshold must be at least 2");
    expect(() => shamirCombine([Uint8Array.of(1, 1)])).toThrow("less than two parts cannot be used to reconstruct the secret");
    expect(() => shamirCombine([Uint8Array.of(1, 1), Uint8Array.of(2, 1)])).toThrow("duplicate part detected");
  });
});
