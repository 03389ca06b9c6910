import { expect, test } from "bun:test";
import fc from "fast-check";
import { base64Decode, base64Encode, concat } from "./bytes.ts";

test("concat joins chunks in order, whatever their sizes", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const joined = concat(chunks);
      expect([...joined]).toEqual(chunks.flatMap((c) => [...c]));
    }),
  );
});

test("base64Decode(base64Encode(bytes)) gives the bytes back, at any length", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70_000 }), (bytes) => {
      expect([...base64Decode(base64Encode(bytes))]).toEqual([...bytes]);
    }),
    { numRuns: 30 },
  );
});

test("base64Decode ignores the line breaks PEM bodies carry", () => {
  expect(new TextDecoder().decode(base64Decode("aGVs\nbG8=\n"))).toBe("hello");
});
