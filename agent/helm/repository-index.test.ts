import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULTS, indexJson, parseRepositoryIndex } from "./repository-index.ts";
import { resolveChartVersion } from "./chart-version.ts";

const INDEX = `apiVersion: v1
generated: "2026-03-01T10:00:00.120000000+00:00"
entries:
  nginx:
    - urls: [https://charts.example.com/nginx-0.1.0.tgz]
      name: nginx
      version: 0.1.0
      digest: "1234567890abcdef"
      created: "2026-01-01T10:00:00Z"
      keywords: [web, "proxy\\tserver"]
      apiVersion: v2
    - urls: [nginx-0.2.0.tgz]
      name: nginx
      version: 0.2.0
      created: "2026-02-01T10:00:00Z"
      annotations: {b: "2", a: "1"}
  alpine:
    - name: alpine
      version: 1.0.0
      urls: [alpine-1.0.0.tgz]
`;

describe("parseRepositoryIndex", () => {
  test("sorts each chart's versions newest first and the charts by name", () => {
    const index = parseRepositoryIndex(INDEX);
    expect(Object.keys(index.entries)).toEqual(["alpine", "nginx"]);
    expect(index.entries.nginx!.map((v) => v.version)).toEqual(["0.2.0", "0.1.0"]);
  });
  test("fills what Helm fills: entry apiVersion v1, Go's zero time, no urls", () => {
    const alpine = parseRepositoryIndex(INDEX).entries.alpine![0]!;
    expect(alpine.apiVersion).toBe("v1");
    expect(alpine.created).toBe("0001-01-01T00:00:00Z");
  });
  test("sanitises metadata strings as Helm does", () => {
    expect(parseRepositoryIndex(INDEX).entries.nginx![1]!.keywords).toEqual(["web", "proxy server"]);
  });
  test("reads times as Go re-encodes them", () => {
    expect(parseRepositoryIndex(INDEX).generated).toBe("2026-03-01T10:00:00.12Z");
  });
  test("reads a JSON index and ignores fields Helm does not know there", () => {
    const json = JSON.stringify({ apiVersion: "v1", entries: { a: [{ name: "a", version: "1.0.0", urls: ["a.tgz"], extra: 1 }] }, other: true });
    expect(parseRepositoryIndex(json).entries.a![0]!.urls).toEqual(["a.tgz"]);
  });
  test("a chart named __proto__ stays a chart", () => {
    const index = parseRepositoryIndex('{"apiVersion":"v1","entries":{"__proto__":[{"name":"__proto__","version":"1.0.0","urls":["a.tgz"]}]}}');
    expect(Object.keys(index.entries)).toEqual(["__proto__"]);
    expect(resolveChartVersion(index, "__proto__").version).toBe("1.0.0");
    expect(resolveChartVersion.bind(null, index, "constructor")).toThrow("no chart name found");
    expect(JSON.parse(indexJson(index)).entries.__proto__[0].name).toBe("__proto__");
  });
  test("a YAML number where Helm wants a string becomes a string", () => {
    const index = parseRepositoryIndex("apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.10, urls: [a.tgz]}\n");
    expect(index.entries.a![0]!.version).toBe("1.1");
  });
  test.each([
    ["a null entry", "  - null\n"],
    ["an entry without a name", "  - {version: 1.0.0}\n"],
    ["an entry with a path for a name", "  - {name: a/b, version: 1.0.0}\n"],
    ["an entry named ..", "  - {name: '..', version: 1.0.0}\n"],
    ["an entry whose version is not semver", "  - {name: a, version: latest}\n"],
    ["an entry of an unknown type", "  - {name: a, version: 1.0.0, type: plugin}\n"],
  ])("drops %s, as Helm skips it", (_name, item) => {
    const index = parseRepositoryIndex(`apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 2.0.0}\n${item}`);
    expect(index.entries.a!.map((v) => v.version)).toEqual(["2.0.0"]);
  });
  test("keeps an entry with two dependencies of the same name (Helm lets it pass)", () => {
    const index = parseRepositoryIndex(
      "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, dependencies: [{name: d, repository: r}, {name: d, repository: r}]}\n",
    );
    expect(index.entries.a).toHaveLength(1);
  });
  test.each([
    ["empty input", "", "empty index.yaml file"],
    ["no apiVersion", "entries: {}\n", "no API version specified"],
    ["a document that is only a comment", "# nothing\n", "no API version specified"],
    ["a field Helm does not know, in YAML", "apiVersion: v1\nentries: {}\nfoo: bar\n", 'Cannot read the index: unknown field "foo"'],
    ["an unknown field in an entry", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, colour: red}\n", 'Cannot read the index: unknown field "entries.a[0].colour"'],
    ["a list for entries", "apiVersion: v1\nentries: []\n", "Cannot read the index: entries is a list, want a mapping"],
    ["a mapping for urls", "apiVersion: v1\nentries:\n  a:\n  - {name: a, version: 1.0.0, urls: {x: y}}\n", "Cannot read the index: entries.a[0].urls is a mapping, want a list of strings"],
    ["a time that is not RFC 3339", "apiVersion: v1\ngenerated: yesterday\nentries: {}\n", 'Cannot read the index: generated "yesterday" is not an RFC 3339 time'],
    ["a top-level list", "- a\n", "Cannot read index.yaml: the index is not a mapping"],
    ["broken YAML", "apiVersion: [v1\n", "Cannot read index.yaml: Cannot parse index.yaml:"],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseRepositoryIndex(text)).toThrow(message);
  });
  test("any JSON document either loads or is refused with the index's own error, never a crash", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (entries, extra) => {
        for (const doc of [{ apiVersion: "v1", entries }, { apiVersion: "v1", entries: { a: [extra] } }, extra]) {
          try {
            parseRepositoryIndex(JSON.stringify(doc));
          } catch (err) {
            expect((err as Error).name).toBe("IndexError");
          }
        }
      }),
    );
  });
  test("refuses an index larger than the limit before parsing it", () => {
    const big = new Uint8Array(DEFAULTS.maxIndexBytes + 1);
    expect(() => parseRepositoryIndex(big)).toThrow(`index exceeds the maximum index file size of ${DEFAULTS.maxIndexBytes} bytes`);
  });
});

