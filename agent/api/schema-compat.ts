/**
 * Compares two OpenAPI v3 CRD schemas and lists every way the candidate (ours) would behave differently
 * from the reference (Flux's): a property the reference has that is missing or typed differently, a
 * property the reference does not have, or a constraint (required, enum, pattern, format, bounds,
 * default, list type) that would make the candidate reject or change an object the reference accepts.
 *
 * Limits: descriptions and x-kubernetes-validations (CEL) are not compared; a looser constraint in the
 * candidate is accepted, a stricter one is reported.
 */
import type { JsonSchema } from "./openapi.ts";

type S = JsonSchema;

const STRICTER_IF_LOWER = ["maxLength", "maxItems", "maximum", "maxProperties"] as const;
const STRICTER_IF_HIGHER = ["minLength", "minItems", "minimum", "minProperties"] as const;
const MUST_MATCH = [
  "type",
  "format",
  "nullable",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-embedded-resource",
] as const;

/** Problems of `ours` against `flux`, each starting with the property path (`spec.ref.branch`). */
export function compareSchemas(flux: S, ours: S, path = ""): string[] {
  const problems: string[] = [];
  compare(flux, ours, path, problems);
  return problems;
}

const at = (path: string): string => path || "<root>";
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const obj = (v: unknown): S | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as S) : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function compare(flux: S, ours: S, path: string, out: string[]): void {
  for (const key of MUST_MATCH) {
    if (!same(flux[key], ours[key])) out.push(`${at(path)}: ${key} is ${show(ours[key])}, Flux has ${show(flux[key])}`);
  }
  if (!same(flux.default, ours.default)) {
    out.push(`${at(path)}: default is ${show(ours.default)}, Flux has ${show(flux.default)}`);
  }
  if (ours.pattern !== undefined && ours.pattern !== flux.pattern) {
    out.push(`${at(path)}: pattern is ${show(ours.pattern)}, Flux has ${show(flux.pattern)}`);
  }
  if (ours.enum !== undefined) {
    const allowed = new Set(strings(ours.enum));
    const lost = flux.enum === undefined ? ["(any value)"] : strings(flux.enum).filter((v) => !allowed.has(v));
    if (lost.length > 0) out.push(`${at(path)}: enum rejects ${lost.join(", ")} that Flux accepts`);
  }
  for (const key of STRICTER_IF_LOWER) {
    const o = ours[key];
    const f = flux[key];
    if (typeof o === "number" && (typeof f !== "number" || o < f)) out.push(`${at(path)}: ${key} ${o} is stricter than Flux's ${show(f)}`);
  }
  for (const key of STRICTER_IF_HIGHER) {
    const o = ours[key];
    const f = flux[key];
    if (typeof o === "number" && (typeof f !== "number" || o > f)) out.push(`${at(path)}: ${key} ${o} is stricter than Flux's ${show(f)}`);
  }
  const fluxRequired = new Set(strings(flux.required));
  for (const key of strings(ours.required)) {
    if (!fluxRequired.has(key)) out.push(`${at(path)}: requires ${key}, Flux does not`);
  }

  const fp = obj(flux.properties) ?? {};
  const op = obj(ours.properties) ?? {};
  for (const key of Object.keys(fp)) {
    const child = path ? `${path}.${key}` : key;
    const o = obj(op[key]);
    if (!o) out.push(`${child}: missing (Flux has it)`);
    else compare(obj(fp[key]) ?? {}, o, child, out);
  }
  for (const key of Object.keys(op)) {
    if (!(key in fp)) out.push(`${path ? `${path}.${key}` : key}: not in Flux's schema`);
  }

  const fi = obj(flux.items);
  const oi = obj(ours.items);
  if (fi && oi) compare(fi, oi, `${path}[]`, out);
  else if (fi || oi) out.push(`${at(path)}: items ${oi ? "present" : "missing"}, Flux has them ${fi ? "present" : "missing"}`);

  const fa = flux.additionalProperties;
  const oa = ours.additionalProperties;
  if (obj(fa) && obj(oa)) compare(obj(fa)!, obj(oa)!, `${path}{}`, out);
  else if (!same(fa, oa)) out.push(`${at(path)}: additionalProperties is ${show(oa)}, Flux has ${show(fa)}`);
}

function show(v: unknown): string {
  return v === undefined ? "unset" : JSON.stringify(v);
}
