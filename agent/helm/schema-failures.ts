/**
 * santhosh-tekuri/jsonschema v6's error messages (the ones Helm 4 prints) rebuilt from
 * @cfworker/json-schema's flat list of output units: failures are regrouped into v6's tree (one node per
 * schema applied to one value; two or more failures under a node become "validation failed" with the
 * failures indented below; anyOf/allOf/oneOf/contains carry their subschemas' failures), ordered as v6
 * checks keywords, and worded as v6 words them, numbers printed as its x/text printer prints them.
 * Checked against v6 itself on the test table and 30 more cases: identical except that a `format` failure
 * omits v6's reason after the colon, and properties are listed sorted where v6 follows Go's random map
 * order. v6's quirks are kept on purpose (items after prefixItems numbered from 0), since Helm prints them.
 */
import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { isTable } from "./values.ts";

/** One line of v6's output and the lines indented under it; `group` marks v6's kind.Group. */
interface Failure { at: string; message: string; causes: Failure[]; group?: boolean }

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
interface Node { at: string; ptr: string; schema: unknown; leaves: Array<{ kw: string; unit: OutputUnit }>; children: Map<string, { kw: string; index: string; node: Node }> }

/** cfworker's failures of `doc` against `root` as v6's message lines (without the trailing newline). */
export function renderFailures(units: OutputUnit[], root: Schema | boolean, doc: unknown, draft: SchemaDraft): string {
  let top = failuresFor(units, root, { doc, draft, prefix: "" });
  // v6 lists the causes of a document-level group at the top, wherever that group sits
  if (top.length === 1 && top[0]!.group) top = top[0]!.causes;
  return top.flatMap((f) => lines(f, 1)).join("\n");
}

/** The validated value, its draft, and where it sits in the whole document (for re-checked items). */
interface Context { doc: unknown; draft: SchemaDraft; prefix: string }

