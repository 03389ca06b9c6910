import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { toInstallableCrdYaml, withoutCelRules } from "./flux-crd.ts";

const fluxDir = join(import.meta.dirname, "..", "..", "..", "shared", "flux-crds");
const fluxFiles = readdirSync(fluxDir).filter((f) => f.endsWith(".yaml")).sort();
const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS()).filter((v) => v != null);

/** Removes the key the way a reviewer would by hand, to check the converter against. */
function dropKey(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return value.map((v) => dropKey(v, key));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key).map(([k, v]) => [k, dropKey(v, key)]));
}

describe("toInstallableCrdYaml", () => {
  test("there are Flux CRDs with CEL rules to convert", () => {
    const withCel = fluxFiles.filter((f) => readFileSync(join(fluxDir, f), "utf8").includes("x-kubernetes-validations"));
    expect(withCel.length).toBeGreaterThan(3);
  });
  test.each(fluxFiles)("%s loses its CEL rules and nothing else", (file) => {
    const text = readFileSync(join(fluxDir, file), "utf8");
    const out = toInstallableCrdYaml(text);
    expect(out).not.toContain("x-kubernetes-validations");
    expect(docs(out)).toEqual(docs(text).map((d) => dropKey(d, "x-kubernetes-validations")));
  });
  test("keeps every document of a multi-document stream", () => {
    const text = "kind: A\nx-kubernetes-validations: [1]\n---\nkind: B\nspec: {x-kubernetes-validations: []}\n";
    expect(docs(toInstallableCrdYaml(text))).toEqual([{ kind: "A" }, { kind: "B", spec: {} }]);
  });
  test("names the problem in unparsable input", () => {
    expect(() => toInstallableCrdYaml("a: [")).toThrow(/^Cannot parse the CRD YAML: /);
  });
});

describe("withoutCelRules", () => {
  test("does not change its input", () => {
    const crd = { spec: { "x-kubernetes-validations": [{ rule: "true" }], items: [{ "x-kubernetes-validations": [] }] } };
    const copy = structuredClone(crd);
    expect(withoutCelRules(crd) as unknown).toEqual({ spec: { items: [{}] } });
    expect(crd).toEqual(copy);
  });
});
