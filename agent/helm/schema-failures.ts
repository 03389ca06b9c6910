/**
 * santhosh-tekuri/jsonschema v6's error messages (the ones Helm 4 prints) rebuilt from
 * @cfworker/json-schema's flat list of output units: failures are regrouped into v6's tree (one node per
 * schema applied to one value; two or more failures under a node become "validation failed" with the
 * failures indented below; anyOf/allOf/oneOf/contains carry their subschemas' failures), ordered as v6
 * checks keywords, and worded as v6 words them. Limits: a `format` failure omits v6's reason after the
 * colon; properties are listed in sorted order where v6 follows Go's random map order.
 */
import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { isTable } from "./values.ts";

interface Failure { at: string; message: string; causes: Failure[] }

/** Keywords that move to a child value: the next instance-pointer segment belongs to them. */
const TO_CHILD = new Set(["properties", "patternProperties", "additionalProperties", "items", "prefixItems", "additionalItems", "contains", "unevaluatedProperties", "unevaluatedItems"]);
/** Keywords followed by a name or index segment in the schema path. */
const NAMED = new Set(["properties", "patternProperties", "prefixItems", "allOf", "anyOf", "oneOf", "dependentSchemas", "dependencies"]);
const COMBINATORS = new Set(["allOf", "anyOf", "oneOf"]);
/** cfworker's summary units ("a subschema had errors"): v6 shows the subschema's failures instead. */
const SUMMARIES = new Set(["$ref", "properties", "patternProperties", "items", "prefixItems", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "if", "then", "else"]);
/** v6's order of checks inside one schema; the first four end the check on their own. */
const ORDER = ["type", "const", "enum", "format", "$ref", "minProperties", "maxProperties", "required", "dependencies", "properties", "additionalProperties", "propertyNames", "dependentRequired", "dependentSchemas", "minItems", "maxItems", "uniqueItems", "items", "prefixItems", "additionalItems", "contains", "minContains", "maxContains", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "not", "allOf", "anyOf", "oneOf", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "false"];
const EXCLUSIVE = new Set(["type", "const", "enum", "format"]);

/** Marks the object that stands in for a `false` subschema (see place). */
export const FALSE_MARK = "x-rivulet-false-schema";
/** A fresh stand-in each time: cfworker writes its bookkeeping into the schema objects it is given. */
export function falseSchema(): Record<string, unknown> {
  return { not: {}, [FALSE_MARK]: true };
}

function isFalse(s: unknown): boolean {
  return s === false || (isTable(s) && s[FALSE_MARK] === true);
}

/** A node of the tree: one schema applied to one value. */
interface Node { at: string; schema: unknown; leaves: Array<{ kw: string; unit: OutputUnit }>; children: Map<string, { kw: string; index: string; node: Node }> }

/** cfworker's failures of `doc` against `root` as v6's message lines (without the trailing newline). */
export function renderFailures(units: OutputUnit[], root: Schema | boolean, doc: unknown, draft: SchemaDraft): string {
  return failuresFor(units, root, { doc, draft, prefix: "" }).flatMap((f) => lines(f, 1)).join("\n");
}

/** The validated value, its draft, and where it sits in the whole document (for re-checked items). */
interface Context { doc: unknown; draft: SchemaDraft; prefix: string }

function failuresFor(units: OutputUnit[], root: Schema | boolean, ctx: Context): Failure[] {
  const tree: Node = { at: ctx.prefix, schema: root, leaves: [], children: new Map() };
  for (const u of units) place(tree, u, root);
  return resultOf(tree, ctx);
}