function failuresFor(units: OutputUnit[], root: Schema | boolean, ctx: Context): Failure[] {
  const tree: Node = { at: ctx.prefix, ptr: "", schema: root, leaves: [], children: new Map() };
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
    let ptr = node.ptr;
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
      ptr = `${ptr}/${seg}`;
      // v6 numbers the items after prefixItems from 0 again (its arrValidate passes the slice index)
      const prefix = kw === "items" && !Array.isArray(next) && isTable(schema) && Array.isArray(schema.prefixItems) ? schema.prefixItems.length : 0;
      at = `${at}/${prefix > 0 && /^\d+$/.test(seg) ? Number(seg) - prefix : seg}`;
      depth++;
      key = `${key}@${seg}`;
    }
    let child = node.children.get(key);
    if (!child) {
      child = { kw, index: key, node: { at, ptr, schema: next, leaves: [], children: new Map() } };
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

/**
 * The subschema a `$ref` names, for wording its failures: a JSON pointer into the file, an `$anchor`, or a
 * subschema's `$id` (matched against the root's base; enough for one file, which is all we load).
 */
function resolveRef(root: Schema | boolean, ref: unknown): unknown {
  if (typeof ref !== "string") return undefined;
  const hash = ref.indexOf("#");
  const doc = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? "" : ref.slice(hash + 1);
  let s: unknown = doc === "" ? root : byId(root, doc);
  if (fragment !== "" && !fragment.startsWith("/")) return byAnchor(s, fragment);
  for (const seg of fragment.split("/").slice(1).map(unescapePointer)) s = isTable(s) ? s[seg] : Array.isArray(s) ? s[Number(seg)] : undefined;
  return s;
}

function byId(root: unknown, id: string): unknown {
  return findSchema(root, (s) => typeof s.$id === "string" && (s.$id === id || s.$id.replace(/#$/, "").endsWith(`/${id}`) || id.endsWith(`/${s.$id}`)));
}

function byAnchor(root: unknown, anchor: string): unknown {
  return findSchema(root, (s) => s.$anchor === anchor || s.$dynamicAnchor === anchor || s.$id === `#${anchor}`);
}

function findSchema(v: unknown, match: (s: Record<string, unknown>) => boolean): unknown {
  if (Array.isArray(v)) {
    for (const x of v) { const found = findSchema(x, match); if (found !== undefined) return found; }
  } else if (isTable(v)) {
    if (match(v)) return v;
    for (const x of Object.values(v)) { const found = findSchema(x, match); if (found !== undefined) return found; }
  }
  return undefined;
}

/** The failures one schema application yields, before grouping. */
function failuresOf(node: Node, ctx: Context): Failure[] {
  const s = isTable(node.schema) ? node.schema : {};
  const exclusive = node.leaves.filter((l) => EXCLUSIVE.has(l.kw)).sort((a, b) => rank(a.kw) - rank(b.kw))[0];
  if (exclusive) return [{ at: node.at, message: leafMessage(exclusive.kw, s, exclusive.unit, node, ctx), causes: [] }];
  const out: Array<{ order: number; sub: string; f: Failure }> = [];
  const seen = new Set<string>();
  for (const l of node.leaves) {
    if (COMBINATORS.has(l.kw) || SUMMARIES.has(l.kw)) continue;
    if ((l.kw === "additionalProperties" || l.kw === "additionalItems") && !isFalse(s[l.kw])) continue;
    if (l.kw === "dependencies" && !Array.isArray((s.dependencies as Record<string, unknown> | undefined)?.[depKey(l.unit)])) continue;
    const once = l.kw === "required" || l.kw === "additionalProperties" ? l.kw : l.kw === "dependentRequired" || l.kw === "dependencies" ? `${l.kw}:${depKey(l.unit)}` : `${l.kw}:${l.unit.error}`;
    if (seen.has(once)) continue;
    seen.add(once);
    out.push({ order: rank(l.kw), sub: "", f: { at: node.at, message: leafMessage(l.kw, s, l.unit, node, ctx), causes: leafCauses(l.kw, s, l.unit, node, ctx) } });
  }
  const combos = new Map<string, Failure[]>();
  for (const l of node.leaves) if (COMBINATORS.has(l.kw) && !combos.has(l.kw)) combos.set(l.kw, []);
  for (const { kw, node: child } of node.children.values()) {
    if (kw === "contains" || kw === "propertyNames") continue;
    // v6 reports `additionalProperties: false` and `additionalItems: false` once, as a list or a count
    if ((kw === "additionalProperties" || kw === "additionalItems") && isFalse(s[kw])) continue;
    if (COMBINATORS.has(kw)) {
      const list = combos.get(kw) ?? [];
      list.push(...resultOf(child, ctx));
      combos.set(kw, list);
      continue;
    }
    if (kw === "if") continue;
    for (const f of resultOf(child, ctx)) {
      // a $ref's failures come back as v6's kind.Reference, which the top level does not unwrap
      out.push({ order: rank(kw === "patternProperties" || kw === "additionalProperties" ? "properties" : kw), sub: child.at, f: kw === "$ref" ? { ...f, group: false } : f });
    }
  }
  for (const [kw, causes] of combos) {
    const arr = s[kw];
    let message = `${kw} failed`;
    if (kw === "oneOf") {
      const failed = new Set([...node.children.values()].filter((c) => c.kw === "oneOf").map((c) => Number(c.index.split("/")[1])));
      const matched = Array.isArray(arr) ? arr.map((_, i) => i).filter((i) => !failed.has(i)) : [];
      message = matched.length >= 2 ? `oneOf failed, subschemas ${printInt(matched[0]!)}, ${printInt(matched[1]!)} matched` : "oneOf failed, none matched";
      if (matched.length >= 2) causes.length = 0;
    }
    out.push({ order: rank(kw), sub: "", f: { at: node.at, message, causes } });
  }
  out.sort((a, b) => a.order - b.order || compareStrings(a.sub, b.sub));
  return out.map((o) => o.f);
}

/** `value` checked on its own against a subschema, its failures placed at `at` (v6 keeps what cfworker drops). */
function recheck(sub: unknown, value: unknown, ctx: Context, at: string): Failure[] {
  if (typeof sub !== "boolean" && !isTable(sub)) return [];
  const r = new Validator(sub as Schema | boolean, ctx.draft, false).validate(value);
  return r.valid ? [] : failuresFor(r.errors, sub as Schema | boolean, { doc: value, draft: ctx.draft, prefix: at });
}

/** Which items match `contains`, and why the others do not (cfworker keeps neither once it has decided). */
function containsCheck(node: Node, s: Record<string, unknown>, ctx: Context): { matched: number[]; causes: Failure[] } {
  const items = valueAt(ctx.doc, `#${node.ptr}`);
  const matched: number[] = [];
  const causes: Failure[] = [];
  if (!Array.isArray(items)) return { matched, causes };
  for (const [i, item] of items.entries()) {
    const fs = recheck(s.contains, item, ctx, `${node.at}/${i}`);
    if (fs.length === 0) matched.push(i);
    else causes.push(...fs);
  }
  return { matched, causes };
}

function leafCauses(kw: string, s: Record<string, unknown>, u: OutputUnit, node: Node, ctx: Context): Failure[] {
  if (kw === "contains" || kw === "minContains") return containsCheck(node, s, ctx).causes;
  if (kw === "propertyNames") return recheck(s.propertyNames, propertyName(u), ctx, node.at);
  return [];
}

function propertyName(u: OutputUnit): string {
  return /^Property name "(.*)" does not match schema\.$/.exec(u.error)?.[1] ?? "";
}

/** One schema application's result as v6 returns it: one failure, or a "validation failed" group. */
function resultOf(node: Node, ctx: Context): Failure[] {
  const fs = failuresOf(node, ctx);
  if (fs.length <= 1) return fs;
  return [{ at: node.at, message: "validation failed", causes: fs, group: true }];
}

function lines(f: Failure, indent: number): string[] {
  const head = `${"  ".repeat(indent - 1)}- at ${quote(decodePointer(f.at))}: ${f.message}`;
  return [head, ...f.causes.flatMap((c) => lines(c, indent + 1))];
}

function leafMessage(kw: string, s: Record<string, unknown>, u: OutputUnit, node: Node, ctx: Context): string {
  const got = { value: valueAt(ctx.doc, u.instanceLocation) };
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
    case "minProperties": case "maxProperties": return `${kw}: got ${printInt(Object.keys(isTable(got.value) ? got.value : {}).length)}, want ${printInt(Number(s[kw]))}`;
    case "minItems": case "maxItems": return `${kw}: got ${printInt(Array.isArray(got.value) ? got.value.length : 0)}, want ${printInt(Number(s[kw]))}`;
    case "minLength": case "maxLength": return `${kw}: got ${printInt([...String(got.value)].length)}, want ${printInt(Number(s[kw]))}`;
    case "minimum": case "maximum": case "exclusiveMinimum": case "exclusiveMaximum": case "multipleOf": {
        // draft-04's boolean exclusiveMinimum/exclusiveMaximum make v6 name the bound exclusive
      const name = ctx.draft === "4" && (kw === "minimum" || kw === "maximum") && s[kw === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum"] === true ? (kw === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum") : kw;
      return `${name}: got ${printFloat(Number(got.value))}, want ${printFloat(Number(s[kw]))}`;
    }
    case "pattern": return `${quote(String(got.value))} does not match pattern ${quote(String(s.pattern))}`;
    case "uniqueItems": {
      const arr = Array.isArray(got.value) ? got.value : [];
      for (let j = 1; j < arr.length; j++) for (let i = 0; i < j; i++) if (JSON.stringify(arr[i]) === JSON.stringify(arr[j])) return `items at ${printInt(i)} and ${printInt(j)} are equal`;
      return "uniqueItems failed";
    }
    case "contains": return "no items match contains schema";
    case "not": return s[FALSE_MARK] === true ? "false schema" : "not failed";
    case "additionalItems": {
      const arr = Array.isArray(got.value) ? got.value : [];
      const n = arr.length - (Array.isArray(s.items) ? s.items.length : 0);
      return `last ${printInt(n)} additionalItem(s) not allowed`;
    }
    case "propertyNames": return `invalid propertyName ${quote(propertyName(u))}`;
    case "minContains": case "maxContains": {
      const { matched } = containsCheck(node, s, ctx);
      const want = printInt(Number(s[kw]));
      if (kw === "minContains" && matched.length === 0) return `min ${want} items required to match contains schema, but none matched`;
      return `${kw === "minContains" ? "min" : "max"} ${want} items required to match contains schema, but matched ${printInt(matched.length)} items at ${matched.join(" ")}`;
    }
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
  // fmt's %v of the schema's json.Number: its own digits, as written (we assume the usual spelling)
  if (typeof v === "number") return String(v).replace("e+", "e");
  return String(v);
}

/** v6's quote: Go's %q body between single quotes, with `'` escaped and `"` left bare. */
function quote(s: string): string {
  const body = JSON.stringify(s).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${body}'`;
}

/**
 * v6 prints numbers through golang.org/x/text's English message printer, not fmt: integers grouped by
 * thousands (`1,000`), floats as %v decides (shortest digits, scientific below 1e-4 and from 1e6) but
 * written `2 × 10⁰⁶` (narrow no-break spaces) and `1,234.5`.
 */
function printFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "∞" : n < 0 ? "-∞" : "NaN";
  if (n === 0) return "0";
  const [mantissa, e] = n.toExponential().split("e") as [string, string];
  const exp = Number(e);
  // CLDR's English pattern puts narrow no-break spaces (U+202F) around the ×
  if (exp < -4 || exp >= 6) return `${mantissa}\u202f×\u202f10${superscript(exp)}`;
  return groupThousands(String(n));
}

function printInt(n: number): string {
  return groupThousands(String(n));
}

function groupThousands(text: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+$)/g, ",")}${m[3] ?? ""}`;
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** x/text's exponent: at least two digits, a superscript minus when negative, no plus. */
function superscript(exp: number): string {
  const digits = String(Math.abs(exp)).padStart(2, "0").replace(/\d/g, (d) => SUPERSCRIPT[Number(d)]!);
  return exp < 0 ? `⁻${digits}` : digits;
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
