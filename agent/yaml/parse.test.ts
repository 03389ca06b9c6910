import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { DEFAULTS, parseDocuments, parseDocumentsExact } from "./parse.ts";
import { emitDocuments } from "./emit.ts";

const here = import.meta.dirname!;
const table = readFileSync(join(here, "testdata/scalars.tsv"), "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.split("\t") as [string, string, string]);

describe("scalar typing matches kubectl kustomize", () => {
  test.each(table)("plain %s reads as %s (%s)", (raw, expected) => {
    const text = `k: ${raw === "<empty>" ? "" : raw}\n`;
    // The second form has an anchor, so it goes through the exact fallback parser.
    const viaFallback = `k: ${raw === "<empty>" ? "" : raw}\nother: &a x\n`;
    if (expected === "ERROR") {
      expect(() => parseDocuments(text, "s.yaml")).toThrow("Cannot parse s.yaml:1:");
      expect(() => parseDocuments(viaFallback, "s.yaml")).toThrow("Cannot parse s.yaml:");
      return;
    }
    const want = JSON.parse(expected);
    expect((parseDocuments(text)[0] as { k: unknown }).k).toEqual(want);
    expect((parseDocuments(viaFallback)[0] as { k: unknown }).k).toEqual(want);
  });
});

function yamlFiles(dir: string, acc: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, acc);
    else if (/\.ya?ml$/.test(name)) acc.push(p);
  }
  return acc;
}

const root = join(here, "../..");
const files = [...yamlFiles(join(root, "agent")), ...yamlFiles(join(root, "crds")), ...yamlFiles(join(root, "deploy"))];

describe("fast path and exact fallback agree on every YAML file in the project", () => {
  test("there are files to compare", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  test.each(files.map((f) => [f.slice(root.length + 1), f]))("%s", (_, f) => {
    const text = readFileSync(f, "utf8");
    let fast: unknown, exact: unknown;
    try {
      fast = parseDocuments(text, f);
    } catch (e) {
      fast = (e as Error).message;
    }
    try {
      exact = parseDocumentsExact(text, f);
    } catch (e) {
      exact = (e as Error).message;
    }
    expect(fast).toEqual(exact);
  });
});

test("the corpus parses to the expected manifest values", () => {
  const docs = parseDocuments(readFileSync(join(here, "testdata/k8s-corpus.yaml"), "utf8"), "k8s-corpus.yaml") as any[];
  expect(docs.length).toBe(3);
  expect(docs[0].metadata.annotations.description).toBe("A folded description\nwith a paragraph");
  expect(docs[0].spec.template.spec.containers[0].env).toEqual([
    { name: "ENABLED", value: "true" },
    { name: "MODE", value: "on" },
    { name: "EMPTY" },
  ]);
  expect(docs[0].spec.template.spec.containers[0].command[2]).toBe('echo "start" \\\n  && exec nginx\n');
  expect(docs[1].data).toMatchObject({ octal: 493, perms: "0755", date: "2024-01-02T00:00:00Z", ratio: 0.5 });
  expect(docs[1].data.quoted).toBe("tab\there é A 😀");
  expect(docs[1].data.multi).toBe("first second\nthird");
  expect(docs[1].data.keep).toBe("kept\n\n");
  expect(docs[1].data.indented).toBe("  two extra\nbase\n");
  expect(docs[2][3]).toEqual({ key: "value", other: [1, { a: "b" }] });
  expect(parseDocumentsExact(readFileSync(join(here, "testdata/k8s-corpus.yaml"), "utf8"))).toEqual(docs);
});

// Kubernetes-like values: string keys, strings that look like other types, numbers, nesting.
const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom("yes", "no", "on", "0755", "1e3", "true", "null", "~", "", " lead", "trail ", "a: b", "#x", "- x", "2024-01-02", "multi\nline\n", "x\n\n", "\ttab", "'q'", '"dq"', "é☃😀"),
);
const scalarArb = fc.oneof(trickyString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null));
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalarArb, tie("obj"), tie("arr")),
  obj: fc.dictionary(trickyString, tie("value"), { maxKeys: 5 }),
  arr: fc.array(tie("value"), { maxLength: 4 }),
})).value;
const docArb = fc.record({ apiVersion: fc.constant("v1"), kind: fc.constantFrom("ConfigMap", "Secret"), metadata: fc.record({ name: fc.string() }), data: valueArb });

