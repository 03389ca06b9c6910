/**
 * Encrypt → decrypt is the identity: for random trees of every value type in every format, under
 * random encryption rules, and for single values of every type sops knows.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { aesGcm } from "./aes-gcm.ts";
import { decryptSops, encryptSops, keyringFromSecretData, type SopsFormat } from "./sops.ts";
import { emitPlain, loadPlain } from "./sops-file.ts";
import { Branch, BinaryString, Comment, SopsTime, type TreeValue } from "./tree.ts";
import { decryptValue, encryptValue } from "./value-cipher.ts";
import { resolvePlain } from "./yaml-store.ts";

const id = await generateIdentity();
const recipient = await identityToRecipient(id);
const keyring = await keyringFromSecretData({ "k.agekey": new TextEncoder().encode(id) });

/** A tree as typed text, so a changed type (int for float, str for time) shows as a difference. */
function typed(v: TreeValue): unknown {
  if (v instanceof Branch) return v.items.map((i) => [i.key instanceof Comment ? `#${i.key.value}` : i.key, typed(i.value)]);
  if (Array.isArray(v)) return v.map(typed);
  if (v instanceof Comment) return `#${v.value}`;
  if (v instanceof SopsTime) return `time:${v.text}`;
  if (v instanceof BinaryString) return `binary:${Array.from(v.bytes).join(",")}`;
  if (v instanceof Uint8Array) return `bytes:${Array.from(v).join(",")}`;
  return `${typeof v}:${String(v)}`;
}

const tricky = fc.constantFrom("", "true", "null", "1", "1.5", "- a", "a: b", "#x", " lead", "trail ", "multi\nline\n", "x\n\n", "\ttab", "é ü 中", "'q'", '"d"', "2024-01-01", "0x1F", "~", "yes", "ENC[x]", "a # b", "0777", "1e3", "  ", "\n");
const str = fc.oneof(fc.string({ maxLength: 30 }), tricky);
const key = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom("data", "stringData", "x_unencrypted", "1", "true", "key with space")).filter((k) => k !== "sops");
const int = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const float = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((f) => !Number.isInteger(f)); // sops, too, writes 3.0 as 3, which reads back as an int
const time = fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => resolvePlain(d.toISOString()) as SopsTime);

function treeOf(leaf: fc.Arbitrary<TreeValue>): fc.Arbitrary<Branch> {
  const { tree } = fc.letrec<{ tree: Branch; value: TreeValue }>((tie) => ({
    tree: fc.uniqueArray(fc.tuple(key, tie("value")), { maxLength: 5, selector: ([k]) => k }).map((items) => new Branch(items.map(([k, value]) => ({ key: k, value })))),
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("tree"), fc.array(fc.oneof(leaf, tie("tree")), { maxLength: 4 })),
  }));
  return tree;
}

const yamlLeaf = fc.oneof(str, int, float, fc.boolean(), fc.constant(null), time);
const jsonLeaf = fc.oneof(str, int, float, fc.boolean(), fc.constant(null));
const rules = fc.oneof(
  fc.constant({}),
  fc.constant({ encryptedRegex: "^(data|stringData)$" }),
  fc.constant({ unencryptedRegex: "^x" }),
  fc.constant({ encryptedSuffix: "a" }),
  fc.constant({ unencryptedSuffix: "_unencrypted", macOnlyEncrypted: true }),
);

/** The tree read back from decrypt(encrypt(plain)) equals `expected` (the tree the text was made from). */
async function roundTrip(plain: Uint8Array, format: SopsFormat, r: object, expected?: Branch): Promise<void> {
  const before = typed(expected ?? new Branch(loadPlain(plain, format).flatMap((b) => b.items)));
  const encrypted = await encryptSops(plain, { format, age: [recipient], ...r });
  const decrypted = await decryptSops(encrypted, { format, keyring, name: "prop" });
  expect(typed(new Branch(loadPlain(decrypted, format).flatMap((b) => b.items)))).toEqual(before);
}

describe("encrypt then decrypt gives the input back", () => {
  const runs = { numRuns: 40 };

  test("YAML trees of every value type", async () => {
    await fc.assert(fc.asyncProperty(treeOf(yamlLeaf), rules, async (tree, r) => roundTrip(emitPlain([tree], "yaml"), "yaml", r, tree)), runs);
  });

  test("JSON trees", async () => {
    await fc.assert(fc.asyncProperty(treeOf(jsonLeaf), rules, async (tree, r) => roundTrip(emitPlain([tree], "json"), "json", r, tree)), runs);
  });

  test("dotenv files", async () => {
    const envKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/).filter((k) => !k.startsWith("sops_"));
    const envValue = fc.string({ maxLength: 20 }).filter((v) => !v.includes("\\n"));
    const file = fc.uniqueArray(fc.tuple(envKey, envValue), { maxLength: 6, selector: ([k]) => k });
    await fc.assert(fc.asyncProperty(file, async (lines) => roundTrip(new TextEncoder().encode(lines.map(([k, v]) => `${k}=${v.replaceAll("\n", "\\n")}\n`).join("")), "dotenv", {})), runs);
  });

  test("INI files", async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((n) => n !== "sops" && n !== "default");
    const value = fc.stringMatching(/^[A-Za-z0-9+/=.@-][A-Za-z0-9+/=.@ -]{0,15}[A-Za-z0-9+/=.@-]$/);
    const section = fc.tuple(name, fc.uniqueArray(fc.tuple(name, value), { minLength: 1, maxLength: 4, selector: ([k]) => k }));
    const file = fc.uniqueArray(section, { maxLength: 3, selector: ([n]) => n });
    await fc.assert(fc.asyncProperty(file, async (sections) => {
      const ini = sections.map(([n, keys]) => `[${n}]\n${keys.map(([k, v]) => `${k} = ${v}\n`).join("")}`).join("\n");
      await roundTrip(new TextEncoder().encode(ini), "ini", {});
    }), runs);
  });

  test("binary files byte for byte, invalid UTF-8 included", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
      const encrypted = await encryptSops(bytes, { format: "binary", age: [recipient] });
      expect(Array.from(await decryptSops(encrypted, { format: "binary", keyring, name: "bin" }))).toEqual(Array.from(bytes));
    }), runs);
  });

  test("one value of every type, under its path", async () => {
    const cipher = await aesGcm(crypto.getRandomValues(new Uint8Array(32)));
    const value = fc.oneof(str.filter((s) => s !== ""), int, float, fc.boolean(), time, fc.uint8Array({ minLength: 1, maxLength: 20 }), str.filter((s) => s !== "").map((s) => new Comment(s)));
    await fc.assert(fc.asyncProperty(value, fc.string(), async (v, path) => {
      const enc = await encryptValue(v, cipher, path);
      expect(enc).toMatch(/^ENC\[AES256_GCM,data:.*,iv:.{44},tag:.{24},type:(str|int|float|bool|time|bytes|comment)\]$/);
      expect(typed(await decryptValue(enc, cipher, path))).toEqual(typed(v));
    }), { numRuns: 200 });
  });
});
