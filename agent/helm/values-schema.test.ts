// Expected texts are santhosh-tekuri/jsonschema v6's wording as Helm 4.2 prints it: the cases marked
// "(Helm)" restate, with schemas of our own, what Helm's pkg/chart/common/util/jsonschema_test.go and
// pkg/cmd/testdata/output/*schema*.txt pin. The validateAgainstSchema table was also run through v6
// itself (Helm's ValidateAgainstSingleSchema rebuilt around it, 2026-12-06): every valid-schema case
// matched byte for byte except where v6 follows Go's random map order (we sort) and the reason v6
// appends to a format failure (we leave it out).
import { describe, expect, test } from "bun:test";
import type { Chart, Values } from "./chart.ts";
import { SCHEMA_ERROR_HEADER, schemaReport, validateAgainstSchema, validateValues } from "./values-schema.ts";
import { chartValues } from "./values.ts";

const enc = new TextEncoder();
const bytes = (schema: unknown) => enc.encode(typeof schema === "string" ? schema : JSON.stringify(schema));
const check = (schema: unknown, values: Values) => validateAgainstSchema(bytes(schema), values);

const DRAFT7 = "http://json-schema.org/draft-07/schema#";
const DRAFT2020 = "https://json-schema.org/draft/2020-12/schema";

const person = {
  $schema: DRAFT7,
  type: "object",
  required: ["name", "job"],
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 0 },
    job: { type: "object", required: ["title"], properties: { title: { type: "string" }, pay: { type: "number", minimum: 0 } } },
    homes: { type: "array", items: { type: "object", required: ["city"], properties: { city: { type: "string" } } } },
  },
};

