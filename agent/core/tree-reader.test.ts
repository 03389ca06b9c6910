import { expect, test } from "bun:test";
import fc from "fast-check";
import { Buffer } from "node:buffer";
import { byName, compareBytes } from "./tree-reader.ts";

const goOrder = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));

test("compareBytes orders like Go's byte comparison", () => {
  const names = ["b", "a", "\u{1F600}", "\uFFFD", "A", "a.b", "a-b", "ä"];
  expect([...names].sort(compareBytes)).toEqual([...names].sort(goOrder));
});

test("compareBytes agrees with a UTF-8 byte comparison on any well-formed strings (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
      expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(goOrder(a, b)));
    }),
    { numRuns: 500 },
  );
});

test("byName orders entries by their names only", () => {
  const entries = [{ name: "b", kind: "dir" as const, mode: 0 }, { name: "a", kind: "file" as const, mode: 0 }];
  expect(entries.sort(byName).map((e) => e.name)).toEqual(["a", "b"]);
});
