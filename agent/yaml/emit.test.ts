import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { DEFAULTS, emitDocuments, emitYaml } from "./emit.ts";
import { parseDocuments, parseDocumentsExact } from "./parse.ts";

const here = import.meta.dirname!;

describe("layout follows kubectl kustomize", () => {
  test("a manifest is written with sorted keys, 2-space maps, unindented sequences under keys and {} / []", () => {
    const obj = {
      kind: "Deployment",
      apiVersion: "apps/v1",
      metadata: { name: "web", labels: { tier: "web", app: "web" }, annotations: {} },
      spec: {
        template: {
          spec: {
            containers: [{ name: "web", args: ["--port", "8080"], env: [], ports: [{ containerPort: 8080 }], command: ["sh", "-c", "echo hi\nexec web\n"] }],
            volumes: [[1, [2]], [], {}],
          },
        },
      },
    };
    expect(emitYaml(obj)).toBe(
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  annotations: {}",
        "  labels:",
        "    app: web",
        "    tier: web",
        "  name: web",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "      - args:",
        "        - --port",
        '        - "8080"',
        "        command:",
        "        - sh",
        "        - -c",
        "        - |",
        "          echo hi",
        "          exec web",
        "        env: []",
        "        name: web",
        "        ports:",
        "        - containerPort: 8080",
        "      volumes:",
        "      - - 1",
        "        - - 2",
        "      - []",
        "      - {}",
        "",
      ].join("\n"),
    );
  });

  test.each<[string, unknown, string]>([
    ["an empty map", {}, "{}\n"],
    ["an empty list", [], "[]\n"],
    ["a string", "yes", '"yes"\n'],
    ["a document marker string", "---", "'---'\n"],
    ["a multi-line string", "a\nb\n", "|\n  a\n  b\n"],
    ["a number", 1.5, "1.5\n"],
    ["a large number", 1e21, "1e+21\n"],
    ["null", null, "null\n"],
    ["a map whose values are all undefined", { a: undefined }, "{}\n"],
    ["undefined entries", { a: 1, b: undefined, c: [1, undefined, 2] }, "a: 1\nc:\n- 1\n- 2\n"],
    ["a multi-line key", { "a\nb": 1 }, '"a\\nb": 1\n'],
    ["natural key order", { item10: 1, item9: 2, a_b: 3, aB: 4 }, "a_b: 3\naB: 4\nitem9: 2\nitem10: 1\n"],
    ["lone surrogates (no UTF-8 form, never escaped: go-yaml refuses that)", { "\ud800": "a\udc00", t: "\t\ud800" }, '\ufffd: a\ufffd\nt: "\\t\ufffd"\n'],
  ])("a document of %s", (_, value, text) => {
    expect(emitYaml(value)).toBe(text);
  });

  test("documents are separated by ---", () => {
    expect(emitDocuments([{ a: 1 }, ["x"]])).toBe("a: 1\n---\n- x\n");
  });
});

describe("values with no YAML form are refused", () => {
  test.each<[string, unknown, string]>([
    ["infinity", { a: Infinity }, "Cannot emit YAML: the number Infinity has no JSON form"],
    ["NaN", [NaN], "Cannot emit YAML: the number NaN has no JSON form"],
    ["a function", { f: () => 1 }, "Cannot emit YAML: unsupported value of type function"],
    ["a symbol", { s: Symbol("x") }, "Cannot emit YAML: unsupported value of type symbol"],
  ])("%s", (_, value, message) => {
    expect(() => emitYaml(value)).toThrow(message);
  });
  test("a cycle is reported as too deep instead of overflowing the stack", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = { list: [a] };
    expect(() => emitYaml(a)).toThrow(`Cannot emit YAML: nesting is deeper than ${DEFAULTS.maxDepth} levels (or the value is cyclic)`);
    // The emitter is usable again after the error.
    expect(emitYaml({ a: 1 })).toBe("a: 1\n");
  });
});