describe("validateAgainstSchema", () => {
  const cases: Array<[string, unknown, Values, string]> = [
    ["valid values give no failures", person, { name: "Ann", age: 30, job: { title: "cook" } }, ""],
    // (Helm) TestValidateAgainstSingleSchemaNegative: a missing required object and a negative age
    ["required and minimum, root first (Helm)", person, { name: "Ann", age: -5 }, "- at '': missing property 'job'\n- at '/age': minimum: got -5, want 0\n"],
    [
      "failures under one value are grouped as 'validation failed'",
      person,
      { name: 5, age: "x", job: { title: "cook", pay: -1 }, homes: [{ city: 1 }, {}] },
      [
        "- at '/age': got string, want integer",
        "- at '/homes': validation failed",
        "  - at '/homes/0/city': got number, want string",
        "  - at '/homes/1': missing property 'city'",
        "- at '/job/pay': minimum: got -1, want 0",
        "- at '/name': got number, want string",
        "",
      ].join("\n"),
    ],
    ["several missing properties are named together", { required: ["a", "b", "c"] }, { b: 1 }, "- at '': missing properties 'a', 'c'\n"],
    ["a type failure hides the value's other failures", { type: "string", minLength: 3, enum: ["x"] }, { toString: 1 } as Values, "- at '': got object, want string\n"],
    ["type lists are named in v6's order", { properties: { a: { type: ["string", "null", "integer"] } } }, { a: 1.5 }, "- at '/a': got number, want null or integer or string\n"],
    ["an integer type rejects fractions", { properties: { n: { type: "integer" } } }, { n: 2.5 }, "- at '/n': got number, want integer\n"],
    ["enum of several", { properties: { e: { enum: ["a", "b", 3, true, null] } } }, { e: "z" }, "- at '/e': value must be one of 'a', 'b', 3, true, <nil>\n"],
    ["enum of one", { properties: { e: { enum: ["only"] } } }, { e: "z" }, "- at '/e': value must be 'only'\n"],
    ["enum holding objects", { properties: { e: { enum: [{ a: 1 }, "x"] } } }, { e: "z" }, "- at '/e': enum failed\n"],
    ["const", { properties: { c: { const: "fixed" } } }, { c: "z" }, "- at '/c': value must be 'fixed'\n"],
    [
      "additionalProperties false lists the extras, after the properties",
      { properties: { a: { type: "string" } }, patternProperties: { "^x-": {} }, additionalProperties: false },
      { a: 1, zz: 1, yy: 2, "x-ok": 3 },
      "- at '/a': got number, want string\n- at '': additional properties 'yy', 'zz' not allowed\n",
    ],
    [
      "anyOf carries each branch's failure",
      { properties: { a: { anyOf: [{ type: "string" }, { type: "boolean" }] } } },
      { a: 1 },
      "- at '/a': anyOf failed\n  - at '/a': got number, want string\n  - at '/a': got number, want boolean\n",
    ],
    ["oneOf that matches twice names the first two", { properties: { a: { oneOf: [{ type: "number" }, { minimum: 0 }, {}] } } }, { a: 1 }, "- at '/a': oneOf failed, subschemas 0, 1 matched\n"],
    [
      "oneOf that matches none",
      { properties: { a: { oneOf: [{ type: "string" }, { maximum: 0 }] } } },
      { a: 2 },
      "- at '/a': oneOf failed, none matched\n  - at '/a': got number, want string\n  - at '/a': maximum: got 2, want 0\n",
    ],
    ["allOf", { allOf: [{ required: ["a"] }, { required: ["b"] }] }, { b: 1 }, "- at '': allOf failed\n  - at '': missing property 'a'\n"],
    ["not", { properties: { a: { not: { type: "string" } } } }, { a: "s" }, "- at '/a': not failed\n"],
    ["a false schema", { properties: { gone: false } }, { gone: 1 }, "- at '/gone': false schema\n"],
    // x/text's printer: narrow no-break spaces around ×, superscript exponents, thousands separators
    [
      "big numbers print as x/text's English printer does; a lone failing value's group is unwrapped",
      { properties: { n: { maximum: 1000000, multipleOf: 7 } } },
      { n: 2000000 },
      "- at '/n': maximum: got 2\u202f×\u202f10⁰⁶, want 1\u202f×\u202f10⁰⁶\n- at '/n': multipleOf: got 2\u202f×\u202f10⁰⁶, want 7\n",
    ],
    [
      "small numbers, thousands and negative bounds",
      { required: ["a"], properties: { b: { minimum: 0.0001 }, c: { maximum: -1234.5 }, m: { minProperties: 1000 } } },
      { b: 0.00001, c: 12, m: { k: 1 } },
      "- at '': missing property 'a'\n- at '/b': minimum: got 1\u202f×\u202f10⁻⁰⁵, want 0.0001\n- at '/c': maximum: got 12, want -1,234.5\n- at '/m': minProperties: got 1, want 1,000\n",
    ],
    ["exclusive bounds", { properties: { n: { exclusiveMinimum: 0.5 } } }, { n: 0.5 }, "- at '/n': exclusiveMinimum: got 0.5, want 0.5\n"],
    ["string lengths count code points", { properties: { s: { maxLength: 2 } } }, { s: "héé" }, "- at '/s': maxLength: got 3, want 2\n"],
    ["pattern", { properties: { s: { pattern: "^[a-z]+$" } } }, { s: "A'b" }, "- at '/s': 'A\\'b' does not match pattern '^[a-z]+$'\n"],
    ["array sizes and uniqueness", { properties: { l: { minItems: 4, uniqueItems: true } } }, { l: [1, 2, 1] }, "- at '/l': minItems: got 3, want 4\n- at '/l': items at 0 and 2 are equal\n"],
    ["minContains lists the matches and why the others missed", { properties: { l: { contains: { type: "string" }, minContains: 2 } } }, { l: ["a", 1] }, "- at '/l': min 2 items required to match contains schema, but matched 1 items at 0\n  - at '/l/1': got number, want string\n"],
    ["maxContains lists the matches", { properties: { l: { contains: { type: "string" }, maxContains: 1 } } }, { l: ["a", "b"] }, "- at '/l': max 1 items required to match contains schema, but matched 2 items at 0 1\n"],
    ["propertyNames says why the name fails", { propertyNames: { pattern: "^[a-z]+$" } }, { Abc: 1 }, "- at '': invalid propertyName 'Abc'\n  - at '': 'Abc' does not match pattern '^[a-z]+$'\n"],
    ["if/else adds the branch's failures", { if: { properties: { kind: { const: "a" } } }, then: { required: ["x"] }, else: { required: ["y", "z"] } }, { kind: "b" }, "- at '': missing properties 'y', 'z'\n"],
    ["dependentSchemas", { dependentSchemas: { tls: { required: ["cert"] } } }, { tls: 1 }, "- at '': missing property 'cert'\n"],
    ["unevaluatedProperties false", { properties: { a: {} }, unevaluatedProperties: false }, { a: 1, b: 2 }, "- at '/b': false schema\n"],
    ["a 2020-12 $ref beside other keywords", { properties: { a: { $ref: "#/$defs/s", minLength: 5 } }, $defs: { s: { type: "string", pattern: "^z" } } }, { a: "abc" }, "- at '/a': 'abc' does not match pattern '^z'\n- at '/a': minLength: got 3, want 5\n"],
    ["draft-04's boolean exclusiveMinimum", { $schema: "http://json-schema.org/draft-04/schema#", properties: { n: { minimum: 0, exclusiveMinimum: true } } }, { n: 0 }, "- at '/n': exclusiveMinimum: got 0, want 0\n"],
    [
      "oneOf with a branch that fails twice nests its group",
      { properties: { a: { oneOf: [{ required: ["p"], properties: { q: { type: "string" } } }, { type: "string" }] } } },
      { a: { q: 1 } },
      "- at '/a': oneOf failed, none matched\n  - at '/a': validation failed\n    - at '/a': missing property 'p'\n    - at '/a/q': got number, want string\n  - at '/a': got object, want string\n",
    ],
    ["object sizes", { maxProperties: 1 }, { a: 1, b: 2 }, "- at '': maxProperties: got 2, want 1\n"],
    ["dependentRequired", { dependentRequired: { tls: ["cert", "key"] } }, { tls: true, key: "k" }, "- at '': properties 'cert' required, if 'tls' exists\n"],
    ["draft-07 dependencies", { $schema: DRAFT7, dependencies: { tls: ["cert"] } }, { tls: true }, "- at '': properties 'cert' required, if 'tls' exists\n"],
    [
      "a local $ref missing two properties reads as one failure",
      { properties: { a: { $ref: "#/$defs/thing" } }, $defs: { thing: { required: ["p", "q"] } } },
      { a: {} },
      "- at '/a': missing properties 'p', 'q'\n",
    ],
    [
      "a local $ref (draft-07 definitions) with failures at two places",
      { $schema: DRAFT7, properties: { a: { $ref: "#/definitions/t" } }, definitions: { t: { required: ["p"], properties: { n: { type: "string" } } } } },
      { a: { n: 1 } },
      "- at '/a': validation failed\n  - at '/a': missing property 'p'\n  - at '/a/n': got number, want string\n",
    ],
    // (Helm) TestValidateAgainstSchema2020Negative: contains fails and names why the item missed
    [
      "2020-12 contains names each item's failure (Helm)",
      { $schema: DRAFT2020, type: "object", properties: { data: { type: "array", contains: { type: "string" }, unevaluatedItems: { type: "number" } } }, required: ["data"] },
      { data: [12] },
      "- at '/data': no items match contains schema\n  - at '/data/0': got number, want string\n",
    ],
    ["2020-12 contains passes with one string (Helm)", { properties: { data: { contains: { type: "string" }, unevaluatedItems: { type: "number" } } } }, { data: ["hello", 12] }, ""],
    ["draft-07 asserts formats", { $schema: DRAFT7, properties: { mail: { format: "email" }, at: { format: "date-time" } } }, { mail: "nope", at: "2024-01-01T00:00:00Z" }, "- at '/mail': 'nope' is not valid email\n"],
    ["2020-12 treats format as an annotation", { $schema: DRAFT2020, properties: { mail: { format: "email" } } }, { mail: "nope" }, ""],
    ["no $schema means 2020-12", { properties: { mail: { format: "email" } } }, { mail: "nope" }, ""],
    ["unknown formats pass", { $schema: DRAFT7, properties: { x: { format: "k8s-name" } } }, { x: "Not A Name" }, ""],
    ["a property called format is still checked", { $schema: DRAFT2020, properties: { format: { type: "string" } } }, { format: 1 }, "- at '/format': got number, want string\n"],
    ["pointer segments are escaped as v6 does", { properties: { "a/b": { type: "string" }, "t~": { type: "string" } } }, { "a/b": 1, "t~": 2 }, "- at '/a~1b': got number, want string\n- at '/t~0': got number, want string\n"],
    ["a false root schema", false, { a: 1 }, "- at '': false schema\n"],
    ["draft-07 additionalItems false counts the extras", { $schema: DRAFT7, properties: { l: { items: [{}, {}], additionalItems: false } } }, { l: [1, 2, 3, 4] }, "- at '/l': last 2 additionalItem(s) not allowed\n"],
    // v6 numbers the items after prefixItems from 0 again; Helm prints that, so do we
    ["2020-12 items false after prefixItems, numbered as v6 numbers them", { properties: { l: { prefixItems: [{ type: "number" }], items: false } } }, { l: [1, "x"] }, "- at '/l/0': false schema\n"],
    ["a schema-valued additionalProperties checks each extra", { properties: { a: {} }, additionalProperties: { type: "string" } }, { a: 1, b: 2 }, "- at '/b': got number, want string\n"],
    ["uniqueItems false is a flag, not a false schema", { properties: { l: { uniqueItems: false, maxItems: 1 } } }, { l: [1, 1] }, "- at '/l': maxItems: got 2, want 1\n"],
    ["draft-04 schemas still validate", { $schema: "http://json-schema.org/draft-04/schema#", required: ["a"] }, {}, "- at '': missing property 'a'\n"],
    ["a $ref by a subschema's $id", { $id: "http://example.com/root.json", properties: { a: { $ref: "item.json" } }, $defs: { i: { $id: "item.json", type: "string" } } }, { a: 1 }, "- at '/a': got number, want string\n"],
    ["a $ref by $anchor", { properties: { a: { $ref: "#thing" } }, $defs: { i: { $anchor: "thing", type: "string", minLength: 3 } } }, { a: "x" }, "- at '/a': minLength: got 1, want 3\n"],
    ["a draft-07 $ref by a fragment $id", { $schema: DRAFT7, properties: { a: { $ref: "#thing" } }, definitions: { i: { $id: "#thing", enum: ["q"] } } }, { a: "x" }, "- at '/a': value must be 'q'\n"],
    ["a urn: $ref is permissive, as Helm's default URN resolver", { properties: { a: { $ref: "urn:example:thing" } } }, { a: 1 }, ""],
  ];
  for (const [name, schema, values, expected] of cases) {
    test(name, () => expect(check(schema, values)).toBe(expected));
  }
});

