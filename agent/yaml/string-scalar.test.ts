import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parse } from "yaml";
import { parseDocuments } from "./parse.ts";
import { copyPlain, doubleQuoted, literalBlock, scalarStyle, stringScalar } from "./string-scalar.ts";

// [string, how it is written after `key: `]; the quoted forms are what kubectl kustomize v5.5.0 prints,
// except where a comment says we quote more than it does.
const styles: [string, string][] = [
  ["web", "web"],
  ["", '""'],
  ["yes", '"yes"'],
  ["on", '"on"'],
  ["n", '"n"'],
  ["null", '"null"'],
  ["~", '"~"'],
  ["true", '"true"'],
  ["0755", '"0755"'],
  ["1e3", '"1e3"'],
  ["0x1F", '"0x1F"'],
  ["1_000", '"1_000"'],
  ["12:30", '"12:30"'],
  ["+5", '"+5"'],
  ["-5", '"-5"'],
  [".5", '".5"'],
  [".inf", '".inf"'],
  ["-.Inf", '"-.Inf"'],
  [".nan", '".nan"'],
  ["2024-01-02", '"2024-01-02"'],
  ["1.2.3", '"1.2.3"'], // kustomize: plain; a YAML 1.1 float pattern allows several dots, so we quote
  ["<<", '"<<"'], // kustomize: plain, which then reads back as a merge key
  ["1Gi", "1Gi"],
  ["500m", "500m"],
  ["30s", "30s"],
  ["v1.2", "v1.2"],
  ["-1Gi", "-1Gi"],
  ["=", "="],
  [".", '"."'], // kustomize: plain; the yaml package's YAML 1.1 float pattern matches "." and "e3"
  ["..", '".."'],
  ["e3", '"e3"'],
  ["E+3", '"E+3"'],
  ["e", "e"],
  ["edge", "edge"],
  [" lead", "' lead'"],
  ["trail ", "'trail '"],
  ["a: b", "'a: b'"],
  ["a:", "'a:'"],
  ["a:b", "a:b"],
  ["http://example.com/a#b", "http://example.com/a#b"],
  ["a #b", "'a #b'"],
  ["#x", "'#x'"],
  ["-x", "-x"],
  ["--verbose", "--verbose"],
  ["- x", "'- x'"],
  ["-", "'-'"],
  ["---", "'---'"],
  ["---x", "'---x'"],
  ["...", '"..."'], // kustomize: '...'

  ["?x", "?x"],
  ["? x", "'? x'"],
  [":x", ":x"],
  [",x", "',x'"],
  ["[x", "'[x'"],
  ["]x", "']x'"],
  ["{x", "'{x'"],
  ["}x", "'}x'"],
  ["&x", "'&x'"],
  ["*x", "'*x'"],
  ["!x", "'!x'"],
  ["|x", "'|x'"],
  [">x", "'>x'"],
  ["'x", "'''x'"],
  ['"x', `'"x'`],
  ["%x", "'%x'"],
  ["@x", "'@x'"],
  ["`x", "'`x'"],
  ["it's", "it's"],
  ["a,b[c]{d}", "a,b[c]{d}"],
  ["tab\there", '"tab\\there"'],
  ["a\u0001b", '"a\\u0001b"'], // kustomize: "a\x01b"
  ["a\u007fb", '"a\\u007fb"'],
  ["a\u0085b", '"a\\u0085b"'],
  ["a\u2028b", '"a\\u2028b"'],
  ["\ufeffa", '"\\ufeffa"'],
  ["\ud800", "\ud800"], // left for the emitter to write as U+FFFD: go-yaml refuses a "\ud800" escape
  ["a\udc00b", "a\udc00b"],
  ["\t\ud800\\\ud800", '"\\t\ud800\\\\\ud800"'],
  ["é", "é"],
  ["\u00a0a", "\u00a0a"],
  ["😀", "😀"], // kustomize: "\U0001F600"
  ["multi\nline\n", "|\n  multi\n  line"],
  ["a\nb", "|-\n  a\n  b"],
  ["kept\n\n", "|+\n  kept\n"],
  ["a\n\nb\n", "|\n  a\n\n  b"],
  ["line1\n#not a comment\n", "|\n  line1\n  #not a comment"],
  [" lead\nx", '" lead\\nx"'], // kustomize: |2-
  ["\n", '"\\n"'], // kustomize: |2+
  ["a \nb", '"a \\nb"'],
  ["a\nb ", '"a\\nb "'],
  ["a\tb\nc", '"a\\tb\\nc"'],
  ["a\r\nb", '"a\\r\\nb"'],
];

