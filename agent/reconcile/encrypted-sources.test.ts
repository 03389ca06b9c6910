import { describe, expect, test } from "bun:test";
import { textFileTree } from "../artifact/file-tree.ts";
import { encryptedSources, plaintextByCiphertext, withPlaintext } from "./encrypted-sources.ts";

const c = (n: number) => `ENC[AES256_GCM,data:${n},iv:i,tag:t,type:str]`;

describe("the sops documents of an artifact", () => {
  test("are found by their mac in YAML streams and JSON files anywhere in the tree, unparsable files skipped", () => {
    const tree = textFileTree({
      "a/two.yaml": `kind: ConfigMap\n---\nkind: Secret\nsops:\n  mac: ${c(1)}\n`,
      "b/one.json": JSON.stringify({ kind: "Secret", sops: { mac: c(2) } }, null, 1),
      "c/broken.yaml": `sops: {mac: ${c(3)}\n`,
      "d/notes.txt": `sops:\n  mac: ${c(4)}\n`,
    });
    const sourceOf = encryptedSources(tree);
    expect([1, 2, 3, 4].map((n) => sourceOf({ sops: { mac: c(n) } })?.path)).toEqual(["a/two.yaml", "b/one.json", undefined, undefined]);
  });

  test("give each ciphertext of the built resource the plaintext it has at its place in the document", () => {
    const written = { metadata: { name: "x" }, stringData: { a: c(1), list: [c(2), "plain"] }, sops: { mac: c(9) } };
    const plain = { metadata: { name: "x" }, stringData: { a: "one", list: [2, "plain"] } };
    const built = { metadata: { name: "p-x" }, stringData: { a: c(1), moved: c(2), list: ["plain"] }, sops: { mac: c(9) } };
    expect(withPlaintext(built, plaintextByCiphertext(written, plain))).toEqual({ metadata: { name: "p-x" }, stringData: { a: "one", moved: 2, list: ["plain"] } });
  });
});