describe("the output buffer", () => {
  test("grows past its initial size and keeps multi-byte characters whole across the growth", () => {
    const docs = Array.from({ length: 3000 }, (_, i) => ({ name: `n-${i}`, text: "é😀 ".repeat(i % 50) + "x", lines: "a\nb\n".repeat(i % 5) }));
    const text = emitDocuments(docs);
    expect(text.length).toBeGreaterThan(256 * 1024);
    expect(parseDocuments(text)).toEqual(docs);
  });
  test("a nested emit (from a getter) does not disturb the outer one", () => {
    const inner = { b: [1, 2] };
    const outer = {
      a: "x",
      get z() {
        return emitYaml(inner);
      },
    };
    expect(emitYaml(outer)).toBe("a: x\nz: |\n  b:\n  - 1\n  - 2\n");
  });
});

describe("deep nesting", () => {
  // parse.ts reads back at most 256 levels; 120 alternating map/list levels stay well inside that.
  const deep = (levels: number): unknown => {
    let v: unknown = "leaf";
    for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { [`k${i}`]: v, s: "yes" } : [v, i];
    return v;
  };
  test("120 levels read back through both parsers and the yaml package", () => {
    const v = deep(120);
    const text = emitYaml(v);
    expect(parseDocuments(text)).toEqual([v]);
    expect(parseDocumentsExact(text)).toEqual([v]);
    expect(parseAllDocuments(text)[0]!.toJS()).toEqual(v);
  });
  test("DEFAULTS.maxDepth levels are written; one more is refused", () => {
    let ok: unknown = 1;
    for (let i = 0; i < DEFAULTS.maxDepth; i++) ok = [ok];
    expect(emitYaml(ok).length).toBeGreaterThan(DEFAULTS.maxDepth);
    expect(() => emitYaml([ok])).toThrow("nesting is deeper than");
  });
});

// Differential: the overlay corpus's expected.yaml files were printed by `kubectl kustomize`
// (agent/kustomize/testdata/regen.sh); reading one and writing it again must give the same bytes.
const corpus = join(here, "../kustomize/testdata");
const expectedFiles = readdirSync(corpus)
  .filter((d) => statSync(join(corpus, d)).isDirectory())
  .map((d) => join(corpus, d, "expected.yaml"))
  .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());