describe("schemas that cannot be used", () => {
  const cases: Array<[string, string, string | RegExp]> = [
    // (Helm) TestValidateAgainstInvalidSingleSchema: a bare number is not a schema
    ["a number is not a schema (Helm)", "1", `"file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#'\n- at '': got number, want boolean or object\n`],
    ["a draft-07 subschema that is a string", JSON.stringify({ $schema: DRAFT7, properties: { a: "string" } }), `"file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'http://json-schema.org/draft-07/schema#'\n- at '/properties/a': got string, want boolean or object\n`],
    ["a misspelt type", JSON.stringify({ properties: { a: { type: "strin" } } }), `"file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#'\n- at '/properties/a/type': value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'\n`],
    ["an empty file", "  \n", "values.schema.json is not valid JSON: the file is empty\n"],
    ["a file that is not JSON", '{"type": "object",', /^values\.schema\.json is not valid JSON \(.+\)\n$/],
    ["a remote $ref is refused, not fetched", JSON.stringify({ properties: { a: { $ref: "https://example.com/s.json" } } }), "values.schema.json refers to a remote schema, which is not fetched: https://example.com/s.json at '/properties/a/$ref'\n"],
    ["a file: $ref is refused", JSON.stringify({ $ref: "file:///etc/passwd" }), "values.schema.json refers to a remote schema, which is not fetched: file:///etc/passwd at '/$ref'\n"],
    ["a $ref to another file in the chart", JSON.stringify({ properties: { a: { $ref: "defs.json#/x" } } }), 'values.schema.json cannot be used: $ref "defs.json#/x" does not resolve inside the file\n'],
  ];
  for (const [name, schema, expected] of cases) {
    test(name, () => {
      const got = validateAgainstSchema(enc.encode(schema), { a: 1 });
      if (typeof expected === "string") expect(got).toBe(expected);
      else expect(got).toMatch(expected);
    });
  }
});

