import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { base64Encode } from "../core/bytes.ts";
import { wrappedBase64 } from "./generators.ts";

describe("wrappedBase64", () => {
  test("cuts encodings of 70 characters or more into 70-column lines that each end in a newline, and decodes to the input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const out = wrappedBase64(bytes);
        const plain = base64Encode(bytes);
        if (plain.length < 70) return expect(out).toBe(plain);
        const lines = out.split("\n");
        expect(lines.pop()).toBe("");
        expect(lines.every((l, i) => l.length === (i < lines.length - 1 ? 70 : l.length) && l.length <= 70 && l.length > 0)).toBe(true);
        expect(lines.join("")).toBe(plain);
      }),
    );
  });
});
