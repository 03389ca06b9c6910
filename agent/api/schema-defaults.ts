/**
 * Fills schema defaults the way the API server defaults a custom resource: a property with a `default`
 * that is absent (or null where the schema is not nullable) gets a copy of the default, then defaulting
 * continues inside it, inside array items and inside map values. Returns a new value; the input is not
 * changed.
 *
 * Limits: values of the wrong type are left alone (validation reports them); defaults inside a default
 * are applied too, as the API server does since Kubernetes 1.20.
 */
import type { Node } from "./schema.ts";
import { isPlainObject } from "./schema-validate.ts";

export function defaultNode<T>(node: Node, value: T): T {
  const copy = structuredClone(value);
  fill(node, copy);
  return copy;
}

function fill(node: Node, value: unknown): void {
  if (node.type === "object" && isPlainObject(value)) {
    for (const [key, child] of Object.entries(node.properties)) {
      const current = value[key];
      if (child.default !== undefined && (current === undefined || (current === null && !child.nullable))) {
        value[key] = structuredClone(child.default);
      }
      if (value[key] !== undefined) fill(child, value[key]);
    }
  } else if (node.type === "array" && Array.isArray(value)) {
    for (const item of value) fill(node.items, item);
  } else if (node.type === "map" && isPlainObject(value)) {
    for (const v of Object.values(value)) fill(node.values, v);
  }
}
