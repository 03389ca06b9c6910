import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { s, DURATION_PATTERN, type Infer } from "./schema.ts";
import { validateNode } from "./schema-validate.ts";
import { defaultNode } from "./schema-defaults.ts";
import { toOpenAPI } from "./openapi.ts";
import { KINDS } from "./kinds.ts";
import { applyDefaults, validate } from "./validate.ts";
import type { GitRepository } from "./git-repository.ts";
import type { Kustomization } from "./kustomization.ts";

const thing = s.object({
  name: s.string({ minLength: 1 }),
  replicas: s.optional(s.integer({ minimum: 0, maximum: 10, default: 1 })),
  mode: s.optional(s.enum(["fast", "safe"], { default: "safe" })),
  tags: s.optional(s.array(s.string())),
  labels: s.optional(s.map(s.string())),
  port: s.optional(s.intOrString()),
  values: s.optional(s.unknownObject()),
  nested: s.optional(s.object({ enabled: s.optional(s.boolean({ default: false })) })),
});
type Thing = Infer<typeof thing>;

describe("type inference", () => {
  test("required and optional properties become required and optional fields", () => {
    const ok: Thing = { name: "a", mode: "fast", port: 8080, nested: {} };
    // @ts-expect-error name is required
    const missing: Thing = { replicas: 1 };
    // @ts-expect-error mode is a string-literal union
    const badEnum: Thing = { name: "a", mode: "slow" };
    expect([ok, missing, badEnum].length).toBe(3);
  });
  test("the exported kind types follow the schemas", () => {
    const git: GitRepository = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "a" },
      spec: { interval: "1m", url: "https://x", ref: { branch: "main" }, verify: { secretRef: { name: "k" } } },
    };
    // @ts-expect-error prune is required on a Kustomization
    const ks: Kustomization = { metadata: { name: "a" }, spec: { interval: "1m", sourceRef: { kind: "GitRepository", name: "a" } } };
    expect(validate(git)).toEqual([]);
    expect(ks.spec.interval).toBe("1m");
  });
});

describe("the OpenAPI schema", () => {
  test("lists only non-optional properties as required and carries constraints and defaults", () => {
    const out = toOpenAPI(thing.node) as { required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(out.required).toEqual(["name"]);
    expect(out.properties.replicas).toEqual({ type: "integer", default: 1, minimum: 0, maximum: 10 });
    expect(out.properties.labels).toEqual({ type: "object", additionalProperties: { type: "string" } });
    expect(out.properties.port).toEqual({ "x-kubernetes-int-or-string": true });
    expect(out.properties.values).toEqual({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
  });
  test("never contains CEL rules, even for objects that have them", () => {
    const withRule = s.object({ a: s.optional(s.string()) }, { rules: [{ cel: "has(self.a)", message: "a", holds: (o) => "a" in o }] });
    expect(JSON.stringify(toOpenAPI(withRule.node))).not.toContain("x-kubernetes-validations");
    expect(validateNode(withRule.node, {}).map((e) => e.message)).toEqual([`<root>: Invalid value: "object": a`]);
  });
});

describe("validation of builder types", () => {
  test.each([
    [{ name: "a", port: "http" }, []],
    [{ name: "a", port: 80 }, []],
    [{ name: "a", port: 1.5 }, [`port: Invalid value: "number": port in body must be of type integer or string: "number"`]],
    [{ name: "a", values: { any: [1, { deep: null }] } }, []],
    [{ name: "a", values: [] }, [`values: Invalid value: "array": values in body must be of type object: "array"`]],
    [{ name: "a", replicas: 11 }, ["replicas: Invalid value: 11: replicas in body should be less than or equal to 10"]],
    [{ name: "a", tags: null }, [`tags: Invalid value: "null": tags in body must be of type array: "null"`]],
    [{ name: "a", labels: { x: true } }, [`labels.x: Invalid value: "boolean": labels.x in body must be of type string: "boolean"`]],
    [{ name: "😀" }, []],
  ])("%j -> %j", (value, errors) => {
    expect(validateNode(thing.node, value).map((e) => e.message)).toEqual(errors);
  });
});

const validThing = fc.record(
  {
    name: fc.string({ minLength: 1 }),
    replicas: fc.integer({ min: 0, max: 10 }),
    mode: fc.constantFrom("fast", "safe"),
    tags: fc.array(fc.string()),
    labels: fc.dictionary(fc.string(), fc.string()),
    port: fc.oneof(fc.integer(), fc.string()),
    values: fc.dictionary(fc.string(), fc.jsonValue()),
    nested: fc.record({ enabled: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: ["name"] },
);

describe("properties", () => {
  test("generated valid values have no errors", () => {
    fc.assert(fc.property(validThing, (v) => validateNode(thing.node, v).length === 0));
  });
  test("a wrong type in one field gives exactly one error, at that field", () => {
    const wrong = fc.tuple(validThing, fc.constantFrom("name", "replicas", "mode", "tags", "labels", "nested"), fc.constantFrom(true, 1.5, [], {}));
    fc.assert(
      fc.property(wrong, ([v, key, bad]) => {
        const sameType = (key === "tags" && Array.isArray(bad)) || ((key === "labels" || key === "nested") && typeof bad === "object" && !Array.isArray(bad));
        fc.pre(!sameType);
        const errors = validateNode(thing.node, { ...v, [key]: bad });
        return errors.length === 1 && errors[0]!.path === key && errors[0]!.reason === "type";
      }),
    );
  });
  test("defaulting is idempotent and keeps values that are set", () => {
    fc.assert(
      fc.property(validThing, (v) => {
        const once = defaultNode(thing.node, v);
        expect(defaultNode(thing.node, once)).toEqual(once);
        expect(once).toMatchObject(v);
        expect(once.mode).toBe(v.mode ?? "safe");
      }),
    );
  });
  test("validate and applyDefaults never throw on arbitrary objects of any served kind", () => {
    const anyObject = fc.tuple(fc.constantFrom(...KINDS), fc.anything(), fc.anything());
    fc.assert(
      fc.property(anyObject, ([def, spec, status]) => {
        const obj = { apiVersion: def.apiVersion, kind: def.kind, metadata: { name: "x" }, spec, status };
        const errors = validate(obj);
        const defaulted = applyDefaults(obj);
        expect(Array.isArray(errors)).toBe(true);
        expect(applyDefaults(defaulted)).toEqual(defaulted);
      }),
    );
  });
  test("the duration pattern accepts Go durations and rejects other text", () => {
    const re = new RegExp(DURATION_PATTERN);
    const unit = fc.constantFrom("ms", "s", "m", "h");
    const part = fc.tuple(fc.nat(10_000), fc.option(fc.nat(999), { nil: undefined }), unit).map(([n, f, u]) => `${n}${f === undefined ? "" : `.${f}`}${u}`);
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => re.test(parts.join(""))));
    for (const bad of ["", "5", "5 m", "1d", "-1s", "m5", "1.s"]) expect(re.test(bad)).toBe(false);
  });
});
