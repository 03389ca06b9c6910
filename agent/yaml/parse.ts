/**
 * The YAML facade every stage uses to turn manifest text into plain objects. The WASM scanner
 * (wasm/yaml) converts what Kubernetes manifests use straight to JSON for native `JSON.parse`; documents
 * with anchors, aliases, merge keys, tags or complex keys go, one by one, to the `yaml` package
 * (fallback.ts). Both type plain scalars by one table (wasm/yaml/assembly/resolve.ts) that matches
 * `kubectl kustomize` (go-yaml v3): `yes`/`on` stay strings, `0755` is 493, dates become RFC 3339 strings.
 * Escapes of UTF-16 surrogates (`"\ud800"`, and even a pair like `"\ud83d\ude00"`) are refused on both
 * paths, as go-yaml refuses them: a surrogate is not a character and has no UTF-8 form, and a manifest we
 * accepted would fail to build on the cluster side. Write the character itself or `\U0001F600`.
 * Limits: document size, alias expansions (DEFAULTS); nesting depth 256.
 */
import { scanYaml } from "./wasm-scanner.ts";
import { parseFallback, FallbackError } from "./fallback.ts";
import { holdsNullField, mayHoldEmptyValue, recordEmptyNulls } from "./empty-nulls.ts";

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

export interface ParseOptions {
  /**
   * Record which map values were written empty (`key:`) rather than null (empty-nulls.ts), for kustomize's
   * strategic merge. Costs an exact parse of each document that holds a null field.
   */
  emptyNulls?: boolean;
}

/**
 * Parses a multi-document YAML stream into one value per non-empty document.
 * `file` names the source in error messages: `Cannot parse apps/web.yaml:12:5: ...`.
 */
export function parseDocuments(text: string, file = "<input>", options: ParseOptions = {}): unknown[] {
  const scanned = scanYaml(text, DEFAULTS.maxDocumentBytes);
  if (!("values" in scanned)) throw new YamlError(`Cannot parse ${file}:${scanned.line}:${scanned.col}: ${scanned.message}`);
  const out: unknown[] = [];
  for (let i = 0; i < scanned.values.length; i++) {
    let value = scanned.values[i];
    const doc = scanned.docs[i]!;
    if (doc.kind === "fallback") {
      try {
        value = parseFallback(doc.text, doc.line, DEFAULTS);
      } catch (err) {
        if (err instanceof FallbackError) throw new YamlError(`Cannot parse ${file}:${err.line}:${err.col}: ${err.message}`, { cause: err });
        throw err;
      }
    }
    if (value === null || value === undefined) continue;
    out.push(value);
  }
  // The scanner keeps no text for a fast-path document, so the stream is read again, once, when needed.
  if (options.emptyNulls && out.some(holdsNullField) && mayHoldEmptyValue(text)) recordEmptyNulls(out, text);
  return out;
}

/** Parses with the exact parser only (no WASM fast path); for differential tests and benchmarks. */
export function parseDocumentsExact(text: string, file = "<input>"): unknown[] {
  const out: unknown[] = [];
  // Split on document markers the way the scanner does, so each document keeps its own line offset.
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  let start = 0;
  const flush = (end: number) => {
    // A document before a marker keeps its last line break: a keep-chomped block (`|+`) counts it.
    const chunk = lines.slice(start, end).join("\n") + (end < lines.length ? "\n" : "");
    if (chunk.trim() === "") return;
    try {
      const v = parseFallback(chunk, start + 1, DEFAULTS);
      if (v !== null && v !== undefined) out.push(v);
    } catch (err) {
      if (err instanceof FallbackError) throw new YamlError(`Cannot parse ${file}:${err.line}:${err.col}: ${err.message}`, { cause: err });
      throw err;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    if (/^(---|\.\.\.)([ \t\r]|$)/.test(lines[i]!) && i > start && !/^%/.test(lines[start]!)) {
      flush(i);
      start = i;
    }
  }
  flush(lines.length);
  return out;
}
