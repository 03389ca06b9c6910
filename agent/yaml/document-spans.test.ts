import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { largestDocument } from "./document-spans.ts";
import { parseDocuments } from "./parse.ts";

const enc = new TextEncoder();
const largest = (text: string) => {
  const d = largestDocument(enc.encode(text));
  return d && { index: d.index, text: text.slice(d.start, d.start + d.length) };
};

describe("largestDocument", () => {
  const cases: Array<[string, string, { index: number; text: string } | undefined]> = [
    ["an empty stream has none", "", undefined],
    ["one bare document", "a: 1\nb: 2\n", { index: 1, text: "a: 1\nb: 2\n" }],
    ["a leading --- opens the first document", "---\na: 1\n", { index: 1, text: "---\na: 1\n" }],
    ["the second of two is larger", "a: 1\n---\nb: 22222\n", { index: 2, text: "---\nb: 22222\n" }],
    ["--- with a value on its line", "a: 1\n--- |\n  long text here\n", { index: 2, text: "--- |\n  long text here\n" }],
    ["... ends a document and the next --- opens one", "a: 1\n...\n---\nbbbbbbbbbb: 2\n", { index: 2, text: "---\nbbbbbbbbbb: 2\n" }],
    ["---x is no marker", "a: 1\n---x: 2\n", { index: 1, text: "a: 1\n---x: 2\n" }],
    ["an indented --- is no marker", "a: |\n  ---\n  b\n", { index: 1, text: "a: |\n  ---\n  b\n" }],
    ["CRLF line ends", "a: 1\r\n---\r\nbb: 22\r\n", { index: 2, text: "---\r\nbb: 22\r\n" }],
  ];
  for (const [name, text, want] of cases) test(name, () => expect(largest(text)).toEqual(want));

  test("a stream with anything besides document end markers has a largest document, inside the stream", () => {
    const doc = fc.array(fc.constantFrom("a: 1", "b: [1, 2]", "c: |", "  text", "---", "...", "# note", ""), { maxLength: 12 });
    fc.assert(
      fc.property(doc, (lines) => {
        const text = lines.join("\n");
        const d = largestDocument(enc.encode(text));
        if (lines.every((l) => l === "..." || l === "")) return d === undefined || !/[^.\n]/.test(text);
        return d !== undefined && d.length <= text.length && d.start + d.length <= text.length;
      }),
    );
  });

  test("each parsed document of a multi-document stream is no larger than the largest span", () => {
    const text = "a: 1\n---\nb: " + "x".repeat(100) + "\n---\nc: 3\n";
    const docs = parseDocuments(text);
    expect(docs).toHaveLength(3);
    expect(largestDocument(enc.encode(text))).toEqual({ index: 2, start: 5, length: 108 });
  });
});
