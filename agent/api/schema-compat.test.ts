import { describe, expect, test } from "bun:test";
import { compareSchemas } from "./schema-compat.ts";
import type { JsonSchema } from "./openapi.ts";

const flux: JsonSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["url"],
      properties: {
        url: { type: "string", pattern: "^https://.*$" },
        mode: { type: "string", enum: ["a", "b"], default: "a" },
        name: { type: "string", maxLength: 10, minLength: 1 },
        tags: { type: "array", items: { type: "string" } },
        labels: { type: "object", additionalProperties: { type: "string" } },
        size: { type: "integer", format: "int64" },
      },
    },
  },
};

const mutate = (fn: (spec: Record<string, Record<string, unknown>>, root: JsonSchema) => void): JsonSchema => {
  const copy = structuredClone(flux);
  const spec = (copy.properties as Record<string, JsonSchema>).spec!;
  fn(spec.properties as Record<string, Record<string, unknown>>, copy);
  return copy;
};

describe("compareSchemas", () => {
  test("finds nothing when the schemas are the same", () => {
    expect(compareSchemas(flux, structuredClone(flux))).toEqual([]);
  });
  test("ignores descriptions and CEL rules", () => {
    const ours = mutate((p, root) => {
      p.url!.description = "ours";
      root["x-kubernetes-validations"] = [{ rule: "true" }];
    });
    expect(compareSchemas(flux, ours)).toEqual([]);
  });
  test("accepts looser constraints", () => {
    const ours = mutate((p) => {
      p.name = { type: "string", maxLength: 20 };
      p.mode!.enum = ["a", "b", "c"];
    });
    expect(compareSchemas(flux, ours)).toEqual([]);
  });
  test.each([
    ["a missing property", (p: Record<string, Record<string, unknown>>) => void delete p.size, "spec.size: missing (Flux has it)"],
    ["an extra property", (p: Record<string, Record<string, unknown>>) => void (p.extra = { type: "string" }), "spec.extra: not in Flux's schema"],
    ["another type", (p: Record<string, Record<string, unknown>>) => void (p.size!.type = "string"), 'spec.size: type is "string", Flux has "integer"'],
    ["another format", (p: Record<string, Record<string, unknown>>) => void delete p.size!.format, 'spec.size: format is unset, Flux has "int64"'],
    ["another pattern", (p: Record<string, Record<string, unknown>>) => void (p.url!.pattern = "^http://.*$"), 'spec.url: pattern is "^http://.*$", Flux has "^https://.*$"'],
    ["a narrower enum", (p: Record<string, Record<string, unknown>>) => void (p.mode!.enum = ["a"]), "spec.mode: enum rejects b that Flux accepts"],
    ["another default", (p: Record<string, Record<string, unknown>>) => void (p.mode!.default = "b"), 'spec.mode: default is "b", Flux has "a"'],
    ["a lower maxLength", (p: Record<string, Record<string, unknown>>) => void (p.name!.maxLength = 5), "spec.name: maxLength 5 is stricter than Flux's 10"],
    ["a higher minLength", (p: Record<string, Record<string, unknown>>) => void (p.name!.minLength = 2), "spec.name: minLength 2 is stricter than Flux's 1"],
    ["a different item type", (p: Record<string, Record<string, unknown>>) => void (p.tags!.items = { type: "integer" }), 'spec.tags[]: type is "integer", Flux has "string"'],
    ["a different map value type", (p: Record<string, Record<string, unknown>>) => void (p.labels!.additionalProperties = { type: "boolean" }), 'spec.labels{}: type is "boolean", Flux has "string"'],
  ])("reports %s", (_name, fn, problem) => {
    expect(compareSchemas(flux, mutate(fn))).toEqual([problem]);
  });
  test("reports a property required only by ours", () => {
    const ours = mutate(() => undefined);
    ((ours.properties as Record<string, JsonSchema>).spec!.required as string[]).push("mode");
    expect(compareSchemas(flux, ours)).toEqual(["spec: requires mode, Flux does not"]);
  });
});
