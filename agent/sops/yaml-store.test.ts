import { describe, expect, test } from "bun:test";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { decryptSops, encryptSops, keyringFromSecretData } from "./sops.ts";
import { emitPlain, loadPlain } from "./sops-file.ts";
import { Branch, SopsTime } from "./tree.ts";
import { fastYamlBranches, resolvePlain } from "./yaml-store.ts";

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("YAML values as go-yaml v3 reads them into sops's tree", () => {
  const cases: [string, unknown][] = [
    ["1", 1n], ["-0x1F", -31n], ["0o17", 15n], ["0777", 511n], ["1_000", 1000n], ["1.5", 1.5], ["1e3", 1000], [".5", 0.5],
    [".inf", Infinity], ["true", true], ["False", false], ["yes", "yes"], ["on", "on"], ["~", null], ["null", null],
    ["2024-01-02", new SopsTime("2024-01-02T00:00:00Z")], ["2024-01-02T03:04:05.500+02:00", new SopsTime("2024-01-02T03:04:05.5+02:00")],
    ["2024-13-01", "2024-13-01"], ["9223372036854775808", 9223372036854775808], ["1:20", "1:20"], ["abc", "abc"],
  ];
  for (const [plain, value] of cases) {
    test(`plain ${JSON.stringify(plain)} reads as ${typeof value === "bigint" ? `int ${value}` : JSON.stringify(value)}`, () => {
      expect(resolvePlain(plain)).toEqual(value as never);
    });
  }

  test("quoted and block scalars stay strings", () => {
    const [b] = loadPlain(utf8.encode(`a: "1"\nb: '2024-01-02'\nc: |\n  true\n`), "yaml") as [Branch];
    expect(b.items.map((i) => i.value)).toEqual(["1", "2024-01-02", "true\n"]);
  });
});

describe("YAML written as sops writes it (go-yaml v3, indent 4)", () => {
  const cases: [string, string][] = [
    ["plain", "k: plain\n"], ["", 'k: ""\n'], ["1", 'k: "1"\n'], ["yes", 'k: "yes"\n'], ["true", 'k: "true"\n'], ["null", 'k: "null"\n'],
    ["1:20", 'k: "1:20"\n'], ["- a", "k: '- a'\n"], ["a: b", "k: 'a: b'\n"], ["#x", "k: '#x'\n"], [" lead", "k: ' lead'\n"],
    ["tab\there", 'k: "tab\\there"\n'], ["two\nlines", "k: |-\n    two\n    lines\n"], ["ends\n", "k: |\n    ends\n"],
    ["keeps\n\n", "k: |+\n    keeps\n\n"], ["2024-01-02", 'k: "2024-01-02"\n'], ["é", "k: é\n"],
  ];
  for (const [value, yaml] of cases) {
    test(`the string ${JSON.stringify(value)} is written ${JSON.stringify(yaml)}`, () => {
      expect(text(emitPlain([new Branch([{ key: "k", value }])], "yaml"))).toBe(yaml);
    });
  }

  test("nested mappings and sequences align as go-yaml v3 aligns them", () => {
    const yaml = "a:\n    b:\n        - x: 1\n          w:\n            - 2\n            - - 3\n        - |-\n          text\n          more\nc: []\nd: {}\n";
    expect(text(emitPlain(loadPlain(utf8.encode(yaml), "yaml"), "yaml"))).toBe(yaml);
  });

  test("several documents are written with --- between them", () => {
    expect(text(emitPlain(loadPlain(utf8.encode("a: 1\n---\nb: 2\n"), "yaml"), "yaml"))).toBe("a: 1\n---\nb: 2\n");
  });
});

describe("comments in sops YAML files", () => {
  const source = [
    "# top comment", "apiVersion: v1 # api", "kind: Secret", "# before data", "stringData:", "  # first in data",
    "  password: hunter2 # inline", "  list:", "    - one", "    # between", "    - 2", "# the end", "",
  ].join("\n");

  test("are encrypted under their path and come back in place; an encrypted inline comment comes back above its key, as sops -d prints it", async () => {
    const id = await generateIdentity();
    const encrypted = text(await encryptSops(utf8.encode(source), { format: "yaml", age: [await identityToRecipient(id)], encryptedRegex: "^stringData$" }));
    expect(encrypted).toContain("# top comment\napiVersion: v1 # api\n");
    expect(encrypted).toMatch(/\nstringData:\n    #ENC\[AES256_GCM,[^\]]*type:comment\]\n    password: ENC\[[^\]]*type:str\] #ENC\[[^\]]*type:comment\]\n/);
    expect(encrypted).toMatch(/\n        - ENC\[[^\]]*type:str\]\n        #ENC\[[^\]]*type:comment\]\n        - ENC\[[^\]]*type:int\]\n/);
    expect(encrypted).toMatch(/\nsops:\n    age:\n        - recipient: age1[0-9a-z]+\n          enc: \|\n            -----BEGIN AGE ENCRYPTED FILE-----\n/);
    const keyring = await keyringFromSecretData({ "k.agekey": utf8.encode(id) });
    expect(text(await decryptSops(utf8.encode(encrypted), { format: "yaml", keyring, name: "c.yaml" }))).toBe(
      [
        "# top comment", "apiVersion: v1 # api", "kind: Secret", "# before data", "stringData:", "    # first in data",
        "    # inline", "    password: hunter2", "    list:", "        - one", "        # between", "        - 2", "# the end", "",
      ].join("\n"),
    );
  });
});

describe("the fast YAML reading", () => {
  test("gives the same typed tree as the exact reading for a plain Secret", () => {
    const yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: x\n    port: 5432\n    ratio: 0.5\n    on: true\n";
    const fast = fastYamlBranches(yaml)!;
    expect(fast).toBeDefined();
    expect(emitPlain(fast, "yaml")).toEqual(emitPlain(loadPlain(utf8.encode(yaml), "yaml"), "yaml"));
    expect(fast[0]!.get("stringData")).toEqual(loadPlain(utf8.encode(yaml), "yaml")[0]!.get("stringData")!);
  });

  const refused: [string, string][] = [
    ["a comment", "a: 1 # note\n"],
    ["several documents", "a: 1\n---\nb: 2\n"],
    ["a date, which go-yaml v3 reads as a time", "a: 2024-01-02\n"],
    ["a quoted number", 'a: "1"\n'],
    ["a key JavaScript would reorder", "b: 1\n\"1\": 2\n"],
    ["an integer past 2^53", "a: 9007199254740993\n"],
  ];
  for (const [what, yaml] of refused) {
    test(`leaves a file with ${what} to the exact reading`, () => {
      expect(fastYamlBranches(yaml)).toBeUndefined();
    });
  }
});
