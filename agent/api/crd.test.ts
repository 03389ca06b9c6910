import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { KINDS } from "./kinds.ts";
import { generateCrdFiles, toCrd } from "./crd.ts";

const crdsDir = join(import.meta.dirname, "..", "..", "crds");
const files = generateCrdFiles(KINDS);

/** Every schema node, with its path, for structural checks. */
function* nodes(schema: Record<string, unknown>, path = ""): Generator<[string, Record<string, unknown>]> {
  yield [path, schema];
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) yield* nodes(v, path ? `${path}.${k}` : k);
  if (schema.items) yield* nodes(schema.items as Record<string, unknown>, `${path}[]`);
  if (typeof schema.additionalProperties === "object") yield* nodes(schema.additionalProperties as Record<string, unknown>, `${path}{}`);
}

describe("crds/", () => {
  test("matches the generator output (run `bun scripts/gen-crds.ts` after changing agent/api)", () => {
    const onDisk = readdirSync(crdsDir).filter((f) => f.endsWith(".yaml")).sort();
    expect(onDisk).toEqual(files.map((f) => f.name));
    for (const { name, text } of files) expect(readFileSync(join(crdsDir, name), "utf8")).toBe(text);
  });
  test("generation is deterministic", () => {
    expect(generateCrdFiles(KINDS)).toEqual(files);
  });
});

// A loop, not describe.each: the Deno bun:test shim has no describe.each.
for (const def of KINDS) describe(`the ${def.kind} CRD`, () => {
  const text = files.find((f) => f.name === `${def.group}_${def.plural}.yaml`)!.text;
  const crd = parse(text) as ReturnType<typeof toCrd>;
  const version = crd.spec.versions[0]!;
  const schema = version.schema.openAPIV3Schema;

  test("round-trips through YAML unchanged", () => {
    expect(crd).toEqual(JSON.parse(JSON.stringify(toCrd(def))));
  });
  test("serves and stores exactly one version", () => {
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([[def.version, true, true]]);
  });
  test("has no CEL rules, so it installs on Kubernetes 1.20", () => {
    expect(text).not.toContain("x-kubernetes-validations");
  });
  test("is a structural schema: every node has a type or an int-or-string/unknown-fields marker", () => {
    for (const [path, node] of nodes(schema)) {
      const typed =
        typeof node.type === "string" || node["x-kubernetes-int-or-string"] === true || node["x-kubernetes-preserve-unknown-fields"] === true;
      expect({ path, typed }).toEqual({ path, typed: true });
    }
  });
  test("leaves metadata to the API server", () => {
    expect((schema.properties as Record<string, unknown>).metadata).toEqual({ type: "object" });
  });
  test("has a status subresource and the Flux status default exactly when the kind has status", () => {
    const status = (schema.properties as Record<string, Record<string, unknown>>).status;
    expect(version.subresources).toEqual(def.statusSubresource ? { status: {} } : {});
    expect(status?.default).toEqual(def.statusSubresource ? { observedGeneration: -1 } : undefined);
  });
});
