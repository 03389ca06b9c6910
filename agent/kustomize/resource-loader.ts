/**
 * Turns a manifest file into resources: every YAML document must be a Kubernetes object with apiVersion,
 * kind and metadata.name (a `kind: List` is flattened into its items), as kustomize requires.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { isObject, makeResource, type KObject, type Resource } from "./resource.ts";

export function loadResourceFile(path: string, text: string): Resource[] {
  const out: Resource[] = [];
  const docs = parseDocuments(text, path);
  docs.forEach((doc, i) => {
    const items = isObject(doc) && typeof doc.kind === "string" && doc.kind.endsWith("List") && Array.isArray(doc.items) ? doc.items : [doc];
    for (const item of items) {
      if (!isObject(item)) throw new Error(`Cannot load ${path}: document ${i + 1} is not a map`);
      if (typeof item.kind !== "string" || item.kind === "") throw new Error(`Cannot load ${path}: document ${i + 1} has no kind`);
      if (typeof item.apiVersion !== "string" || item.apiVersion === "") throw new Error(`Cannot load ${path}: document ${i + 1} (${item.kind}) has no apiVersion`);
      const m = item.metadata;
      if (!isObject(m) || typeof m.name !== "string" || m.name === "") {
        if (!(isObject(m) && typeof m.generateName === "string")) throw new Error(`Cannot load ${path}: document ${i + 1} (${item.kind}) has no metadata.name`);
      }
      out.push(makeResource(item as KObject));
    }
  });
  return out;
}
