import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { contentHash, encodeSuffix, goJson, hashInput } from "./content-hash.ts";

describe("contentHash matches kustomize v5.5.0 (values from kubectl kustomize)", () => {
  test.each([
    ["ConfigMap with data and HTML characters", { kind: "ConfigMap", data: { a: "1", b: "<x>&" } }, "2g9cdmkbf2"],
    ["ConfigMap with one literal", { kind: "ConfigMap", data: { a: "1" } }, "h29d89cmmt"],
    ["ConfigMap without data", { kind: "ConfigMap" }, "6ct58987ht"],
    ["Secret with one literal", { kind: "Secret", type: "Opaque", data: { k: "dg==" } }, "ftgtgc4t9f"],
  ])("%s", async (_n, obj, want) => {
    expect(await contentHash(obj)).toBe(want);
  });

  test("the name never changes the hash (kustomize hashes an empty name)", async () => {
    const a = await contentHash({ kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } });
    const b = await contentHash({ kind: "ConfigMap", metadata: { name: "b" }, data: { k: "v" } });
    expect(a).toBe(b);
  });

  test("hashInput encodes like Go: sorted keys, escaped HTML characters", () => {
    expect(hashInput({ kind: "ConfigMap", data: { z: "<", a: "&" } })).toBe('{"data":{"a":"\\u0026","z":"\\u003c"},"kind":"ConfigMap","name":""}');
  });

  test("suffixes use only kustomize's alphabet and are 10 long", () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (hex) => /^[2456789bcdfghkmt]{10}$/.test(encodeSuffix(hex))));
  });

  test("goJson of plain strings reads back as the same string", () => {
    fc.assert(fc.property(fc.string(), (s) => JSON.parse(goJson(s)) === s));
  });
});