describe("property: generated manifests in varied styles", () => {
  test("our emitter's output reads back identically on the fast path and the exact path", () => {
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 1, maxLength: 3 }), (docs) => {
        const text = emitDocuments(docs);
        expect(parseDocuments(text)).toEqual(docs);
        expect(parseDocumentsExact(text)).toEqual(docs);
      }),
      { numRuns: 300 },
    );
  });
  test("the yaml package's block and flow styles read back identically on both paths", () => {
    fc.assert(
      fc.property(docArb, fc.constantFrom<"block" | "flow">("block", "flow"), fc.boolean(), (doc, style, indentSeq) => {
        const text = stringify(doc, { version: "1.1", collectionStyle: style, indentSeq, lineWidth: 40 });
        // Both paths give the same values, or both refuse (the yaml package can emit text it cannot read back).
        let exact: unknown[];
        try {
          exact = parseDocumentsExact(text);
        } catch {
          expect(() => parseDocuments(text)).toThrow("Cannot parse");
          return;
        }
        expect(parseDocuments(text)).toEqual(exact);
      }),
      { numRuns: 300 },
    );
  });
});

// Values checked against `kubectl kustomize` (a ConfigMap with these data values, printed back).
const streams: [string, string, unknown[]][] = [
  ["a keep-chomped block before ---", "a: |+\n  x\n\n---\nb: 1\n", [{ a: "x\n\n" }, { b: 1 }]],
  ["a keep-chomped block before --- with CRLF", "a: |+\r\n  x\r\n\r\n---\r\nb: 1\r\n", [{ a: "x\n\n" }, { b: 1 }]],
  ["a keep-chomped block before ...", "a: |+\n  x\n\n\n...\n", [{ a: "x\n\n\n" }]],
  ["a keep-chomped block at the end of the stream", "a: |+\n  x\n\n", [{ a: "x\n\n" }]],
  ["a keep-chomped block in a fallback document before ---", "a: &k |+\n  x\n\n---\nb: 1\n", [{ a: "x\n\n" }, { b: 1 }]],
  ["a clip-chomped block before ---", "a: |\n  x\n\n---\nb: 1\n", [{ a: "x\n" }, { b: 1 }]],
  ["a \\U escape of a non-BMP character", 'a: "\\U0001F600"\n', [{ a: "😀" }]],
  ["a \\u escape of a BMP character", 'a: "\\u00e9\\uFFFD"\n', [{ a: "é\ufffd" }]],
];

describe("multi-document streams read the same on the fast path, the exact path and the yaml package", () => {
  test.each(streams)("%s", (_, text, want) => {
    expect(parseDocuments(text)).toEqual(want);
    expect(parseDocumentsExact(text)).toEqual(want);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(want);
  });
});