describe("the compiled schema is reused", () => {
  test("the same bytes give the same answers, passing and failing, and a broken file stays broken", () => {
    const schema = bytes({ properties: { n: { type: "integer" } } });
    expect(validateAgainstSchema(schema, { n: 1 })).toBe("");
    expect(validateAgainstSchema(schema, { n: "x" })).toBe("- at '/n': got string, want integer\n");
    expect(validateAgainstSchema(schema, { n: 2 })).toBe("");
    const broken = enc.encode("");
    expect(validateAgainstSchema(broken, {})).toBe("values.schema.json is not valid JSON: the file is empty\n");
    expect(validateAgainstSchema(broken, {})).toBe("values.schema.json is not valid JSON: the file is empty\n");
  });
});

function chart(name: string, schema: unknown, subs: Chart[] = []): Chart {
  return {
    metadata: { apiVersion: "v2", name, version: "1.0.0" },
    templates: [],
    crds: [],
    values: {},
    ...(schema === undefined ? {} : { schema: bytes(schema) }),
    files: [],
    dependencies: subs,
  };
}

const needsAge = { $schema: DRAFT7, type: "object", properties: { age: { type: "integer", minimum: 0 } }, required: ["age"] };
const needsLast = { $schema: DRAFT7, type: "object", required: ["lastname"] };

