import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseDocuments } from "./parse.ts";
import { emptyNullKeys, mayHoldEmptyValue } from "./empty-nulls.ts";

const keysOf = (m: unknown) => [...(emptyNullKeys(m as object) ?? [])].sort();

describe("empty-valued keys", () => {
  test.each([
    ["a key with nothing after it", "k:\n", ["k"]],
    ["a key with only a comment after it", "k: # none\n", ["k"]],
    ["an explicit !!null tag with no value", "k: !!null\n", ["k"]],
    ["(on the root) a flow map entry with no value, recorded on the flow map itself", "m: {k: , j: 1}\n", []],
    ["null", "k: null\n", []],
    ["~", "k: ~\n", []],
    ["Null", "k: Null\n", []],
    ["NULL", "k: NULL\n", []],
    ["an empty string", 'k: ""\n', []],
    ["a plain scalar on the next line", "k:\n  text\n", []],
    ["a map on the next lines", "k:\n  a: 1\n", []],
  ])("%s", (_name, text, want) => {
    const [doc] = parseDocuments(`${text}x: 1\n`, "t", { emptyNulls: true });
    expect(keysOf(doc)).toEqual(want);
  });

  test("empty values are found in flow maps, in maps inside sequences, and in every document of a stream, fast path or not", () => {
    const docs = parseDocuments("a: {k: , j: null}\n---\n---\nl:\n- n: 1\n  v:\n  w: ~\n---\nanchor: &x {y: 1}\nref: *x\nz:\n", "t", { emptyNulls: true }) as Array<Record<string, any>>;
    expect(keysOf(docs[0]!.a)).toEqual(["k"]);
    expect(keysOf(docs[1]!.l[0])).toEqual(["v"]);
    expect(keysOf(docs[2])).toEqual(["z"]);
  });

  test("nothing is recorded unless asked for, and the values are the same either way", () => {
    const text = "a:\nb: null\n";
    const plain = parseDocuments(text, "t");
    expect(emptyNullKeys(plain[0] as object)).toBeUndefined();
    expect(parseDocuments(text, "t", { emptyNulls: true })).toEqual(plain);
  });

  test.each([
    ["nested maps and an indentless sequence", "a:\n  b: 1\nl:\n- x\nc: null\n", false],
    ["a value continued on the next line", "v: \n  text\n", false],
    ["a key with nothing after it, last in the stream", "a: 1\nb:", true],
    ["a key in a sequence item, next line at the key's column", "- k:\n  j: 1\n", true],
    ["a key followed by a comment line and a sibling", "k:\n  # note\nj: 1\n", true],
    ["an empty entry of a flow map", "m: {k: }\n", true],
    ["an explicit null tag", "k: !!null\n", true],
  ])("the quick look at %s says %p", (_name, text, want) => {
    expect(mayHoldEmptyValue(text)).toBe(want);
  });

  // A map whose values are written empty, as a null spelling, or as a nested map of the same kind.
  const spelling = fc.constantFrom("", " null", " ~", " Null", " NULL", " x");
  type Tree = { [k: string]: string | Tree };
  const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.oneof({ depthSize: "small" }, spelling, tie("t")), { minKeys: 1 }),
  })).t;
  const write = (t: Tree, indent: string): string =>
    Object.entries(t)
      .map(([k, v]) => (typeof v === "string" ? `${indent}${k}:${v}\n` : `${indent}${k}:\n${write(v, indent + "  ")}`))
      .join("");

  test("the recorded keys are exactly those written with no value, at every depth", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const [doc] = parseDocuments(write(t, ""), "t", { emptyNulls: true });
        const check = (want: Tree, got: Record<string, unknown>) => {
          const empty = Object.entries(want).filter(([, v]) => v === "").map(([k]) => k).sort();
          expect(keysOf(got)).toEqual(empty);
          for (const [k, v] of Object.entries(want)) if (typeof v !== "string") check(v, got[k] as Record<string, unknown>);
        };
        check(t, doc as Record<string, unknown>);
      }),
      { numRuns: 100 },
    );
  });
});
