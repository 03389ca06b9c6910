/**
 * YAML read as Helm reads values.yaml, `-f` files and Chart.yaml: sigs.k8s.io/yaml, which decodes with
 * go-yaml v2 (YAML 1.1) and converts to JSON. That differs from the agent's manifest parser (agent/yaml,
 * go-yaml v3 rules, as kubectl kustomize): `yes`/`no`/`on`/`off`/`y`/`n` are bools, `0755` is octal 493,
 * `0x1F` and `0b101` are ints, `1_000` is 1000, timestamps stay strings, map keys become strings (`1: a` is key "1"), and a values file's documents merge while Chart.yaml's first one counts. Quoted and block scalars are always strings; `!!str`
 * forces a string. Merge keys (`<<`) merge in order as go-yaml v2 does. Struct fields that Go declares as
 * strings (Chart.yaml's version, appVersion, ...) turn numbers into strings the way sigs.k8s.io/yaml does.
 * Limits: alias expansion is capped (DEFAULTS) against billion-laughs documents.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import type { Values } from "./chart.ts";
import { getOwn, hasOwn, setOwn } from "./own.ts";

export const DEFAULTS = {
  /** Nodes an alias may expand to, all aliases of a document together. */
  maxAliasNodes: 1_000_000,
} as const;

/** A path predicate: true where Go's target field is a string, so a number there becomes its text. */
export type StringField = (path: readonly (string | number)[]) => boolean;

const STR_TAG = "tag:yaml.org,2002:str";
const BOOLS: Record<string, boolean> = {};
for (const s of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) BOOLS[s] = true;
for (const s of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) BOOLS[s] = false;
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: Record<string, number> = {
  ".nan": NaN, ".NaN": NaN, ".NAN": NaN,
  ".inf": Infinity, ".Inf": Infinity, ".INF": Infinity,
  "+.inf": Infinity, "+.Inf": Infinity, "+.INF": Infinity,
  "-.inf": -Infinity, "-.Inf": -Infinity, "-.INF": -Infinity,
};
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

type Resolved = { kind: "null" } | { kind: "bool"; value: boolean } | { kind: "int" | "float"; value: number } | { kind: "str"; value: string };

/** go-yaml v2's resolution of a plain scalar. */
export function resolvePlain(s: string): Resolved {
  if (hasOwn(BOOLS, s)) return { kind: "bool", value: BOOLS[s]! };
  if (NULLS.has(s)) return { kind: "null" };
  if (hasOwn(SPECIAL_FLOATS, s)) return { kind: "float", value: SPECIAL_FLOATS[s]! };
  const c = s[0]!;
  if (c === ".") {
    const f = goParseFloat(s);
    return f === undefined ? { kind: "str", value: s } : { kind: "float", value: f };
  }
  if (!/[-+0-9]/.test(c)) return { kind: "str", value: s };
  const plain = s.replaceAll("_", "");
  const int = goParseIntBase0(plain);
  if (int !== undefined) return { kind: "int", value: int };
  if (YAML_FLOAT.test(plain)) {
    const f = goParseFloat(plain);
    if (f !== undefined) return { kind: "float", value: f };
  }
  return { kind: "str", value: s };
}

/** strconv.ParseInt(s, 0, 64) (and ParseUint for the unsigned range): sign, then 0x / 0o / 0b / 0 prefixes. */
function goParseIntBase0(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2]!;
  let big: bigint;
  if (/^0[oO]/.test(digits)) big = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[xXbB]/.test(digits)) big = BigInt(digits.toLowerCase());
  else if (digits.length > 1 && digits[0] === "0") big = BigInt(`0o${digits.slice(1)}`);
  else big = BigInt(digits);
  if (m[1] === "-") {
    if (big > 2n ** 63n) return undefined;
    big = -big;
  } else if (big >= 2n ** 64n) {
    return undefined;
  }
  const n = Number(big);
  return n === 0 ? 0 : n;
}

