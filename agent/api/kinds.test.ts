// Compatibility with Flux's own CRDs (shared/flux-crds): every served kind must accept every object
// Flux's CRD accepts, keep the same property paths and types, and print the same columns.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { KINDS, findKind } from "./kinds.ts";
import { toCrd, type CustomResourceDefinition } from "./crd.ts";
import { compareSchemas } from "./schema-compat.ts";
import type { JsonSchema } from "./openapi.ts";

const fluxDir = join(import.meta.dirname, "..", "..", "..", "shared", "flux-crds");
const fluxCrd = (group: string, plural: string): CustomResourceDefinition =>
  parse(readFileSync(join(fluxDir, `${group}_${plural}.yaml`), "utf8")) as CustomResourceDefinition;

const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
      : v;

// A loop, not describe.each: the Deno bun:test shim has no describe.each.
for (const def of KINDS) describe(`${def.kind} against Flux's CRD`, () => {
  const flux = fluxCrd(def.group, def.plural);
  const fluxVersion = flux.spec.versions.find((v) => v.name === def.version);
  const ours = toCrd(def);
  const ourVersion = ours.spec.versions[0]!;

  test("Flux serves the same version and stores it", () => {
    expect(fluxVersion).toBeDefined();
    expect(fluxVersion!.served).toBe(true);
    expect(fluxVersion!.storage).toBe(true);
  });
  test("has every property path of Flux's schema, with the same types and no stricter constraints", () => {
    const fluxSchema = fluxVersion!.schema.openAPIV3Schema as JsonSchema;
    expect(compareSchemas(fluxSchema, ourVersion.schema.openAPIV3Schema)).toEqual([]);
  });
  test("has the same names, short names, categories and scope", () => {
    expect(sorted(ours.spec.names)).toEqual(sorted(flux.spec.names));
    expect(ours.spec.scope).toBe(flux.spec.scope);
    expect(ours.metadata.name).toBe(flux.metadata.name);
  });
  test("prints the same columns in the same order", () => {
    expect(ourVersion.additionalPrinterColumns).toEqual(fluxVersion!.additionalPrinterColumns);
  });
  test("has the same subresources", () => {
    expect(ourVersion.subresources).toEqual(fluxVersion!.subresources);
  });
});

describe("findKind", () => {
  test.each(KINDS.map((k) => [k.apiVersion, k.kind] as const))("finds %s %s", (apiVersion, kind) => {
    expect(findKind(apiVersion, kind)?.kind).toBe(kind);
  });
  test("does not find other versions or kinds", () => {
    expect(findKind("source.toolkit.fluxcd.io/v1beta2", "GitRepository")).toBeUndefined();
    expect(findKind("source.toolkit.fluxcd.io/v1", "ExternalArtifact")).toBeUndefined();
  });
});