function place(tree: Node, unit: OutputUnit, root: Schema | boolean): void {
  const path = unit.keywordLocation.replace(/^#/, "").split("/").slice(1).map(unescapePointer);
  const inst = unit.instanceLocation.replace(/^#/, "").split("/").slice(1);
  // a bare `false` subschema reports its instance location as its keyword location, so the schema is
  // prepared with `false` replaced by falseSchema(), whose `not` failure lands where it belongs
  if (unit.keyword === "false") return;
  let node = tree;
  let schema: unknown = root;
  let depth = 0;
  let i = 0;
  while (i < path.length - 1) {
    const kw = path[i]!;
    let key = kw;
    let next: unknown = isTable(schema) ? schema[kw] : undefined;
    let at = node.at;
    if (kw === "$ref") next = resolveRef(root, isTable(schema) ? schema.$ref : undefined);
    if (NAMED.has(kw) && i + 1 < path.length - 1) {
      const name = path[i + 1]!;
      key = `${kw}/${name}`;
      next = Array.isArray(next) ? next[Number(name)] : isTable(next) ? next[name] : undefined;
      i++;
    } else if (kw === "items" && Array.isArray(next)) {
      const idx = path[i + 1]!;
      key = `items/${idx}`;
      next = next[Number(idx)];
      i++;
    }
    if (TO_CHILD.has(kw)) {
      const seg = inst[depth];
      if (seg === undefined) break;
      at = `${at}/${seg}`;
      depth++;
      key = `${key}@${seg}`;
    }
    let child = node.children.get(key);
    if (!child) {
      child = { kw, index: key, node: { at, schema: next, leaves: [], children: new Map() } };
      node.children.set(key, child);
    }
    node = child.node;
    schema = next;
    i++;
  }
  const last = path[path.length - 1] ?? unit.keyword;
  // cfworker spells this one location "dependantRequired"
  node.leaves.push({ kw: last === "dependantRequired" ? "dependentRequired" : last, unit });
}

function resolveRef(root: Schema | boolean, ref: unknown): unknown {
  if (typeof ref !== "string" || !ref.startsWith("#")) return undefined;
  let s: unknown = root;
  for (const seg of ref.slice(1).split("/").slice(1).map(unescapePointer)) s = isTable(s) ? s[seg] : Array.isArray(s) ? s[Number(seg)] : undefined;
  return s;
}

/** The failures one schema application yields, before grouping. */
function failuresOf(node: Node, ctx: Context): Failure[] {
  const s = isTable(node.schema) ? node.schema : {};
  const exclusive = node.leaves.filter((l) => EXCLUSIVE.has(l.kw)).sort((a, b) => rank(a.kw) - rank(b.kw))[0];
  if (exclusive) return [{ at: node.at, message: leafMessage(exclusive.kw, s, exclusive.unit, ctx.doc), causes: [] }];
  const out: Array<{ order: number; sub: string; f: Failure }> = [];
  const seen = new Set<string>();
  for (const l of node.leaves) {
    if (COMBINATORS.has(l.kw) || SUMMARIES.has(l.kw)) continue;
    if ((l.kw === "additionalProperties" || l.kw === "additionalItems") && !isFalse(s[l.kw])) continue;
    if (l.kw === "dependencies" && !Array.isArray((s.dependencies as Record<string, unknown> | undefined)?.[depKey(l.unit)])) continue;
    const once = l.kw === "required" || l.kw === "additionalProperties" ? l.kw : l.kw === "dependentRequired" || l.kw === "dependencies" ? `${l.kw}:${depKey(l.unit)}` : `${l.kw}:${l.unit.error}`;
    if (seen.has(once)) continue;
    seen.add(once);
    const causes = l.kw === "contains" ? containsCauses(node, s, ctx) : [];
    out.push({ order: rank(l.kw), sub: "", f: { at: node.at, message: leafMessage(l.kw, s, l.unit, ctx.doc), causes } });
  }
  const combos = new Map<string, Failure[]>();
  for (const l of node.leaves) if (COMBINATORS.has(l.kw) && !combos.has(l.kw)) combos.set(l.kw, []);
  for (const { kw, node: child } of node.children.values()) {
    if (kw === "contains") continue;
    // v6 reports `additionalProperties: false` and `additionalItems: false` once, as a list or a count
    if ((kw === "additionalProperties" || kw === "additionalItems") && isFalse(s[kw])) continue;
    if (COMBINATORS.has(kw)) {
      const list = combos.get(kw) ?? [];
      list.push(...resultOf(child, ctx));
      combos.set(kw, list);
      continue;
    }
    if (kw === "if") continue;
    for (const f of resultOf(child, ctx)) out.push({ order: rank(kw === "patternProperties" || kw === "additionalProperties" ? "properties" : kw), sub: child.at, f });
  }
  for (const [kw, causes] of combos) {
    const arr = s[kw];
    let message = `${kw} failed`;
    if (kw === "oneOf") {
      const failed = new Set([...node.children.values()].filter((c) => c.kw === "oneOf").map((c) => Number(c.index.split("/")[1])));
      const matched = Array.isArray(arr) ? arr.map((_, i) => i).filter((i) => !failed.has(i)) : [];
      message = matched.length >= 2 ? `oneOf failed, subschemas ${matched[0]}, ${matched[1]} matched` : "oneOf failed, none matched";
      if (matched.length >= 2) causes.length = 0;
    }
    out.push({ order: rank(kw), sub: "", f: { at: node.at, message, causes } });
  }
  out.sort((a, b) => a.order - b.order || compareStrings(a.sub, b.sub));
  return out.map((o) => o.f);
}

/**
 * v6 lists why each item missed the `contains` schema; cfworker drops those once it knows none matched,
 * so the items are checked again on their own.
 */
function containsCauses(node: Node, s: Record<string, unknown>, ctx: Context): Failure[] {
  const items = valueAt(ctx.doc, `#${node.at.slice(ctx.prefix.length)}`);
  const sub = s.contains;
  if (!Array.isArray(items) || (typeof sub !== "boolean" && !isTable(sub))) return [];
  const validator = new Validator(sub as Schema | boolean, ctx.draft, false);
  return items.flatMap((item, i) => {
    const r = validator.validate(item);
    return r.valid ? [] : failuresFor(r.errors, sub as Schema | boolean, { doc: item, draft: ctx.draft, prefix: `${node.at}/${i}` });
  });
}

/** One schema application's result as v6 returns it: one failure, or a "validation failed" group. */
function resultOf(node: Node, ctx: Context): Failure[] {
  const fs = failuresOf(node, ctx);
  if (fs.length <= 1) return fs;
  return [{ at: node.at, message: "validation failed", causes: fs }];
}

function lines(f: Failure, indent: number): string[] {
  // the root group's causes are listed at the top level, as v6 does for the whole document
  if (indent === 1 && f.at === "" && f.message === "validation failed" && f.causes.length > 0) return f.causes.flatMap((c) => lines(c, 1));
  const head = `${"  ".repeat(indent - 1)}- at ${quote(decodePointer(f.at))}: ${f.message}`;
  return [head, ...f.causes.flatMap((c) => lines(c, indent + 1))];
}

function leafMessage(kw: string, s: Record<string, unknown>, u: OutputUnit, doc: unknown): string {
  const got = { value: valueAt(doc, u.instanceLocation) };
  switch (kw) {
    case "type": {
      const want = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      const ordered = ["null", "boolean", "number", "integer", "string", "array", "object"].filter((t) => want.includes(t));
      return `got ${jsonType(got.value)}, want ${ordered.join(" or ")}`;
    }
    case "const": return isContainer(s.const) ? "const failed" : `value must be ${display(s.const)}`;
    case "enum": {
      const want = Array.isArray(s.enum) ? s.enum : [];
      if (want.some(isContainer)) return "enum failed";
      return want.length === 1 ? `value must be ${display(want[0])}` : `value must be one of ${want.map(display).join(", ")}`;
    }
    case "format": return `${display(got.value)} is not valid ${String(s.format)}`;
    case "required": {
      const obj = isTable(got.value) ? got.value : {};
      const missing = ((s.required as string[]) ?? []).filter((r) => !(r in obj));
      return missing.length === 1 ? `missing property ${quote(missing[0]!)}` : `missing properties ${missing.map(quote).join(", ")}`;
    }
    case "additionalProperties": {
      const obj = isTable(got.value) ? got.value : {};
      const props = isTable(s.properties) ? s.properties : {};
      const patterns = isTable(s.patternProperties) ? Object.keys(s.patternProperties).map((p) => new RegExp(p, "u")) : [];
      const extra = Object.keys(obj).filter((k) => !(k in props) && !patterns.some((re) => re.test(k))).sort(compareStrings);
      return `additional properties ${extra.map(quote).join(", ")} not allowed`;
    }
    case "minProperties": case "maxProperties": return `${kw}: got ${Object.keys(isTable(got.value) ? got.value : {}).length}, want ${s[kw]}`;
    case "minItems": case "maxItems": return `${kw}: got ${Array.isArray(got.value) ? got.value.length : 0}, want ${s[kw]}`;
    case "minLength": case "maxLength": return `${kw}: got ${[...String(got.value)].length}, want ${s[kw]}`;
    case "minimum": case "maximum": case "exclusiveMinimum": case "exclusiveMaximum": case "multipleOf": {
      // draft-04's boolean exclusiveMinimum reports on the minimum keyword
      return `${kw}: got ${goFloat(Number(got.value))}, want ${goFloat(Number(s[kw]))}`;
    }
    case "pattern": return `${quote(String(got.value))} does not match pattern ${quote(String(s.pattern))}`;
    case "uniqueItems": {
      const arr = Array.isArray(got.value) ? got.value : [];
      for (let j = 1; j < arr.length; j++) for (let i = 0; i < j; i++) if (JSON.stringify(arr[i]) === JSON.stringify(arr[j])) return `items at ${i} and ${j} are equal`;
      return "uniqueItems failed";
    }
    case "contains": return "no items match contains schema";
    case "not": return s[FALSE_MARK] === true ? "false schema" : "not failed";
    case "additionalItems": {
      const arr = Array.isArray(got.value) ? got.value : [];
      const n = arr.length - (Array.isArray(s.items) ? s.items.length : 0);
      return `last ${n} additionalItem(s) not allowed`;
    }
    case "propertyNames": return `invalid propertyName ${quote(/"(.*)"/.exec(u.error)?.[1] ?? "")}`;
    case "dependentRequired": case "dependencies": {
      const key = depKey(u);
      const deps = ((s[kw] as Record<string, string[]>)[key] ?? []);
      const obj = isTable(got.value) ? got.value : {};
      return `properties ${deps.filter((d) => !(d in obj)).map(quote).join(", ")} required, if ${quote(key)} exists`;
    }
    default: return u.error;
  }
}

function depKey(u: OutputUnit): string {
  return /^Instance has "(.*?)" but/.exec(u.error)?.[1] ?? "";
}

function valueAt(doc: unknown, pointer: string): unknown {
  let v = doc;
  for (const seg of pointer.replace(/^#/, "").split("/").slice(1).map(unescapePointer)) v = isTable(v) ? v[seg] : Array.isArray(v) ? v[Number(seg)] : undefined;
  return v;
}

function rank(kw: string): number {
  const i = ORDER.indexOf(kw);
  return i === -1 ? ORDER.length : i;
}

export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v === "bigint" ? "number" : typeof v;
}

function isContainer(v: unknown): boolean {
  return v !== null && typeof v === "object";
}

/** v6's `display`: strings quoted, containers as "value", the rest as Go's %v. */
function display(v: unknown): string {
  if (typeof v === "string") return quote(v);
  if (isContainer(v)) return "value";
  if (v === null) return "<nil>";
  if (typeof v === "number") return goFloat(v);
  return String(v);
}

/** v6's quote: Go's %q body between single quotes, with `'` escaped and `"` left bare. */
function quote(s: string): string {
  const body = JSON.stringify(s).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${body}'`;
}

/** Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`, as v6 prints). */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
  if (n === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = n.toExponential().split("e") as [string, string];
    const sign = e.startsWith("-") ? "-" : "+";
    const digits = e.replace(/^[-+]/, "");
    return `${m}e${sign}${digits.padStart(2, "0")}`;
  }
  return String(n);
}


export function escapePointer(s: string): string {
  return s.replaceAll("~", "~0").replaceAll("/", "~1");
}

function unescapePointer(s: string): string {
  return decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~");
}

function decodePointer(p: string): string {
  return p.split("/").map((seg, i) => (i === 0 ? seg : escapePointer(unescapePointer(seg)))).join("/");
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
