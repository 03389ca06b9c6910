/**
 * sops's YAML store, reading side: every document of the stream becomes a branch, scalars typed as
 * go-yaml v3 resolves them into Go values (ints, floats, booleans, null, timestamps; quoted and block
 * scalars are strings), aliases expanded, and comments kept as tree items where sops puts them (head
 * comments before their item, a value's line comment as an inline item before it, trailing ones at the
 * end of their mapping or sequence). Writing is yaml-v3-emit.ts.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import { parseDocuments } from "../yaml/parse.ts";
import { FormatError } from "./json-store.ts";
import { Branch, BinaryString, Comment, SopsTime, treeFromPlain, type TreeItem, type TreeValue } from "./tree.ts";

export const YAML_LIMITS = {
  /** Alias expansions per file, against billion-laughs documents. */
  maxAliasCount: 1000,
};

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const TRUE = new Set(["true", "True", "TRUE"]);
const FALSE = new Set(["false", "False", "FALSE"]);
const SPECIAL_FLOATS: Record<string, number> = {
  ".nan": NaN, ".NaN": NaN, ".NAN": NaN,
  ".inf": Infinity, ".Inf": Infinity, ".INF": Infinity, "+.inf": Infinity, "+.Inf": Infinity, "+.INF": Infinity,
  "-.inf": -Infinity, "-.Inf": -Infinity, "-.INF": -Infinity,
};
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const TIMESTAMP = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?(?:[ \t]*(Z|[+-]\d{1,2}(?::?\d{2})?))?)?$/;

/** Go's strconv.ParseInt(s, 0, 64) (underscores already removed), or undefined. */
function goInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  let n: bigint;
  if (/^0[xXoObB]/.test(body)) n = BigInt(body.toLowerCase());
  else if (body.length > 1 && body.startsWith("0")) n = BigInt("0o" + body.slice(1));
  else n = BigInt(body);
  if (m[1] === "-") n = -n;
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

const pad = (n: number | string, w = 2) => String(n).padStart(w, "0");

/** A YAML timestamp as Go's time.Time.MarshalText prints it, or undefined. */
function timestamp(s: string): SopsTime | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  if (m[4] === undefined) return new SopsTime(`${pad(y, 4)}-${pad(mo)}-${pad(d)}T00:00:00Z`);
  const [h, mi, se] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || mi > 59 || se > 59) return undefined;
  const frac = (m[7] ?? "").replace(/0+$/, "");
  let zone = "Z";
  if (m[8] && m[8] !== "Z") {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(m[8])!;
    zone = Number(z[2]) === 0 && Number(z[3] ?? 0) === 0 ? "Z" : `${z[1]}${pad(z[2]!)}:${pad(z[3] ?? "0")}`;
  }
  return new SopsTime(`${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(se)}${frac === "." ? "" : frac}${zone}`);
}

/** go-yaml v3's resolve() for a plain scalar decoded into interface{}. */
export function resolvePlain(s: string): TreeValue {
  if (NULLS.has(s)) return null;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  if (Object.hasOwn(SPECIAL_FLOATS, s)) return SPECIAL_FLOATS[s]!;
  const c = s[0]!;
  if (c === "." ) return YAML_FLOAT.test(s) ? Number(s) : s;
  if (c === "+" || c === "-" || (c >= "0" && c <= "9")) {
    const t = timestamp(s);
    if (t) return t;
    const plain = s.replaceAll("_", "");
    const n = goInt(plain);
    if (n !== undefined) return n;
    if (YAML_FLOAT.test(plain)) return Number(plain);
  }
  return s;
}

const commentLines = (text: string | null | undefined, inline = false): Comment[] =>
  (text ?? "").split("\n").filter((l) => l !== "").map((l) => new Comment(l, inline));

const asItems = (cs: Comment[]): TreeItem[] => cs.map((c) => ({ key: c, value: null }));

class Reader {
  private aliases = 0;
  constructor(private readonly doc: Document) {}

  value(node: unknown): TreeValue {
    if (isAlias(node)) {
      if (++this.aliases > YAML_LIMITS.maxAliasCount) throw new FormatError(`more than ${YAML_LIMITS.maxAliasCount} aliases`);
      return this.value(node.resolve(this.doc));
    }
    if (isMap(node)) return this.branch(node);
    if (isSeq(node)) {
      const out: TreeValue[] = [...commentLines(node.commentBefore)];
      for (const item of node.items) {
        const n = item as Node;
        out.push(...commentLines(n.commentBefore));
        if (isScalar(n)) out.push(...commentLines(n.comment, true));
        out.push(this.value(n));
        if (!isScalar(n) && !isAlias(n)) out.push(...commentLines(n.comment));
      }
      out.push(...commentLines(node.comment));
      return out;
    }
    if (isScalar(node)) return this.scalar(node);
    if (node === null || node === undefined) return null;
    throw new FormatError("an unsupported YAML node");
  }

