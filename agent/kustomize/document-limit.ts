/**
 * A TreeReader that refuses, before the build parses it, any YAML or JSON file holding a document larger
 * than the agent's document limit (core/limits.ts maxDocumentSize, near what the API server accepts): no
 * such object could be applied, and parsing it would cost many times its size in memory. Only files the
 * build reads are checked, once each; files smaller than the limit need no scan.
 */
import { exceeded } from "../core/limits.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { largestDocument } from "../yaml/document-spans.ts";

const MANIFEST = /\.(ya?ml|json)$/i;

export function limitDocuments(tree: TreeReader, maxDocumentSize: number): TreeReader {
  const checked = new Set<string>();
  return {
    list: (dir) => tree.list(dir),
    isDir: (path) => tree.isDir(path),
    read(path) {
      const data = tree.read(path);
      if (!data || data.length <= maxDocumentSize || checked.has(path) || !MANIFEST.test(path)) return data;
      // A JSON file is one document whatever its lines look like.
      const doc = /\.json$/i.test(path) ? { index: 1, length: data.length } : largestDocument(data);
      if (doc && doc.length > maxDocumentSize) throw exceeded("maxDocumentSize", `document ${doc.index} of "${path}"`, doc.length, maxDocumentSize);
      checked.add(path);
      return data;
    },
  };
}
