/**
 * Emits the OpenAPI v3 (structural) schema of a schema node, as a CRD's `openAPIV3Schema` holds it.
 * Nothing here needs CEL: rules stay runtime checks (schema.ts) so the CRDs install on Kubernetes 1.20.
 */
import type { Node } from "./schema.ts";

export type JsonSchema = { [key: string]: unknown };

export function toOpenAPI(node: Node): JsonSchema {
  const out: JsonSchema = {};
  if (node.description !== undefined) out.description = node.description;
  if (node.default !== undefined) out.default = structuredClone(node.default);
  if (node.nullable) out.nullable = true;
  switch (node.type) {
    case "string":
      out.type = "string";
      copy(node, out, ["enum", "format", "pattern", "minLength", "maxLength"]);
      break;
    case "integer":
    case "number":
      out.type = node.type;
      copy(node, out, ["format", "minimum", "maximum"]);
      break;
    case "boolean":
      out.type = "boolean";
      break;
    case "array":
      out.type = "array";
      out.items = toOpenAPI(node.items);
      copy(node, out, ["minItems", "maxItems"]);
      if (node.listType) out["x-kubernetes-list-type"] = node.listType;
      if (node.listMapKeys) out["x-kubernetes-list-map-keys"] = [...node.listMapKeys];
      break;
    case "map":
      out.type = "object";
      out.additionalProperties = toOpenAPI(node.values);
      break;
    case "unknown-object":
      out.type = "object";
      out["x-kubernetes-preserve-unknown-fields"] = true;
      break;
    case "any-json":
      out["x-kubernetes-preserve-unknown-fields"] = true;
      break;
    case "int-or-string":
      out["x-kubernetes-int-or-string"] = true;
      break;
    case "object":
      out.type = "object";
      if (node.opaque) break;
      if (Object.keys(node.properties).length > 0) {
        const properties: JsonSchema = {};
        for (const [key, child] of Object.entries(node.properties)) properties[key] = toOpenAPI(child);
        out.properties = properties;
      }
      if (node.required.length > 0) out.required = [...node.required];
      if (node.mapType) out["x-kubernetes-map-type"] = node.mapType;
      break;
  }
  return out;
}

function copy<N extends object>(node: N, out: JsonSchema, keys: readonly string[]): void {
  for (const key of keys) {
    const v = (node as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = Array.isArray(v) ? [...v] : v;
  }
}
