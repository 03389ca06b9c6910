/**
 * Turns a manifest file into resources: every YAML document must be a Kubernetes object with a kind and
 * metadata.name (a `kind: List` is flattened into its items), as kustomize requires. kustomize builds a
 * document without apiVersion (Flux's own "invalid" testdata relies on it); the apply stage's tenant guard
 * refuses such an object before anything is written.
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
      if (item.apiVersion !== undefined && item.apiVersion !== null && typeof item.apiVersion !== "string") throw new Error(`Cannot load ${path}: document ${i + 1} (${item.kind}) has an apiVersion that is not a string`);
      const m = item.metadata;
      if (!isObject(m) || typeof m.name !== "string" || m.name === "") {
        if (!(isObject(m) && typeof m.generateName === "string")) throw new Error(`Cannot load ${path}: document ${i + 1} (${item.kind}) has no metadata.name`);
      }
      out.push(makeResource(item as KObject));
    }
  });
  return out;
}
