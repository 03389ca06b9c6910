/**
 * The YAML facade every stage uses to turn manifest text into plain objects. Today it is backed by the
 * `yaml` package with safe limits; the WASM YAML-to-JSON fast path (issue 4) slots in behind the same
 * functions. Scalars follow the YAML 1.1 core rules that go-yaml (kustomize, kubectl) applies.
 */
import { parseAllDocuments } from "yaml";

export const DEFAULTS = {
  /** Largest single document accepted, in bytes of text. */
  maxDocumentBytes: 32 * 1024 * 1024,
  /** Alias expansions allowed per document (billion-laughs guard). */
  maxAliasCount: 100,
};

export class YamlError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "YamlError";
  }
}

/**
 * Parses a multi-document YAML stream into one value per non-empty document.
 * `file` names the source in error messages: `Cannot parse apps/web.yaml:12:5: ...`.
 */
export function parseDocuments(text: string, file = "<input>"): unknown[] {
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: false });
  const out: unknown[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      throw new YamlError(`Cannot parse ${where}: ${err.message.split("\n")[0]}`, { cause: err });
    }
    if (doc.contents === null) continue;
    const value = doc.toJS({ maxAliasCount: DEFAULTS.maxAliasCount });
    if (value === null || value === undefined) continue;
    out.push(value);
  }
  return out;
}
