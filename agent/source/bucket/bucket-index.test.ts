import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { compareCodePoints, formatIndex, indexRevision, trimEtag } from "./bucket-index.ts";
import { fluxBucketCases } from "../../../test/support/fixtures.ts";

const sha256 = (s: string) => `sha256:${createHash("sha256").update(s, "utf8").digest("hex")}`;

describe("bucket index revision", () => {
  test.each(fluxBucketCases().map((c) => [c.name, c] as const))("matches the revision source-controller's test %p pins for its index", async (_name, c) => {
    expect(await indexRevision(new Map(Object.entries(c.index)))).toBe(c.revision);
  });

  test("formats sorted 'key etag' lines, each ending in a newline, as Flux's Digester.String does", () => {
    expect(formatIndex(new Map([["foo", "bar"], ["bar", "baz"]]))).toBe("bar baz\nfoo bar\n");
    expect(formatIndex(new Map())).toBe("");
  });

  test("revision is sha256 of the formatted index (formula: sha256(concat(sorted key + ' ' + etag + '\\n')))", async () => {
    const index = new Map([["b/x.yaml", "e1"], ["a.yaml", "e2-3"], ["a/b.yaml", "e3"]]);
    expect(await indexRevision(index)).toBe(sha256("a.yaml e2-3\na/b.yaml e3\nb/x.yaml e1\n"));
  });

  test("an empty bucket hashes the empty string", async () => {
    expect(await indexRevision(new Map())).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test.each([
    ['"abc"', "abc"],
    ["abc", "abc"],
    ['"abc-2"', "abc-2"],
    ['""', ""],
    ['"a"b"', 'a"b'],
  ])("trimEtag(%s) is %s", (input, want) => {
    expect(trimEtag(input)).toBe(want);
  });

  test("keys sort by UTF-8 bytes (Go's order), also above U+FFFF", () => {
    const enc = new TextEncoder();
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(enc.encode(a)), Buffer.from(enc.encode(b)));
    // U+FF5E sorts before U+1F600 in UTF-8, after it in UTF-16 code units.
    expect(compareCodePoints("\uff5e", "\u{1f600}")).toBeLessThan(0);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(byBytes(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
});
