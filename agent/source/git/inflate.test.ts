import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deflateSync, constants } from "node:zlib";
import { continueInflate, inflateAt, startInflate } from "./inflate.ts";

const trailer = new Uint8Array([9, 8, 7, 6, 5]);

function withTrailer(z: Uint8Array): Uint8Array {
  const b = new Uint8Array(3 + z.length + trailer.length);
  b.set([0xaa, 0xbb, 0xcc]);
  b.set(z, 3);
  b.set(trailer, 3 + z.length);
  return b;
}

describe("inflateAt", () => {
  test.each([
    ["empty", new Uint8Array(0), 6],
    ["stored blocks", new TextEncoder().encode("stored ".repeat(20000)), 0],
    ["fixed Huffman", new TextEncoder().encode("hi"), 9],
    ["dynamic Huffman, long matches", new TextEncoder().encode("abcabcabc-".repeat(5000)), 9],
    ["overlapping copies", new Uint8Array(70000).fill(7), 6],
  ] as const)("inflates %s and reports the end of the stream", (_, data, level) => {
    const z = new Uint8Array(deflateSync(data, { level }));
    const r = inflateAt(withTrailer(z), 3, data.length);
    expect(r.end).toBe(3 + z.length);
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
  });

  test("inflates whatever zlib produces at any level and strategy, stopping exactly at the stream end", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s.repeat(3)))),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED),
        (data, level, strategy) => {
          const z = new Uint8Array(deflateSync(data, { level, strategy }));
          const r = inflateAt(withTrailer(z), 3, data.length);
          expect(r.end).toBe(3 + z.length);
          expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("rejects a stream that inflates to more than the declared size", () => {
    const z = new Uint8Array(deflateSync(new Uint8Array(1000)));
    expect(() => inflateAt(z, 0, 999)).toThrow(/exceeds the expected 999 bytes/);
  });

  test("rejects a stream that inflates to less than the declared size", () => {
    const z = new Uint8Array(deflateSync(new Uint8Array(1000)));
    expect(() => inflateAt(z, 0, 1001)).toThrow(/expected 1001/);
  });

  test("rejects a bad header and a truncated stream", () => {
    expect(() => inflateAt(new Uint8Array([0x78, 0x00, 0, 0]), 0, 0)).toThrow(/invalid zlib header/);
    const z = new Uint8Array(deflateSync(new TextEncoder().encode("x".repeat(100) + Math.random())));
    expect(() => inflateAt(z.subarray(0, z.length - 6), 0, 100)).toThrow(/Cannot inflate/);
  });

  test("never crashes on garbage: it inflates or throws a clear error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), fc.nat(500), (junk, size) => {
        const b = new Uint8Array(junk.length + 2);
        b.set([0x78, 0x9c]);
        b.set(junk, 2);
        try {
          const r = inflateAt(b, 0, size);
          expect(r.data.length).toBe(size);
          expect(r.end).toBeLessThanOrEqual(b.length);
        } catch (e) {
          expect(String((e as Error).message)).toMatch(/^Cannot inflate the zlib stream: /);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("resumed block by block over input that arrives in pieces, it gives what one call gives", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 40000 }), fc.string({ maxLength: 4000 }).map((s) => new TextEncoder().encode(s.repeat(9)))),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(constants.Z_DEFAULT_STRATEGY, constants.Z_HUFFMAN_ONLY, constants.Z_FIXED),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, level, strategy, rawCuts) => {
          const z = withTrailer(new Uint8Array(deflateSync(data, { level, strategy })));
          const cuts = [...new Set(rawCuts.map((c) => c % z.length))].sort((a, b) => a - b).concat(z.length);
          const p = startInflate(data.length, 3);
          let end: number | undefined;
          // the caller keeps the input from the checkpoint on, as the pack reader does
          for (const cut of cuts) {
            const from = Math.floor(p.bit / 8);
            if (end === undefined && cut >= p.retryAt) end = continueInflate(p, z.subarray(from, cut), from, true);
          }
          if (end === undefined) end = continueInflate(p, z.subarray(Math.floor(p.bit / 8)), Math.floor(p.bit / 8), false);
          expect(end).toBe(z.length - trailer.length);
          expect(Buffer.from(p.out).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