function goParseFloat(s: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

/** strconv.FormatFloat(f, 'g', -1, 32): shortest text that reads back to the same float32. */
export function formatFloat32(f: number): string {
  const target = Math.fround(f);
  let digits = "";
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const e = target.toExponential(p - 1);
    if (Math.fround(Number(e)) === target) {
      const [mant, ex] = e.split("e");
      digits = mant!.replace(".", "").replace("-", "");
      exp = Number(ex);
      break;
    }
  }
  digits = digits.replace(/0+$/, "") || "0";
  const sign = target < 0 ? "-" : "";
  const nd = digits.length;
  const dp = exp + 1;
  let eprec = 6;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (exp < -4 || exp >= eprec) {
    const mant = nd > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (dp <= 0) return `${sign}0.${"0".repeat(-dp)}${digits}`;
  if (dp >= nd) return `${sign}${digits}${"0".repeat(dp - nd)}`;
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

class Walker {
  #aliasNodes = 0;
  constructor(
    readonly doc: Document,
    readonly file: string,
    readonly stringField: StringField,
  ) {}

  value(node: unknown, path: (string | number)[], viaAlias: boolean): unknown {
    if (viaAlias && ++this.#aliasNodes > DEFAULTS.maxAliasNodes) {
      throw new Error(`Cannot parse ${this.file}: aliases expand to more than ${DEFAULTS.maxAliasNodes} nodes`);
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.value(node.resolve(this.doc), path, true);
    if (isScalar(node)) return this.scalar(node.value, node.type, node.tag, path);
    if (isSeq(node)) return node.items.map((item, i) => this.value(item, [...path, i], viaAlias));
    if (isMap(node)) {
      const out: Values = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && keyNode.type === "PLAIN" && keyNode.value === "<<" && !keyNode.tag) {
          this.merge(pair.value, out, path, viaAlias);
          continue;
        }
        const key = this.key(keyNode, viaAlias);
        setOwn(out, key, this.value(pair.value, [...path, key], viaAlias));
      }
      return out;
    }
    throw new Error(`Cannot parse ${this.file}: unsupported YAML node`);
  }

  merge(node: unknown, out: Values, path: (string | number)[], viaAlias: boolean): void {
    const sources = isSeq(node) ? node.items : [node];
    for (const s of sources) {
      const v = this.value(s, path, viaAlias);
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new Error(`Cannot parse ${this.file}: map merge requires map or sequence of maps as the value`);
      }
      for (const [k, x] of Object.entries(v)) setOwn(out, k, x);
    }
  }

  key(node: Node | null, viaAlias: boolean): string {
    const k = this.value(node, [], viaAlias);
    if (typeof k === "string") return k;
    if (typeof k === "boolean") return String(k);
    if (typeof k === "number") return Number.isInteger(k) && isIntKey(node) ? String(k) : formatFloat32(k);
    throw new Error(`Cannot parse ${this.file}: map key ${JSON.stringify(k)} is not a string, number or bool`);
  }

  scalar(raw: unknown, type: string | undefined, tag: string | undefined, path: (string | number)[]): unknown {
    const text = String(raw ?? "");
    let r: Resolved;
    if (tag === STR_TAG || (type !== "PLAIN" && type !== undefined && !tag)) r = { kind: "str", value: text };
    else r = resolvePlain(text);
    if (r.kind === "null") return null;
    if (r.kind === "float" && !Number.isFinite(r.value)) {
      throw new Error(`Cannot parse ${this.file}: json: unsupported value: ${r.value === r.value ? (r.value > 0 ? "+Inf" : "-Inf") : "NaN"}`);
    }
    if ((r.kind === "int" || r.kind === "float" || r.kind === "bool") && this.stringField(path)) {
      return r.kind === "bool" ? String(r.value) : r.kind === "int" ? String(r.value) : formatFloat32(r.value);
    }
    return r.value;
  }
}

function isIntKey(node: Node | null): boolean {
  return isScalar(node) && resolvePlain(String(node.value)).kind === "int";
}

function documents(text: string, file: string): Document[] {
  const docs = parseAllDocuments(text, { schema: "failsafe", version: "1.1", merge: false, uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    const err = d.errors[0];
    // The line first, as Helm's "yaml: line N: ..." has it, so a bad rendered document can be found.
    if (err) throw new Error(`Cannot parse ${file}: line ${text.slice(0, err.pos[0]).split("\n").length}: ${err.message}`);
  }
  return list;
}

/** The first document of `text` as Helm's sigs.k8s.io/yaml reads it (Chart.yaml); undefined when it is empty. */
export function parseHelmYaml(text: string, file: string, stringField: StringField = () => false): unknown {
  const first = documents(text, file)[0];
  if (!first) return undefined;
  return new Walker(first, file, stringField).value(first.contents, [], false) ?? undefined;
}

/**
 * A values file (values.yaml, `-f`) as Helm's LoadValues reads it: every document must be a map (an empty
 * one counts as {}), and the documents merge in order with mergeMaps.
 */
export function loadValues(text: string, file: string): Values {
  let out: Values = {};
  documents(text, file).forEach((doc, i) => {
    const v = new Walker(doc, file, () => false).value(doc.contents, [], false);
    if (v === null || v === undefined) return;
    if (typeof v !== "object" || Array.isArray(v)) throw new Error(`Cannot parse ${file}: document ${i + 1} is not a map`);
    out = mergeMaps(out, v as Values);
  });
  return out;
}

/** Helm's MergeMaps for values files: maps merge, anything else (lists, nulls) replaces; inputs unchanged. */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = getOwn(out, k);
    setOwn(out, k, isPlainMap(v) && isPlainMap(cur) ? mergeMaps(cur, v) : v);
  }
  return out;
}

function isPlainMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const METADATA_STRINGS = new Set(["name", "home", "version", "description", "icon", "apiVersion", "condition", "tags", "appVersion", "kubeVersion", "type"]);
const METADATA_STRING_LISTS = new Set(["sources", "keywords"]);
const DEPENDENCY_STRINGS = new Set(["name", "version", "repository", "condition", "alias"]);

/** Where Chart.yaml's Go struct (chart.Metadata) has string fields. */
export const chartYamlStrings: StringField = (path) => {
  const [a, b, c, d] = path;
  if (path.length === 1) return METADATA_STRINGS.has(String(a));
  if (path.length === 2) return METADATA_STRING_LISTS.has(String(a)) && typeof b === "number";
  if (a === "dependencies" && typeof b === "number") {
    if (path.length === 3) return DEPENDENCY_STRINGS.has(String(c));
    return path.length === 4 && c === "tags" && typeof d === "number";
  }
  if (a === "maintainers" && typeof b === "number") return path.length === 3;
  if (a === "annotations") return path.length === 2;
  return false;
};