  private scalar(node: { value: unknown; type?: string; tag?: string }): TreeValue {
    const text = String(node.value ?? "");
    const tag = node.tag?.replace("tag:yaml.org,2002:", "!!");
    if (tag === "!!binary") {
      const bin = atob(text.replace(/\s+/g, ""));
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return new BinaryString(bytes);
      }
    }
    if (node.type !== "PLAIN" || tag === "!!str") return text;
    if (tag && !["!!int", "!!float", "!!bool", "!!null", "!!timestamp"].includes(tag)) return text;
    const v = resolvePlain(text);
    return tag === "!!float" && typeof v === "bigint" ? Number(v) : v;
  }

  branch(node: { commentBefore?: string | null; comment?: string | null; items: unknown[] }): Branch {
    const items: TreeItem[] = asItems(commentLines(node.commentBefore));
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (key) items.push(...asItems([...commentLines(key.commentBefore), ...commentLines(key.comment)]));
      const scalarValue = value === null || isScalar(value) || isAlias(value);
      if (value && scalarValue) items.push(...asItems([...commentLines(value.commentBefore), ...commentLines(value.comment, true)]));
      const k = key === null ? null : this.value(key);
      if (typeof k !== "string") {
        if (k === null || k instanceof Branch || Array.isArray(k)) throw new FormatError("a mapping key that is not a string");
      }
      items.push({ key: typeof k === "string" ? k : String(k instanceof SopsTime ? k.text : k), value: this.value(value) });
    }
    items.push(...asItems(commentLines(node.comment)));
    return new Branch(items);
  }
}

/** The documents of a YAML stream as branches; a document that is not a mapping is refused. */
export function parseYamlBranches(text: string): Branch[] {
  const docs = parseAllDocuments(text, { schema: "failsafe", uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const out: Branch[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      // The position only: the parser's own message quotes the source, which may be secret.
      const before = text.slice(0, err.pos[0]);
      const line = before.split("\n").length;
      throw new FormatError(`invalid YAML (${err.code}) at line ${line}, column ${before.length - before.lastIndexOf("\n")}`);
    }
    const r = new Reader(doc);
    const contents = doc.contents;
    let b: Branch;
    if (contents === null || (isScalar(contents) && contents.type === "PLAIN" && NULLS.has(String(contents.value ?? "")))) b = new Branch();
    else if (isMap(contents)) b = r.branch(contents);
    else if (isSeq(contents)) throw new FormatError("YAML documents that are sequences are not supported");
    else throw new FormatError("YAML documents that are values are not supported");
    b.items.unshift(...asItems(commentLines(doc.commentBefore)));
    if (contents && !isMap(contents)) b.items.push(...asItems(commentLines(contents.comment)));
    b.items.push(...asItems(commentLines(doc.comment)));
    out.push(b);
  }
  return out;
}

/** A key JavaScript objects would move to the front (an array index), so the plain-object path cannot keep its order. */
const INDEX_KEY = /^(0|[1-9][0-9]{0,9})$/;

function plainIsFaithful(v: unknown): boolean {
  if (typeof v === "string") return typeof resolvePlain(v) === "string";
  if (typeof v === "number") return Number.isSafeInteger(v) || !Number.isInteger(v);
  if (Array.isArray(v)) return v.every(plainIsFaithful);
  if (v !== null && typeof v === "object") return Object.entries(v).every(([k, x]) => !INDEX_KEY.test(k) && plainIsFaithful(x));
  return true;
}

/**
 * The fast reading of a one-document YAML file without comments, through agent/yaml (WASM scanner):
 * undefined when the plain values could differ from go-yaml v3's typed tree (strings that read as
 * other types, like RFC 3339 dates agent/yaml turns into strings; integers past 2^53; keys JavaScript
 * reorders). The caller still checks the MAC, and reads the file exactly when it does not match.
 */
export function fastYamlBranches(text: string): Branch[] | undefined {
  if (text.includes("#") || /(^|\n)(---|\.\.\.)/.test(text)) return undefined;
  let docs: unknown[];
  try {
    docs = parseDocuments(text);
  } catch {
    return undefined;
  }
  const doc = docs[0];
  if (docs.length !== 1 || doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  // The metadata is read as text (lastmodified stays the string it is), and the MAC does not cover it.
  if (!Object.entries(doc).every(([k, v]) => k === "sops" || (!INDEX_KEY.test(k) && plainIsFaithful(v)))) return undefined;
  const tree = treeFromPlain(doc);
  return tree instanceof Branch ? [tree] : undefined;
}