describe("strings are written in kubectl kustomize's style", () => {
  const named = styles.map(([s, want]) => [JSON.stringify(s), s, want] as const);
  test.each(named)("%s is written as in the table", (_, s, want) => {
    expect(stringScalar(s, "  ")).toBe(want);
  });
  test.each(named)("%s reads back through the yaml package in YAML 1.1 and 1.2", (_, s) => {
    const text = s.includes("\n") && scalarStyle(s) === "literal" ? `k: ${literalBlock(s, "  ")}\n` : `k: ${stringScalar(s, "  ")}\n`;
    expect(parse(text, { version: "1.1" }).k).toBe(s);
    expect(parse(text).k).toBe(s);
  });
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const adversarialChar = fc.constantFrom(..."-?:,[]{}#&*!|>'\"%@` \t\n\r0123456789.eE+_xoObBtTzZ~yYnN<=aé\u0085\u2028\ufeff\u0000\u007f\ud83d\ude00\ud800");
const adversarial = fc.oneof(fc.string({ unit: adversarialChar, maxLength: 12 }), fc.string({ unit: "binary", maxLength: 12 }), fc.string({ maxLength: 12 }));

describe("property: every style reads back as the same string", () => {
  test("through the yaml package in YAML 1.1 and 1.2 and in a sequence", () => {
    fc.assert(
      fc.property(adversarial, (s) => {
        const text = stringScalar(s, "  ");
        expect(parse(`k: ${text}\n`, { version: "1.1" }).k).toBe(s);
        expect(parse(`k: ${text}\n`).k).toBe(s);
        expect(parse(`- ${text}\n`, { version: "1.1" })[0]).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
  test("the fast path copies exactly the plain ASCII strings scalarStyle calls plain", () => {
    fc.assert(
      fc.property(adversarial, (s) => {
        const out = new Uint8Array(s.length);
        const end = copyPlain(s, out, 0);
        const ascii = /^[\x20-\x7e]*$/.test(s);
        if (end >= 0) {
          expect(scalarStyle(s)).toBe("plain");
          expect(new TextDecoder().decode(out.subarray(0, end))).toBe(s);
        }
        // The fast path may decline a plain string only when it starts with - ? : + . or has a # (look-around cases).
        if (end < 0 && ascii && scalarStyle(s) === "plain" && !s.includes("#")) expect("-?:+.").toContain(s[0]!);
      }),
      { numRuns: 3000 },
    );
  });
  test("double quotes escape every character YAML reads as a break or a BOM", () => {
    fc.assert(
      fc.property(adversarial, (s) => {
        const q = doubleQuoted(s);
        expect(q).not.toMatch(/[\n\r\u0085\u2028\u2029\ufeff\u0000-\u001f\u007f-\u009f]/);
        expect(parse(`k: ${q}\n`).k).toBe(s);
        // No surrogate escape is written (go-yaml refuses them); the writer turns a lone half into U+FFFD.
        expect((parseDocuments(`k: ${q}\n`)[0] as { k: string }).k).toBe(s.replace(LONE_SURROGATE, "\ufffd"));
      }),
      { numRuns: 1000 },
    );
  });
});