describe("validateValues", () => {
  test("passes when every schema holds", () => {
    expect(() => validateValues(chart("parent", needsLast, [chart("sub", needsAge)]), { lastname: "x", sub: { age: 1 } })).not.toThrow();
  });

  // (Helm) subchart-schema-negative.txt: the parent and its subchart both fail, each under its name
  test("lists the parent's and the subchart's failures under their names (Helm)", () => {
    const c = chart("parent", needsLast, [chart("sub", needsAge)]);
    expect(() => validateValues(c, { sub: {} })).toThrow(
      `${SCHEMA_ERROR_HEADER}\nparent:\n- at '': missing property 'lastname'\nsub:\n- at '': missing property 'age'\n`,
    );
  });

  // (Helm) subchart-schema-cli-negative.txt: only the subchart fails
  test("validates a subchart against its own scoped values (Helm)", () => {
    const c = chart("parent", undefined, [chart("sub", needsAge)]);
    expect(schemaReport(c, { sub: { age: -25 }, age: "not the subchart's" })).toBe("sub:\n- at '/age': minimum: got -25, want 0\n");
  });

  test("walks nested subcharts with their own scopes", () => {
    const c = chart("top", undefined, [chart("mid", undefined, [chart("leaf", needsAge)])]);
    expect(schemaReport(c, { mid: { leaf: { age: "x" } } })).toBe("leaf:\n- at '/age': got string, want integer\n");
  });

  // (Helm) the issue #31202 regressions: no values, null values, and values of the wrong type
  test("skips a subchart with no values or null values (Helm)", () => {
    const c = chart("parent", undefined, [chart("sub", needsAge)]);
    expect(schemaReport(c, {})).toBe("");
    expect(schemaReport(c, { sub: null })).toBe("");
  });

  test("reports subchart values that are not a map, as Go names the type (Helm)", () => {
    const c = chart("parent", undefined, [chart("sub", needsAge)]);
    expect(schemaReport(c, { sub: "oops" })).toBe("sub:\ninvalid type for values: expected object (map), got string\n");
    expect(schemaReport(c, { sub: 3 })).toBe("sub:\ninvalid type for values: expected object (map), got float64\n");
  });

  test("names the chart whose schema file is not JSON", () => {
    const c = chart("parent", undefined, [chart("broken", "{oops")]);
    expect(() => validateValues(c, { broken: {} })).toThrow(/^values don't meet the specifications of the schema\(s\) in the following chart\(s\):\nbroken:\nvalues\.schema\.json is not valid JSON \(/);
  });

  test("the 2020-12 subchart case passes and fails as Helm's does (Helm)", () => {
    const schema = { $schema: DRAFT2020, type: "object", properties: { data: { type: "array", contains: { type: "string" }, unevaluatedItems: { type: "number" } } }, required: ["data"] };
    const c = chart("chrt", undefined, [chart("subchart", schema)]);
    expect(schemaReport(c, { name: "John", subchart: { data: ["hello", 12] } })).toBe("");
    expect(schemaReport(c, { name: "John", subchart: { data: [12] } })).toBe("subchart:\n- at '/data': no items match contains schema\n  - at '/data/0': got number, want string\n");
  });

  test("after chartValues: an alias validates its own scope and a disabled subchart is not validated", () => {
    const sub = { ...chart("db", needsAge), values: { age: 1 } };
    const parent: Chart = {
      ...chart("app", undefined, [sub]),
      metadata: {
        apiVersion: "v2",
        name: "app",
        version: "1.0.0",
        dependencies: [
          { name: "db", version: "1.0.0", alias: "primary" },
          { name: "db", version: "1.0.0", alias: "replica", condition: "replica.enabled" },
        ],
      },
    };
    const ok = chartValues(parent, { primary: { age: 2 }, replica: { enabled: false, age: -1 } });
    expect(schemaReport(ok.chart, ok.values)).toBe("");
    const bad = chartValues(parent, { primary: { age: -3 }, replica: { enabled: true, age: -1 } });
    expect(schemaReport(bad.chart, bad.values)).toBe("primary:\n- at '/age': minimum: got -3, want 0\nreplica:\n- at '/age': minimum: got -1, want 0\n");
  });
});
