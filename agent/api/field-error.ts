/**
 * A validation error on one field, worded the way the Kubernetes API server words it
 * (`spec.url: Invalid value: "ftp://x": spec.url in body should match '^(http|https|ssh)://.*$'`), so a
 * user sees the same text whether rivulet or the API server refused the object. Checked against a real
 * kube-apiserver 1.20 with the generated CRDs: schema errors match word for word, except that
 * 1.20 drops list indices from paths (`spec.include.repository`) where we keep them
 * (`spec.include[0].repository`, as newer API servers report). Map entries are `spec.x.key`.
 *
 * Limits: values are rendered with JSON.stringify (Go renders maps as `map[string]interface {}{...}`);
 * the metadata.name/namespace messages are shorter than the API server's.
 */

export type FieldErrorReason =
  | "required"
  | "type"
  | "enum"
  | "pattern"
  | "format"
  | "too-long"
  | "too-short"
  | "too-many"
  | "too-few"
  | "minimum"
  | "maximum"
  | "duplicate"
  | "rule"
  | "unknown-field"
  | "invalid";

export interface FieldError {
  /** Field path, e.g. `spec.ref.branch`; "" is the object itself. */
  readonly path: string;
  readonly reason: FieldErrorReason;
  /** The whole sentence, path first. */
  readonly message: string;
}

/** JSON name of a value's type, as the API server reports it (`"integer"`, `"null"`, ...). */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const show = (value: unknown): string => {
  if (value !== null && typeof value === "object") return JSON.stringify(jsonTypeOf(value));
  return JSON.stringify(value) ?? String(value);
};
const at = (path: string): string => path || "<root>";

export const fieldError = {
  required: (path: string): FieldError => ({ path, reason: "required", message: `${at(path)}: Required value` }),
  type: (path: string, want: string, value: unknown): FieldError => {
    const got = jsonTypeOf(value);
    return { path, reason: "type", message: `${at(path)}: Invalid value: "${got}": ${at(path)} in body must be of type ${want}: "${got}"` };
  },
  enum: (path: string, value: unknown, allowed: readonly string[]): FieldError => ({
    path,
    reason: "enum",
    message: `${at(path)}: Unsupported value: ${show(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
  }),
  pattern: (path: string, value: unknown, pattern: string): FieldError => ({
    path,
    reason: "pattern",
    message: `${at(path)}: Invalid value: ${show(value)}: ${at(path)} in body should match '${pattern}'`,
  }),
  format: (path: string, value: unknown, format: string): FieldError => ({
    path,
    reason: "format",
    message: `${at(path)}: Invalid value: ${show(value)}: ${at(path)} in body must be of type ${format}: ${show(value)}`,
  }),
  tooLong: (path: string, value: unknown, max: number): FieldError => ({
    path,
    reason: "too-long",
    message: `${at(path)}: Invalid value: ${show(value)}: ${at(path)} in body should be at most ${max} chars long`,
  }),
  tooShort: (path: string, value: unknown, min: number): FieldError => ({
    path,
    reason: "too-short",
    message: `${at(path)}: Invalid value: ${show(value)}: ${at(path)} in body should be at least ${min} chars long`,
  }),
  tooMany: (path: string, count: number, max: number): FieldError => ({
    path,
    reason: "too-many",
    message: `${at(path)}: Invalid value: ${count}: ${at(path)} in body should have at most ${max} items`,
  }),
  tooFew: (path: string, count: number, min: number): FieldError => ({
    path,
    reason: "too-few",
    message: `${at(path)}: Invalid value: ${count}: ${at(path)} in body should have at least ${min} items`,
  }),
  minimum: (path: string, value: number, min: number): FieldError => ({
    path,
    reason: "minimum",
    message: `${at(path)}: Invalid value: ${value}: ${at(path)} in body should be greater than or equal to ${min}`,
  }),
  maximum: (path: string, value: number, max: number): FieldError => ({
    path,
    reason: "maximum",
    message: `${at(path)}: Invalid value: ${value}: ${at(path)} in body should be less than or equal to ${max}`,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({
    path,
    reason: "duplicate",
    message: `${at(path)}: Duplicate value: ${JSON.stringify(value)}`,
  }),
  rule: (path: string, message: string): FieldError => ({
    path,
    reason: "rule",
    message: `${at(path)}: Invalid value: "object": ${message}`,
  }),
  unknownField: (path: string): FieldError => ({ path, reason: "unknown-field", message: `unknown field "${path}"` }),
  invalid: (path: string, value: unknown, detail: string): FieldError => ({
    path,
    reason: "invalid",
    message: `${at(path)}: Invalid value: ${show(value)}: ${detail}`,
  }),
};

/** Joins a field path and a property name: `spec` + `url` -> `spec.url`. */
export const childPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);