const big = "a: " + "x".repeat(64 * 1024 * 1024) + "\n";
const malformed: [string, string, string][] = [
  ["tab indentation", "a:\n\tb: 1\n", "Cannot parse m.yaml:2:1: tabs are not allowed in indentation"],
  ["unterminated double quote", 'a: "x\nb: 1\n', "Cannot parse m.yaml:1:4: unterminated double-quoted scalar"],
  ["unterminated single quote", "a: 'x\n", "Cannot parse m.yaml:1:4: unterminated single-quoted scalar"],
  ["bad mapping indentation", "a:\n  b: 1\n c: 2\n", "Cannot parse m.yaml:3:2: bad indentation of a mapping entry"],
  ["bad sequence indentation", "- [a]\n - b\n", "Cannot parse m.yaml:2:2: bad indentation of a sequence entry"],
  ["duplicate key", "metadata:\n  name: a\n  name: b\n", 'Cannot parse m.yaml:3:3: duplicate mapping key "name"'],
  ["duplicate key in flow", "x: {a: 1, a: 2}\n", 'Cannot parse m.yaml:1:11: duplicate mapping key "a"'],
  ["duplicate key in a fallback document", "x: &a 1\nx: 2\n", 'Cannot parse m.yaml:2:1: duplicate mapping key "x"'],
  ["non-string key", "data:\n  1: x\n", "Cannot parse m.yaml:2:3: mapping key is not a string (quote it): 1"],
  ["infinity", "a: .inf\n", "Cannot parse m.yaml:1:4: the value has no JSON form, as in kustomize (quote it): .inf"],
  ["nested value on the key line", "a: b: c\n", "Cannot parse m.yaml:1:5: mapping values are not allowed in this context"],
  ["invalid escape", 'a: "\\q"\n', "Cannot parse m.yaml:1:5: invalid escape sequence in a double-quoted scalar"],
  ["unterminated flow", "a: [1, 2\n", "Cannot parse m.yaml:1:4: unterminated flow sequence"],
  ["control character", "a: b\u0001c\n", "Cannot parse m.yaml:1:5: control characters are not allowed"],
  ["deep nesting", "[".repeat(5000), "Cannot parse m.yaml:1:256: nesting is too deep"],
  ["alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "Cannot parse m.yaml:1:1: Excessive alias count indicates a resource exhaustion attack"],
  ["64 MiB document", big, `Cannot parse m.yaml:1:1: document is ${big.length} bytes, above the limit of ${DEFAULTS.maxDocumentBytes}`],
];

describe("malformed input is rejected with a pinned error", () => {
  test.each(malformed)("%s", (_, text, message) => {
    expect(() => parseDocuments(text, "m.yaml")).toThrow(message);
  });
});

// go-yaml (so kubectl kustomize) refuses every escape of a UTF-16 surrogate, a lone half and a pair alike
// ("found invalid Unicode character escape code"); the yaml package would keep the code units. Both of our
// paths refuse, in the same words, also in a document that goes to the exact parser (an anchor).
const SURROGATE = "invalid Unicode escape in a double-quoted scalar, as in kustomize (write the character itself or a \\U escape, not UTF-16 surrogates): ";
const surrogates: [string, string, string][] = [
  ["a lone high surrogate", 'a: "\\ud800"\n', `Cannot parse m.yaml:1:5: ${SURROGATE}\\ud800`],
  ["a lone low surrogate", 'a: "x\\udc00"\n', `Cannot parse m.yaml:1:6: ${SURROGATE}\\udc00`],
  ["a high surrogate followed by a non-surrogate", 'a: "\\ud800\\u0041"\n', `Cannot parse m.yaml:1:5: ${SURROGATE}\\ud800`],
  ["a UTF-16 pair", 'a: "\\ud83d\\ude00"\n', `Cannot parse m.yaml:1:5: ${SURROGATE}\\ud83d`],
  ["a surrogate in a \\U escape", 'a: "\\U0000DFFF"\n', `Cannot parse m.yaml:1:5: ${SURROGATE}\\U0000DFFF`],
  ["a surrogate in a key", '"k\\uD800": 1\n', `Cannot parse m.yaml:1:3: ${SURROGATE}\\uD800`],
  ["a surrogate on a continuation line", 'a: "x\n  \\ud800"\n', `Cannot parse m.yaml:2:3: ${SURROGATE}\\ud800`],
  ["a surrogate in a fallback document", 'x: &a 1\nb: [1, "\\udfff"]\n', `Cannot parse m.yaml:2:9: ${SURROGATE}\\udfff`],
];

describe("surrogate escapes are refused on both paths, as kubectl kustomize refuses them", () => {
  test.each(surrogates)("%s", (_, text, message) => {
    expect(() => parseDocuments(text, "m.yaml")).toThrow(message);
    expect(() => parseDocumentsExact(text, "m.yaml")).toThrow(message);
  });
  test("an escaped backslash before u is not an escape", () => {
    expect(parseDocuments('a: "\\\\ud800"\n')).toEqual([{ a: "\\ud800" }]);
    expect(parseDocumentsExact('a: "\\\\ud800"\n')).toEqual([{ a: "\\ud800" }]);
  });
});

test("a byte order mark and CRLF line ends are accepted", () => {
  expect(parseDocuments("\uFEFFa: 1\r\nb:\r\n- x\r\n")).toEqual([{ a: 1, b: ["x"] }]);
});
