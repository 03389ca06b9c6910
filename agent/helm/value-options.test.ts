import { describe, expect, test } from "bun:test";
import { mergeValueOptions } from "./value-options.ts";
import { mergeMaps } from "./values-yaml.ts";

describe("merging -f files and --set flags", () => {
  test("files merge maps in order, lists and nulls replace, then --set flags apply", () => {
    const v = mergeValueOptions(
      {
        valueFiles: [
          { name: "a.yaml", text: "m: {a: 1, b: 1}\nl: [1, 2]\nx: 1\n" },
          { name: "b.yaml", text: "m: {b: 2}\nl: [3]\nx: null\n" },
        ],
        values: ["m.c=3", "s=1"],
        stringValues: ["s=1"],
        fileValues: ["f=cert.pem"],
        literalValues: ["lit=a,b"],
      },
      (p) => `<${p}>`,
    );
    expect(v).toEqual({ m: { a: 1, b: 2, c: 3 }, l: [3], x: null, s: "1", f: "<cert.pem>", lit: "a,b" });
  });

  test.each([
    [{ values: ["a"] }, 'failed parsing --set data: key "a" has no value'],
    [{ stringValues: ["a[x]=1"] }, 'failed parsing --set-string data: error parsing index: strconv.Atoi: parsing "x": invalid syntax'],
    [{ fileValues: ["a=b"] }, "failed parsing --set-file data: open b: no file reader given"],
    [{ valueFiles: [{ name: "v.yaml", text: "- a\n" }] }, "failed to parse v.yaml: Cannot parse v.yaml: document 1 is not a map"],
  ])("%j fails with Helm's prefix", (options, message) => {
    expect(() => mergeValueOptions(options)).toThrow(message);
  });

  test("--set-json comes after the files and before --set: an object merges, a.b=<json> sets", () => {
    const v = mergeValueOptions({
      valueFiles: [{ name: "a.yaml", text: "m: {a: 1, b: 1}\n" }],
      jsonValues: [' {"m": {"b": 2, "j": [1, {"k": null}]}}', "n.list=[1,2,3],n.s=\"x\"", "over=1"],
      values: ["over=2"],
    });
    expect(v).toEqual({ m: { a: 1, b: 2, j: [1, { k: null }] }, n: { list: [1, 2, 3], s: "x" }, over: 2 });
  });

  test.each([
    ["{invalid", "failed parsing --set-json data JSON: {invalid"],
    ["a=[1", "failed parsing --set-json data a=[1"],
    ["a", "failed parsing --set-json data a"],
  ])("--set-json %p fails with Helm's words: %p", (value, message) => {
    expect(() => mergeValueOptions({ jsonValues: [value] })).toThrow(message);
  });

  test("mergeMaps leaves its inputs alone", () => {
    const a = { m: { x: 1 } };
    mergeMaps(a, { m: { y: 2 } });
    expect(a).toEqual({ m: { x: 1 } });
  });
});