describe("byte-identical to kubectl kustomize output", () => {
  test("the overlay corpus has expectations to compare", () => {
    expect(expectedFiles.length).toBeGreaterThanOrEqual(40);
  });
  test.each(expectedFiles.map((f) => [f.slice(corpus.length + 1), f]))("%s", (_, f) => {
    const text = readFileSync(f, "utf8");
    expect(emitDocuments(parseDocuments(text))).toBe(text);
  });

  test("tricky values and keys print as kubectl kustomize prints them", () => {
    const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
    if (kubectl.status !== 0) throw new Error("Cannot run the kustomize differential: kubectl is not installed (CI installs it)");
    // Strings where we deliberately differ (more quoting, no `|2`, no `\U` escapes) are in string-scalar.test.ts.
    const values = ["yes", "on", "n", "0755", "1e3", ".inf", "~", "", "null", "true", " lead", "trail ", "a: b", "a:b", "a #b", "a#b", "#x", "-x", "--verbose", "- x", "-", "---", "?x", ":x", "[x", "{x", "&x", "*x", "!x", "|x", ">x", "'x", '"x', "%x", "@x", "`x", "it's", "é", "1Gi", "500m", "2024-01-02", "12:30", "+5", "0x1F", "multi\nline\n", "x\n\n", "a\nb", "a \nb", "tab\there", "a\tb\nc", "line1\n#not a comment\n", "- item\n- item2\n", "a,b[c]{d}", "http://example.com/a#b"];
    const keys = ["item10", "item9", "a_b", "aB", "~x", "a", "file-2", "file-10", "v1.10", "v1.9", "x007", "x07", "x7", "é", "z", "Z", "9", "10", "app.kubernetes.io/name", "helm.sh/chart", "KEY_1", "KEY_10", "KEY_2", "yes", "a: b", "-x"];
    const data: Record<string, string> = {};
    values.forEach((v, i) => (data[`value-${i}`] = v));
    const labels: Record<string, string> = {};
    keys.forEach((k, i) => (labels[k] = `k${i}`));
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tricky", labels }, data, binaryData: {}, list: [[], {}, [["x"]]] };
    const dir = mkdtempSync(join(tmpdir(), "emit-kustomize-"));
    try {
      // JSON is YAML; escape non-ASCII so go-yaml reads it regardless of how it treats raw characters.
      writeFileSync(join(dir, "cm.yaml"), JSON.stringify(obj).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
      writeFileSync(join(dir, "kustomization.yaml"), "resources:\n- cm.yaml\n");
      const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
      expect(run.stderr).toBe("");
      expect(emitYaml(obj)).toBe(run.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Property: arbitrary JSON-like values with adversarial strings (YAML syntax, type look-alikes, controls,
// line separators, lone surrogates, non-BMP) read back the same through parse.ts (fast path and exact
// path) and through the yaml package in YAML 1.2 and 1.1.
// A lone surrogate has no UTF-8 form: the emitter writes it as U+FFFD (escaping it would give text go-yaml,
// and so parse.ts, refuses), so every reader sees U+FFFD there.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
function wellFormed(v: unknown): unknown {
  if (typeof v === "string") return v.replace(LONE_SURROGATE, "\ufffd");
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [wellFormed(k), wellFormed(x)]));
  return v;
}

// Keys that differ only in lone surrogates are written alike (a duplicate key), so maps avoid them.
function distinctWritten<T extends Record<string, unknown>>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return arb.filter((m) => new Set(Object.keys(m).map((k) => wellFormed(k))).size === Object.keys(m).length);
}

const syntaxChar = fc.constantFrom(..."-?:,[]{}#&*!|>'\"%@` \t\n\r0123456789.eE+_xoObBtTzZ~yYnN<=aé\u0085\u2028\ufeff\u0001\u007f\ud83d\ude00\ud800");
const word = fc.constantFrom("yes", "No", "on", "OFF", "y", "n", "0755", "1e3", "-1", "+.5", ".inf", "-.Inf", ".NaN", "~", "null", "Null", "true", "FALSE", "", "<<", "=", "2024-01-02", "2001-12-14 21:59:43.10 -5", "12:30:00", "0x1F", "0o17", "0b101", "1_000", "---", "...", "- x", "? x", ": x", "a: b", "a #b", " lead", "trail ", "\n", "x\n\n", "a\nb", " a\nb", "a\n b\n", "\ttab");
const adversarialString = fc.oneof(word, fc.string({ unit: syntaxChar, maxLength: 10 }), fc.string({ unit: "binary", maxLength: 10 }), fc.string({ maxLength: 10 }));
// `__proto__` as a key makes the yaml package build an object with a different prototype, not data.
const key = adversarialString.filter((k) => k !== "__proto__");
const scalar = fc.oneof(adversarialString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", maxDepth: 6 }, scalar, tie("map"), tie("list")),
  map: distinctWritten(fc.dictionary(key, tie("value"), { maxKeys: 5 })),
  list: fc.array(tie("value"), { maxLength: 4 }),
})).value;
const document = fc.oneof(distinctWritten(fc.dictionary(key, value, { maxKeys: 6 })), fc.array(value, { maxLength: 4 }), adversarialString.filter((s) => s !== ""));

function yamlPackage(text: string, version: "1.1" | "1.2"): unknown[] {
  return parseAllDocuments(text, { version }).map((d) => {
    if (d.errors.length > 0) throw d.errors[0];
    return d.toJS();
  });
}

describe("property: emitted YAML reads back as the same values", () => {
  test("through parseDocuments, parseDocumentsExact and the yaml package (1.2 and 1.1)", () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
        const text = emitDocuments(docs);
        const want = wellFormed(docs) as unknown[];
        expect(parseDocuments(text)).toEqual(want);
        expect(parseDocumentsExact(text)).toEqual(want);
        expect(yamlPackage(text, "1.2")).toEqual(want);
        expect(yamlPackage(text, "1.1")).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
  test("emitting what was read back gives the same text (the output is a fixed point)", () => {
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }), (docs) => {
        const text = emitDocuments(docs);
        expect(emitDocuments(parseAllDocuments(text).map((d) => d.toJS()))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
