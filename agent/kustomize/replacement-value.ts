/**
 * How a replacement writes its value, as kustomize v5's replacement filter does on YAML nodes: into an
 * existing scalar only the text is copied and the field keeps its YAML type (an int port stays an int
 * when the source is the string "8080"; a value the type cannot hold is an error, as kustomize's decoder
 * makes it); a field the replacement creates holds untyped text, so it reads back as plain YAML would
 * ("8080" becomes a number); maps and lists are replaced by the source value with its own type.
 * `delimiter` splits the target's text and puts the value at `index` (before the first part when
 * negative, after the last when past the end).
 */
import { isObject } from "./resource.ts";

type Scalar = string | number | boolean | null;

export function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** The text of a scalar as YAML holds it. */
export function scalarText(v: Scalar): string {
  return v === null ? "null" : String(v);
}

const INT = /^[-+]?(0|[1-9][0-9]*)$/;
const HEX_OCT = /^(0x[0-9a-fA-F]+|0o[0-7]+)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

type Resolved = { tag: "null" | "bool" | "int" | "float" | "str"; value: Scalar };

/** What an untagged plain scalar resolves to in go-yaml v3 (kustomize's YAML library). */
export function resolvePlain(text: string): Resolved {
  if (["", "~", "null", "Null", "NULL"].includes(text)) return { tag: "null", value: null };
  if (["true", "True", "TRUE"].includes(text)) return { tag: "bool", value: true };
  if (["false", "False", "FALSE"].includes(text)) return { tag: "bool", value: false };
  if (INT.test(text)) return { tag: "int", value: Number(text) };
  if (HEX_OCT.test(text)) return { tag: "int", value: Number(text.replace(/^0o/, "0o")) };
  if (FLOAT.test(text)) return { tag: "float", value: Number(text) };
  if ([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].includes(text)) return { tag: "float", value: Infinity };
  if (["-.inf", "-.Inf", "-.INF"].includes(text)) return { tag: "float", value: -Infinity };
  return { tag: "str", value: text };
}

function tagOf(v: Scalar): Resolved["tag"] {
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return "str";
}

/** Puts `text` into a scalar of the existing one's type, or throws as kustomize's decoder does. */
function keepType(existing: Scalar, text: string): Scalar {
  const want = tagOf(existing);
  if (want === "str") return text;
  const got = resolvePlain(text);
  // An int target takes only ints; a float target takes ints too (YAML reads "8080" as a float fine).
  if (got.tag === want || (want === "float" && got.tag === "int")) return got.value;
  throw new Error(`cannot decode !!${got.tag} \`${text}\` as a !!${want}`);
}

function withDelimiter(current: Scalar | undefined, value: string, delimiter: string, index: number): string {
  const parts = (current === undefined ? "" : scalarText(current)).split(delimiter);
  if (index < 0) parts.unshift(value);
  else if (index >= parts.length) parts.push(value);
  else parts[index] = value;
  return parts.join(delimiter);
}

/**
 * The new value of a target field. `existed` says whether the field was there before (false when
 * `options.create` made it).
 */
export function replacedValue(
  current: unknown,
  existed: boolean,
  value: unknown,
  options: { delimiter?: string; index?: number },
): unknown {
  if (options.delimiter) {
    if (existed && !isScalar(current)) throw new Error("delimiter option can only be used with scalar nodes");
    const text = withDelimiter(existed ? (current as Scalar) : undefined, isScalar(value) ? scalarText(value) : "", options.delimiter, options.index ?? 0);
    return existed ? keepType(current as Scalar, text) : resolvePlain(text).value;
  }
  if (!isScalar(value)) return structuredClone(value);
  if (!existed) return resolvePlain(scalarText(value)).value;
  if (isScalar(current)) return keepType(current, scalarText(value));
  return value;
}

/** kustomize refuses a source field that is missing, null, or an empty map or list. */
export function isNilOrEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}
