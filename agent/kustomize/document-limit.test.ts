import { describe, expect, test } from "bun:test";
import { FileTree } from "../artifact/file-tree.ts";
import { limitDocuments } from "./document-limit.ts";

const enc = new TextEncoder();
const file = (text: string) => ({ kind: "file" as const, mode: 0o644, data: enc.encode(text) });
const doc = (name: string, pad: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${"x".repeat(pad)}"\n`;

describe("limitDocuments", () => {
  const tree = new FileTree([
    ["small.yaml", file(doc("a", 10))],
    ["many.yaml", file([doc("a", 60), doc("b", 60), doc("c", 60)].join("---\n"))],
    ["big.yaml", file(`${doc("a", 10)}---\n${doc("b", 200)}`)],
    ["big.json", file(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", data: { v: "x".repeat(200) } }))],
    ["notes.txt", file("y".repeat(500))],
  ]);
  const limited = limitDocuments(tree, 150);
  const cases: Array<[string, string | undefined]> = [
    ["small.yaml", undefined],
    ["many.yaml", undefined],
    ["big.yaml", 'document 2 of "big.yaml" is 269 bytes, over the limit of 150 bytes (raise it with rivulet run --max-document-size)'],
    ["big.json", `document 1 of "big.json" is ${tree.read("big.json")!.length} bytes, over the limit of 150 bytes (raise it with rivulet run --max-document-size)`],
    ["notes.txt", undefined],
  ];
  for (const [path, error] of cases) {
    test(`${path}: ${error ? "refused before it is parsed" : "read as it is"}`, () => {
      if (error) expect(() => limited.read(path)).toThrow(error);
      else expect(limited.read(path)).toEqual(tree.read(path)!);
    });
  }

  test("listing and directories pass through", () => {
    expect(limited.list("").map((e) => e.name)).toEqual(tree.list("").map((e) => e.name));
    expect(limited.isDir("")).toBe(true);
    expect(limited.read("missing.yaml")).toBeUndefined();
  });
});
