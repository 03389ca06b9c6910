/**
 * values.schema.json validation as Helm 4 does it (pkg/chart/common/util/jsonschema.go, which uses
 * santhosh-tekuri/jsonschema v6): the parent's schema against the final values, then each subchart's
 * schema against the values under the subchart's name, recursively. Draft 2020-12 unless `$schema` names
 * another draft; `format` is asserted for draft-07 and older only (v6's default); unknown formats pass.
 *
 * The validating is @cfworker/json-schema's; this file gives it Helm's rules and turns its flat list of
 * failures back into v6's tree of messages (`- at '/path': message`, nested causes indented), so errors
 * read as Helm prints them. Limits: Helm lists the failing properties of one object in Go's random map
 * order, we list them sorted; remote `$ref`s (http, https, file) are refused, since the agent has no
 * business fetching schemas at render time; `urn:` refs pass as `true`, as Helm's default resolver does.
 */
import { Validator, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { Chart, Values } from "./chart.ts";
import { escapePointer, falseSchema, jsonType, renderFailures } from "./schema-failures.ts";
import { isTable } from "./values.ts";

/** The header Helm puts above the per-chart lists (pkg/chart/common/util/values.go ToRenderValues). */
export const SCHEMA_ERROR_HEADER = "values don't meet the specifications of the schema(s) in the following chart(s):";

/**
 * Validate `values` (the coalesced values of the whole release) against `chart`'s schema and its enabled
 * subcharts' schemas. Throws one Error listing every chart that fails, worded as Helm's. Pass the chart and
 * values chartValues returns: aliases applied and disabled subcharts gone, which is the tree Helm validates.
 */
export function validateValues(chart: Chart, values: Values): void {
  const report = schemaReport(chart, values);
  if (report !== "") throw new Error(`${SCHEMA_ERROR_HEADER}\n${report}`);
}

/** The per-chart part of Helm's message ("name:\n- at ...\n"), empty when every schema holds. */
export function schemaReport(chart: Chart, values: Values): string {
  let out = "";
  if (chart.schema !== undefined) {
    const failure = validateAgainstSchema(chart.schema, values);
    if (failure !== "") out += `${chart.metadata.name}:\n${failure}`;
  }
  for (const sub of chart.dependencies) {
    const raw = values[sub.metadata.name];
    if (raw === undefined || raw === null) continue;
    if (!isTable(raw)) {
      out += `${sub.metadata.name}:\ninvalid type for values: expected object (map), got ${goTypeName(raw)}\n`;
      continue;
    }
    out += schemaReport(sub, raw);
  }
  return out;
}

/** One schema against one chart's values: "" when valid, else v6's list of failures ending in "\n". */
export function validateAgainstSchema(schemaBytes: Uint8Array, values: Values): string {
  const c = compile(schemaBytes);
  if ("problem" in c) return `${c.problem}\n`;
  let result;
  try {
    result = c.validator.validate(values);
  } catch (e) {
    // cfworker throws on a $ref it cannot resolve, naming its own base URI and every known id: keep the ref
    const ref = /^Unresolved \$ref "([^"]*)"/.exec((e as Error).message)?.[1];
    if (ref !== undefined) return `values.schema.json cannot be used: $ref ${JSON.stringify(ref)} does not resolve inside the file\n`;
    throw e;
  }
  if (result.valid) return "";
  return `${renderFailures(result.errors, c.prepared, values, c.draft)}\n`;
}

type Compiled = { problem: string } | { validator: Validator; prepared: Schema | boolean; draft: SchemaDraft };

// A loaded chart keeps its schema bytes, so a chart rendered again (every reconcile) reuses the compiled
// validator; cfworker's validate does not change it.
const compiled = new WeakMap<Uint8Array, Compiled>();

function compile(bytes: Uint8Array): Compiled {
  const known = compiled.get(bytes);
  if (known) return known;
  const c = compileUncached(bytes);
  compiled.set(bytes, c);
  return c;
}

function compileUncached(bytes: Uint8Array): Compiled {
  const parsed = parseSchema(bytes);
  if (typeof parsed === "string") return { problem: parsed };
  const schema = parsed.schema;
  const draft = draftOf(schema);
  const problem = schemaProblem(schema, draft);
  if (problem !== "") return { problem };
  const prepared = prepare(schema, draft === "2020-12" || draft === "2019-09") as Schema | boolean;
  try {
    const validator = new Validator(prepared, draft, false);
    // Helm's default URN resolver answers every urn: with the permissive schema `true`
    for (const urn of urnRefs(schema)) validator.addSchema({}, urn);
    return { validator, prepared, draft };
  } catch (e) {
    // cfworker's dereference throws on an `$id` that is not a URI reference, for one
    return { problem: `values.schema.json cannot be used: ${(e as Error).message.split("\n")[0]}` };
  }
}

/** The schema, or why the file is not one (Helm's loader keeps an empty file, and the JSON decoder fails). */
function parseSchema(bytes: Uint8Array): { schema: Schema | boolean } | string {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return "values.schema.json is not valid JSON: the file is empty";
  try {
    return { schema: JSON.parse(text) as Schema | boolean };
  } catch (e) {
    // the parser's own words differ between runtimes, so they go in parentheses after ours
    return `values.schema.json is not valid JSON (${(e as Error).message})`;
  }
}