describe("indexJson", () => {
  test("writes Helm's field order and leaves out empty fields but urls and created", () => {
    const json = indexJson(parseRepositoryIndex(INDEX));
    const parsed = JSON.parse(json) as { entries: Record<string, Record<string, unknown>[]> };
    expect(Object.keys(parsed)).toEqual(["apiVersion", "generated", "entries"]);
    expect(Object.keys(parsed.entries.nginx![1]!)).toEqual(["name", "version", "keywords", "apiVersion", "urls", "created", "digest"]);
    expect(Object.keys(parsed.entries.nginx![0]!.annotations as object)).toEqual(["a", "b"]);
    expect(json.split("\n")[1]).toBe('  "apiVersion": "v1",');
  });
  test("normalising is idempotent: the stored form parses to the same index", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("a", "b", "c"),
          fc.array(fc.record({ major: fc.nat(3), minor: fc.nat(3), pre: fc.boolean(), day: fc.integer({ min: 10, max: 28 }) }), { maxLength: 6 }),
        ),
        (charts) => {
          const raw = {
            apiVersion: "v1",
            entries: Object.fromEntries(
              Object.entries(charts).map(([name, vs]) => [
                name,
                vs.map((v) => ({ name, version: `${v.major}.${v.minor}.0${v.pre ? "-rc.1" : ""}`, urls: [`${name}.tgz`], created: `2026-01-${v.day}T00:00:00Z` })),
              ]),
            ),
          };
          const once = indexJson(parseRepositoryIndex(JSON.stringify(raw)));
          expect(indexJson(parseRepositoryIndex(once))).toBe(once);
        },
      ),
    );
  });
});
