import { expect, test } from "bun:test";
import fc from "fast-check";
import { olderVersion } from "./resource-version.ts";

test.each([
  ["9", "10", true],
  ["10", "9", false],
  ["123", "123", false],
  ["", "5", false],
  ["abc", "5", false],
  [undefined, "5", false],
  ["18446744073709551617", "18446744073709551618", true],
] as const)("olderVersion(%p, %p) is %p", (a, b, want) => {
  expect(olderVersion(a, b)).toBe(want);
});

test("olderVersion orders decimal versions as numbers, beyond 2^53", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.bigInt({ min: 0n, max: 2n ** 80n }), (a, b) => {
      expect(olderVersion(String(a), String(b))).toBe(a < b);
    }),
  );
});
