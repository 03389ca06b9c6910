import { describe, expect, test } from "bun:test";
import { composeValues, ValuesReferenceError, type ReadValuesObject, type ValuesReference } from "./helm-release-values.ts";
import { loadValues } from "../helm/values-yaml.ts";

type Objects = { ConfigMap?: Record<string, Record<string, string>>; Secret?: Record<string, Record<string, string>> };
const reader = (objects: Objects, reads: string[] = []): ReadValuesObject => async (kind, name) => {
  reads.push(`${kind}/${name}`);
  return objects[kind]?.[name];
};
const compose = (objects: Objects, valuesFrom: ValuesReference[], values?: string) =>
  composeValues({ valuesFrom, ...(values === undefined ? {} : { values: loadValues(values, "values") }) }, "apps", reader(objects));

// The cases of fluxcd/pkg chartutil's TestChartValuesFromReferences, in the same order, with its expectations.
describe("composeValues follows Flux's values references", () => {
  test("merges references in order, then the inline values", async () => {
    const objects = {
      ConfigMap: { values: { "values.yaml": "flat: value\nnested:\n  configuration: value\n" } },
      Secret: { values: { "values.yaml": "flat:\n  nested: value\nnested: value\n" } },
    };
    expect(await compose(objects, [{ kind: "ConfigMap", name: "values" }, { kind: "Secret", name: "values" }], "other: values\n")).toEqual({
      flat: { nested: "value" },
      nested: "value",
      other: "values",
    });
  });
  test("sets a single value at a target path", async () => {
    const objects = { Secret: { values: { single: "value" } } };
    expect(await compose(objects, [{ kind: "Secret", name: "values", valuesKey: "single", targetPath: "merge.at.specific.path" }])).toEqual({
      merge: { at: { specific: { path: "value" } } },
    });
  });
  test("a target path wins over everything, inline values included", async () => {
    const objects = {
      ConfigMap: { values: { "values.yaml": "flat: value\nnested:\n  configuration:\n  - one\n  - two\n  - three\n" } },
      Secret: { values: { key: "value" } },
    };
    const refs: ValuesReference[] = [
      { kind: "Secret", name: "values", valuesKey: "key", targetPath: "nested.configuration[0]" },
      { kind: "ConfigMap", name: "values" },
    ];
    expect(await compose(objects, refs, "nested:\n  configuration:\n  - list\n  - item\n  - option\n")).toEqual({
      flat: "value",
      nested: { configuration: ["value", "item", "option"] },
    });
  });
  test("a target path sets one item of a list of strings", async () => {
    const objects = {
      ConfigMap: { values: { "values.yaml": "flat: value\nnested:\n  configuration:\n  - list\n  - item\n  - option\n" } },
      Secret: { values: { "values.yaml": "foo" } },
    };
    const refs: ValuesReference[] = [{ kind: "ConfigMap", name: "values" }, { kind: "Secret", name: "values", targetPath: "nested.configuration[1]" }];
    expect(await compose(objects, refs, "other: values\n")).toEqual({
      flat: "value",
      nested: { configuration: ["list", "foo", "option"] },
      other: "values",
    });
  });
  test.each([
    ["Secret", { kind: "Secret", name: "missing" }, {}, "could not resolve Secret chart values reference 'apps/missing' with key 'values.yaml': resource not found"],
    ["ConfigMap", { kind: "ConfigMap", name: "missing" }, {}, "could not resolve ConfigMap chart values reference 'apps/missing' with key 'values.yaml': resource not found"],
    ["Secret key", { kind: "Secret", name: "values", valuesKey: "nonexisting" }, { Secret: { values: {} } },
      "could not resolve Secret chart values reference 'apps/values' with key 'nonexisting': key not found"],
    ["ConfigMap key", { kind: "ConfigMap", name: "values", valuesKey: "nonexisting" }, { ConfigMap: { values: {} } },
      "could not resolve ConfigMap chart values reference 'apps/values' with key 'nonexisting': key not found"],
  ] as Array<[string, ValuesReference, Objects, string]>)("a missing %s fails, naming kind, name and key", async (_what, ref, objects, message) => {
    const err = await compose(objects, [ref]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValuesReferenceError);
    expect((err as Error).message).toBe(message);
  });
  test.each([
    ["object", {}],
    ["key", { ConfigMap: { values: {} }, Secret: { values: {} } }],
  ] as Array<[string, Objects]>)("a missing optional %s is skipped", async (_what, objects) => {
    const refs: ValuesReference[] = [{ kind: "Secret", name: "values", optional: true }, { kind: "ConfigMap", name: "values", optional: true }];
    expect(await compose(objects, refs, "a: 1\n")).toEqual({ a: 1 });
  });
  test("values that are not YAML fail", async () => {
    const err = await compose({ ConfigMap: { values: { "values.yaml": "\ninvalid" } } }, [{ kind: "ConfigMap", name: "values" }]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^could not resolve ConfigMap chart values reference 'apps\/values' with key 'values.yaml': failed to read values data: /);
  });
  test("without literal, a value with commas is parsed as --set and fails", async () => {
    const objects = { ConfigMap: { values: { "application.yml": "endpoints: [a,b,c]" } } };
    const err = await compose(objects, [{ kind: "ConfigMap", name: "values", valuesKey: "application.yml", targetPath: "externalConfig.application\\.yml.content" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValuesReferenceError);
    expect((err as ValuesReferenceError).reason).toBe("failed to merge value");
  });
  test.each([
    ["YAML with brackets and quotes", "ConfigMap", "application.yml", "externalConfig.application\\.yml.content",
      "server:\n  port: 8080\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: [ \"prometheus\", \"health\" ]\n",
      (v: string) => ({ externalConfig: { "application.yml": { content: v } } })],
    ["HOCON with equals and braces", "Secret", "application.conf", "externalConfig.application\\.conf.content",
      "kafka {\n  bootstrap = \"b-1:9098,b-2:9098\"\n  group = \"my.service\"\n}\n",
      (v: string) => ({ externalConfig: { "application.conf": { content: v } } })],
    ["a comma-separated broker list (flux2#2625)", "Secret", "brokers", "kafka.brokers",
      "kafka01.net:9092,kafka02.net:9092,kafka03.net:9092",
      (v: string) => ({ kafka: { brokers: v } })],
  ] as const)("literal keeps %s verbatim at the target path", async (_what, kind, key, targetPath, text, expected) => {
    const objects: Objects = { [kind]: { values: { [key]: text } } };
    expect(await compose(objects, [{ kind, name: "values", valuesKey: key, targetPath, literal: true }])).toEqual(expected(text));
  });
  test("literal without a target path merges YAML at the root", async () => {
    expect(await compose({ ConfigMap: { values: { "values.yaml": "flat: value\n" } } }, [{ kind: "ConfigMap", name: "values", literal: true }])).toEqual({ flat: "value" });
  });
});

describe("composeValues", () => {
  test("types a target path value as --set does, and keeps a quoted one a string", async () => {
    const objects = { ConfigMap: { v: { n: "42", b: "true", q: '"42"', s: "'true'" } } };
    const refs: ValuesReference[] = ["n", "b", "q", "s"].map((k) => ({ kind: "ConfigMap", name: "v", valuesKey: k, targetPath: `x.${k}` }));
    expect(await compose(objects, refs)).toEqual({ x: { n: 42, b: true, q: "42", s: "true" } });
  });
  test("inline values win over references without a target path", async () => {
    expect(await compose({ ConfigMap: { v: { "values.yaml": "a: 1\nb: {c: 2, d: 3}\n" } } }, [{ kind: "ConfigMap", name: "v" }], "b: {c: 20}\n")).toEqual({ a: 1, b: { c: 20, d: 3 } });
  });
  test("reads each object once, however many entries name it", async () => {
    const reads: string[] = [];
    const objects = { ConfigMap: { v: { a: "1", b: "2" } } };
    const refs: ValuesReference[] = [{ kind: "ConfigMap", name: "v", valuesKey: "a", targetPath: "a" }, { kind: "ConfigMap", name: "v", valuesKey: "b", targetPath: "b" }];
    expect(await composeValues({ valuesFrom: refs }, "apps", reader(objects, reads))).toEqual({ a: 1, b: 2 });
    expect(reads).toEqual(["ConfigMap/v"]);
  });
  test("does not change the HelmRelease's inline values", async () => {
    const values = { nested: { list: ["a", "b"] } };
    await composeValues({ values, valuesFrom: [{ kind: "ConfigMap", name: "v", valuesKey: "k", targetPath: "nested.list[0]" }] }, "apps", reader({ ConfigMap: { v: { k: "z" } } }));
    expect(values).toEqual({ nested: { list: ["a", "b"] } });
  });
  test.each([
    ["a --set error", { kind: "Secret", name: "s", valuesKey: "k", targetPath: "a" }, "x,hunter2"],
    ["a YAML error", { kind: "Secret", name: "s", valuesKey: "k" }, "password: hunter2\n  bad: [indent"],
  ] as Array<[string, ValuesReference, string]>)("never puts Secret data into %s", async (_what, ref, text) => {
    const err = (await compose({ Secret: { s: { k: text } } }, [ref]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ValuesReferenceError);
    expect(err.message).not.toContain("hunter2");
    expect(err.message).toMatch(/^could not resolve Secret chart values reference 'apps\/s' with key 'k': failed to (merge value|read values data)$/);
  });
  test("a read failure other than not-found is passed on as it is (the caller retries it)", async () => {
    const boom = new Error("connection refused");
    const err = await composeValues({ valuesFrom: [{ kind: "Secret", name: "s", optional: true }] }, "apps", () => Promise.reject(boom)).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });
});