const DRAFTS: Array<[RegExp, SchemaDraft]> = [
  [/^https?:\/\/json-schema\.org\/draft-04\/schema#?$/, "4"],
  [/^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/, "7"],
  [/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/, "2019-09"],
  [/^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/, "2020-12"],
];

function draftOf(schema: Schema | boolean): SchemaDraft {
  if (typeof schema !== "object" || typeof schema.$schema !== "string") return "2020-12";
  for (const [re, draft] of DRAFTS) if (re.test(schema.$schema)) return draft;
  return "2020-12";
}

const METASCHEMA: Record<SchemaDraft, string> = {
  "4": "http://json-schema.org/draft-04/schema#",
  "7": "http://json-schema.org/draft-07/schema#",
  "2019-09": "https://json-schema.org/draft/2019-09/schema#",
  "2020-12": "https://json-schema.org/draft/2020-12/schema#",
};

// Keywords whose value is one subschema, a list of them, or a map of them: where a schema must be a
// boolean or an object (draft-04 allowed objects only, but v6 is lenient there too).
const ONE = ["additionalProperties", "additionalItems", "contains", "not", "if", "then", "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"];
const LIST = ["allOf", "anyOf", "oneOf", "prefixItems"];
const MAP = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
const TYPES = new Set(["null", "boolean", "object", "array", "number", "string", "integer"]);

/**
 * The part of v6's metaschema check that sloppy charts trip on: subschemas are booleans or objects,
 * `type` names real types, `required` lists strings; and `$ref`s do not leave the file. The header and the
 * bare-schema case are v6's exact words; for the others v6 also lists the metaschema's anyOf branches.
 */
function schemaProblem(schema: unknown, draft: SchemaDraft): string {
  const bad = (at: string, msg: string) =>
    `"file:///values.schema.json#" is not valid against metaschema: jsonschema validation failed with '${METASCHEMA[draft]}'\n- at '${at}': ${msg}`;
  const walk = (s: unknown, at: string): string => {
    if (typeof s === "boolean") return "";
    if (!isTable(s)) return bad(at, `got ${jsonType(s)}, want boolean or object`);
    if (s.type !== undefined) {
      const list = Array.isArray(s.type) ? s.type : [s.type];
      for (const [i, t] of list.entries()) {
        const where = Array.isArray(s.type) ? `${at}/type/${i}` : `${at}/type`;
        if (typeof t !== "string") return bad(where, `got ${jsonType(t)}, want string`);
        if (!TYPES.has(t)) return bad(where, `value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'`);
      }
    }
    if (s.required !== undefined && !(Array.isArray(s.required) && s.required.every((r) => typeof r === "string"))) {
      return bad(`${at}/required`, Array.isArray(s.required) ? "got array, want array of strings" : `got ${jsonType(s.required)}, want array`);
    }
    if (typeof s.$ref === "string" && /^(https?|file):/i.test(s.$ref)) {
      return `values.schema.json refers to a remote schema, which is not fetched: ${s.$ref} at '${at}/$ref'`;
    }
    for (const k of ONE) if (k in s) { const p = walk(s[k], `${at}/${k}`); if (p) return p; }
    if ("items" in s) {
      const items = s.items;
      const p = Array.isArray(items) ? first(items, (x, i) => walk(x, `${at}/items/${i}`)) : walk(items, `${at}/items`);
      if (p) return p;
    }
    for (const k of LIST) {
      if (!(k in s)) continue;
      const list = s[k];
      if (!Array.isArray(list)) return bad(`${at}/${k}`, `got ${jsonType(list)}, want array`);
      const p = first(list, (x, i) => walk(x, `${at}/${k}/${i}`));
      if (p) return p;
    }
    for (const k of MAP) {
      if (!(k in s)) continue;
      const map = s[k];
      if (!isTable(map)) return bad(`${at}/${k}`, `got ${jsonType(map)}, want object`);
      const p = first(Object.entries(map), ([name, x]) => walk(x, `${at}/${k}/${escapePointer(name)}`));
      if (p) return p;
    }
    return "";
  };
  return walk(schema, "");
}

function urnRefs(schema: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isTable(v)) {
      if (typeof v.$ref === "string" && v.$ref.startsWith("urn:")) out.push(v.$ref.replace(/#.*$/, ""));
      Object.values(v).forEach(walk);
    }
  };
  walk(schema);
  return out;
}

function first<T>(xs: T[], f: (x: T, i: number) => string): string {
  for (const [i, x] of xs.entries()) { const p = f(x, i); if (p) return p; }
  return "";
}

/**
 * The schema cfworker is given: `format` dropped where v6 treats it as an annotation (2019-09, 2020-12),
 * and each `false` subschema replaced by falseSchema() so its failure is reported where it happens.
 * Only subschema positions are touched: `uniqueItems: false` or a property called "format" stay.
 */
function prepare(s: unknown, dropFormats: boolean): unknown {
  if (s === false) return falseSchema();
  if (!isTable(s)) return s;
  const sub = (x: unknown) => prepare(x, dropFormats);
  const out: Record<string, unknown> = { ...s };
  if (dropFormats && typeof out.format === "string") delete out.format;
  for (const k of ONE) if (k in s) out[k] = sub(s[k]);
  if ("items" in s) out.items = Array.isArray(s.items) ? s.items.map(sub) : sub(s.items);
  for (const k of LIST) if (Array.isArray(s[k])) out[k] = s[k].map(sub);
  for (const k of [...MAP, "dependencies"]) {
    const map = s[k];
    // draft-07 `dependencies` mixes property lists (kept) with schemas
    if (isTable(map)) out[k] = Object.fromEntries(Object.entries(map).map(([n, x]) => [n, Array.isArray(x) ? x : sub(x)]));
  }
  return out;
}

function goTypeName(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  // sigs.k8s.io/yaml decodes every number as float64
  if (typeof v === "number") return "float64";
  if (Array.isArray(v)) return "[]interface {}";
  return typeof v;
}
