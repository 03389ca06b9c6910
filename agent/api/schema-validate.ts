/**
 * Validates a value against a schema node the way the API server validates a custom resource after
 * pruning and defaulting: types, required properties, enum, pattern, format, lengths, bounds, list-map
 * keys, and the CEL rules (as TypeScript predicates). Returns every error, never throws.
 *
 * Limits: patterns run as JavaScript regular expressions (Flux's patterns use no syntax where RE2 and
 * JavaScript differ). Unknown fields are pruned by the API server, so they are only reported when
 * `strict` is set (like `kubectl apply --validate=strict`). Call with a defaulted value to match the
 * API server (validate() in validate.ts does).
 */
import type { Node, ObjectNode, ArrayNode, StringNode } from "./schema.ts";
import { childPath, fieldError, type FieldError } from "./field-error.ts";

export interface ValidateOptions {
  /** Report fields the schema does not know (the API server silently drops them). */
  readonly strict?: boolean;
}

const regexCache = new Map<string, RegExp>();
const regex = (pattern: string): RegExp => {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "u");
    regexCache.set(pattern, re);
  }
  return re;
};

// RFC 3339 as Go's time.Parse(time.RFC3339) accepts it; the API server uses strfmt's variant, which is
// slightly looser, so this errs on the side of the formats Kubernetes itself writes.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export function validateNode(node: Node, value: unknown, path = "", opts: ValidateOptions = {}): FieldError[] {
  const errors: FieldError[] = [];
  walk(node, value, path, opts, errors);
  return errors;
}

function walk(node: Node, value: unknown, path: string, opts: ValidateOptions, out: FieldError[]): void {
  if (value === undefined) return;
  if (value === null) {
    if (!node.nullable) out.push(fieldError.type(path, typeName(node), value));
    return;
  }
  switch (node.type) {
    case "string":
      if (typeof value !== "string") return void out.push(fieldError.type(path, "string", value));
      return checkString(node, value, path, out);
    case "integer":
    case "number": {
      const ok = typeof value === "number" && Number.isFinite(value) && (node.type === "number" || Number.isInteger(value));
      if (!ok) return void out.push(fieldError.type(path, node.type, value));
      const n = value as number;
      if (node.minimum !== undefined && n < node.minimum) out.push(fieldError.minimum(path, n, node.minimum));
      if (node.maximum !== undefined && n > node.maximum) out.push(fieldError.maximum(path, n, node.maximum));
      return;
    }
    case "boolean":
      if (typeof value !== "boolean") out.push(fieldError.type(path, "boolean", value));
      return;
    case "int-or-string":
      if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
        out.push(fieldError.type(path, "integer or string", value));
      }
      return;
    case "any-json":
      return;
    case "unknown-object":
      if (!isPlainObject(value)) out.push(fieldError.type(path, "object", value));
      return;
    case "map":
      if (!isPlainObject(value)) return void out.push(fieldError.type(path, "object", value));
      for (const [key, v] of Object.entries(value)) walk(node.values, v, childPath(path, key), opts, out);
      return;
    case "array":
      if (!Array.isArray(value)) return void out.push(fieldError.type(path, "array", value));
      return checkArray(node, value, path, opts, out);
    case "object":
      if (!isPlainObject(value)) return void out.push(fieldError.type(path, "object", value));
      return checkObject(node, value, path, opts, out);
  }
}

function typeName(node: Node): string {
  switch (node.type) {
    case "map":
    case "unknown-object":
      return "object";
    case "int-or-string":
      return "integer or string";
    case "any-json":
      return "any";
    default:
      return node.type;
  }
}

function checkString(node: StringNode, value: string, path: string, out: FieldError[]): void {
  // Lengths count characters (Go runes), not UTF-16 units.
  const length = node.minLength !== undefined || node.maxLength !== undefined ? [...value].length : 0;
  if (node.maxLength !== undefined && length > node.maxLength) out.push(fieldError.tooLong(path, value, node.maxLength));
  if (node.minLength !== undefined && length < node.minLength) out.push(fieldError.tooShort(path, value, node.minLength));
  if (node.enum && !node.enum.includes(value)) out.push(fieldError.enum(path, value, node.enum));
  if (node.pattern !== undefined && !regex(node.pattern).test(value)) out.push(fieldError.pattern(path, value, node.pattern));
  if (node.format === "date-time" && !DATE_TIME.test(value)) out.push(fieldError.format(path, value, "date-time"));
}

function checkArray(node: ArrayNode, value: unknown[], path: string, opts: ValidateOptions, out: FieldError[]): void {
  if (node.maxItems !== undefined && value.length > node.maxItems) out.push(fieldError.tooMany(path, value.length, node.maxItems));
  if (node.minItems !== undefined && value.length < node.minItems) out.push(fieldError.tooFew(path, value.length, node.minItems));
  value.forEach((item, i) => walk(node.items, item, `${path}[${i}]`, opts, out));
  if (node.listType === "set" || node.listType === "map") {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = node.listType === "map" && isPlainObject(item)
        ? JSON.stringify((node.listMapKeys ?? []).map((k) => item[k] ?? null))
        : JSON.stringify(item);
      if (seen.has(key)) {
        const shown = node.listType === "map" && isPlainObject(item)
          ? Object.fromEntries((node.listMapKeys ?? []).map((k) => [k, item[k]]))
          : item;
        out.push(fieldError.duplicate(`${path}[${i}]`, shown));
      }
      seen.add(key);
    });
  }
}

function checkObject(
  node: ObjectNode,
  value: Record<string, unknown>,
  path: string,
  opts: ValidateOptions,
  out: FieldError[],
): void {
  // An opaque object (metadata) is validated by its own hook only, as the API server does.
  if (node.opaque) {
    if (node.check) out.push(...node.check(value, path));
    return;
  }
  for (const key of node.required) {
    if (value[key] === undefined) out.push(fieldError.required(childPath(path, key)));
  }
  // Schema order, not the object's key order, so the same object always yields the same error list.
  for (const [key, child] of Object.entries(node.properties)) walk(child, value[key], childPath(path, key), opts, out);
  if (opts.strict) {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(node.properties, key)) out.push(fieldError.unknownField(childPath(path, key)));
    }
  }
  if (node.check) out.push(...node.check(value, path));
  for (const rule of node.rules) {
    let holds = true;
    // A rule over a malformed object cannot be evaluated; the type errors above already say why.
    try {
      holds = rule.holds(value);
    } catch {
      holds = true;
    }
    if (!holds) out.push(fieldError.rule(path, rule.message));
  }
}
