/**
 * The exact path for documents the WASM scanner hands back (anchors and aliases, merge keys `<<`, explicit
 * tags, complex keys): the `yaml` package with the failsafe schema, every plain scalar typed by the same
 * table as the fast path (`resolvePlain`), alias expansion capped, and the same key rules (string keys
 * only, no duplicates).
 */
import { parseAllDocuments, isMap, isScalar, visit, type Document, type ScalarTag } from "yaml";
import { resolvePlain, type PlainType } from "./wasm-scanner.ts";

export interface FallbackLimits {
  maxAliasCount: number;
}

export class FallbackError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

function typed(s: string): unknown {
  const r = resolvePlain(s);
  if (r.type === "nonjson") throw new Error(`${s} has no JSON form (quote it)`);
  return r.value;
}

const plainTag: ScalarTag = { tag: "tag:rivulet,plain", default: true, test: /[\s\S]*/, resolve: typed };

function explicit(name: string, want: PlainType[]): ScalarTag {
  return {
    tag: `tag:yaml.org,2002:${name}`,
    resolve(s: string) {
      const r = resolvePlain(s);
      if (!want.includes(r.type)) throw new Error(`${JSON.stringify(s)} is not a valid !!${name}`);
      return r.value;
    },
  };
}

const customTags = [
  plainTag,
  explicit("int", ["int"]),
  explicit("float", ["int", "float"]),
  explicit("bool", ["bool"]),
  explicit("null", ["null"]),
];

// The yaml package reads `"\ud800"` as that lone UTF-16 code unit and `"\ud83d\ude00"` as 😀, but go-yaml
// (so kubectl kustomize and Flux) refuses every surrogate escape: a surrogate is not a character and has no
// UTF-8 form. We refuse them too, so a manifest we build is one the cluster side builds; the words are the
// WASM scanner's (wasm/yaml/assembly/scalars.ts), so both paths fail alike.
const SURROGATE_ESCAPE = "invalid Unicode escape in a double-quoted scalar, as in kustomize (write the character itself or a \\U escape, not UTF-16 surrogates): ";

/** Offset of the first `\uXXXX` / `\UXXXXXXXX` escape of a surrogate in `text[from, to)`, or -1. */
function surrogateEscape(text: string, from: number, to: number): number {
  for (let i = text.indexOf("\\", from); i >= 0 && i < to; i = text.indexOf("\\", i + 2)) {
    const e = text[i + 1];
    if (e !== "u" && e !== "U") continue;
    const digits = text.slice(i + 2, i + (e === "u" ? 6 : 10));
    if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (e === "u" ? 4 : 8)) continue;
    const cp = parseInt(digits, 16);
    if (cp >= 0xd800 && cp <= 0xdfff) return i;
  }
  return -1;
}

function position(doc: Document.Parsed, offset: number, text: string): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  void doc;
  return [line, offset - start + 1];
}

/** Parses one document's text; `line` is where it starts in the stream (for error positions). */
export function parseFallback(text: string, line: number, limits: FallbackLimits): unknown {
  const docs = parseAllDocuments(text, { schema: "failsafe", customTags, merge: true, uniqueKeys: false, prettyErrors: false });
  const all = Array.isArray(docs) ? docs : [];
  const doc = all.find((d) => d.contents !== null) ?? all[0];
  if (!doc) return null;
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (problem) {
    const [l, c] = problem.linePos?.[0] ? [problem.linePos[0].line, problem.linePos[0].col] : [1, 1];
    throw new FallbackError(problem.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""), l + line - 1, c);
  }
  let bad: FallbackError | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (node.type !== "QUOTE_DOUBLE" || !node.range) return;
      const at = surrogateEscape(text, node.range[0], node.range[1]);
      if (at < 0) return;
      const [l, c] = position(doc, at, text);
      bad ??= new FallbackError(SURROGATE_ESCAPE + text.slice(at, text[at + 1] === "u" ? at + 6 : at + 10), l + line - 1, c);
    },
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) {
          if (isMap(key) || key) {
            bad ??= new FallbackError("complex mapping keys are not supported", line, 1);
          }
          continue;
        }
        if (key.value === "<<" && key.type === "PLAIN") continue; // merge key, resolved by toJS
        const [l, c] = position(doc, key.range?.[0] ?? 0, text);
        if (typeof key.value !== "string") {
          bad ??= new FallbackError(`mapping key is not a string (quote it): ${String(key.source ?? key.value)}`, l + line - 1, c);
        } else if (seen.has(key.value)) {
          bad ??= new FallbackError(`duplicate mapping key ${JSON.stringify(key.value)}`, l + line - 1, c);
        } else seen.add(key.value);
      }
    },
  });
  if (bad) throw bad;
  try {
    return doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (err) {
    throw new FallbackError((err as Error).message.split("\n")[0]!, line, 1);
  }
}
