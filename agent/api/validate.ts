/**
 * validate() and applyDefaults() for whole Flux objects: find the kind by apiVersion and kind, default
 * like the API server, then check the schema and the CEL rules. This is what the agent runs before it
 * acts on an object, and what tests use to pin the API server's answers.
 *
 * Limits: objects of kinds rivulet does not serve get one error and no defaults; metadata checks are
 * limited to name, generateName, namespace, labels and annotations.
 */
import { findKind, KINDS } from "./kinds.ts";
import { defaultNode } from "./schema-defaults.ts";
import { validateNode, isPlainObject, type ValidateOptions } from "./schema-validate.ts";
import { fieldError, type FieldError } from "./field-error.ts";

export type { FieldError, ValidateOptions };

const served = (): string => KINDS.map((k) => `${k.apiVersion}/${k.kind}`).join(", ");

/**
 * Every error the API server (with rivulet's CRDs or Flux's) would report for this object, plus
 * `spec: Required value` when spec is missing, which the API server allows but no controller can act on.
 * Runs on a defaulted copy, since the API server defaults before it validates.
 */
export function validate(obj: unknown, opts: ValidateOptions = {}): FieldError[] {
  if (!isPlainObject(obj)) return [fieldError.type("", "object", obj)];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return [
      ...(typeof apiVersion === "string" ? [] : [fieldError.required("apiVersion")]),
      ...(typeof kind === "string" ? [] : [fieldError.required("kind")]),
    ];
  }
  const def = findKind(apiVersion, kind);
  if (!def) {
    return [fieldError.invalid("kind", `${apiVersion}/${kind}`, `not a kind rivulet serves (${served()})`)];
  }
  return validateNode(def.schema.node, defaultNode(def.schema.node, obj), "", opts);
}

/** A copy of the object with the CRD defaults filled in; unknown kinds come back unchanged (copied). */
export function applyDefaults<T>(obj: T): T {
  if (!isPlainObject(obj)) return structuredClone(obj);
  const def = typeof obj.apiVersion === "string" && typeof obj.kind === "string"
    ? findKind(obj.apiVersion, obj.kind)
    : undefined;
  return def ? defaultNode(def.schema.node, obj) : structuredClone(obj);
}
