/**
 * The user-supplied values of `helm template` (Helm 4.2's cli/values Options.MergeValues, read, not
 * copied): the `-f` files merged in order (each file's documents merged too), then every `--set-json`
 * (a whole JSON object is merged like a file, `a.b=<json>` set like --set), every `--set`, every
 * `--set-string`, every `--set-file` and every `--set-literal`, each group in command-line order, with
 * Helm's error prefixes. File reads come in as a function, so this stays portable.
 */
import type { Values } from "./chart.ts";
import { parseSet, parseSetFile, parseSetJson, parseSetLiteral, parseSetString } from "./strvals.ts";
import { loadValues, mergeMaps } from "./values-yaml.ts";

/** The value options of `helm template`, each list in the order given on the command line. */
export interface ValueOptions {
  /** `-f` files: their name (for errors) and text. */
  valueFiles?: Array<{ name: string; text: string }>;
  jsonValues?: string[];
  values?: string[];
  stringValues?: string[];
  fileValues?: string[];
  literalValues?: string[];
}

/** Builds the user-supplied values as `helm template` does: -f files, then --set-json, --set, --set-string, --set-file, --set-literal. */
export function mergeValueOptions(options: ValueOptions, readFile: (path: string) => string = noFiles): Values {
  let base: Values = {};
  for (const f of options.valueFiles ?? []) {
    let doc: Values;
    try {
      doc = loadValues(f.text, f.name);
    } catch (err) {
      throw new Error(`failed to parse ${f.name}: ${(err as Error).message}`, { cause: err });
    }
    base = mergeMaps(base, doc);
  }
  for (const value of options.jsonValues ?? []) {
    const trimmed = value.trim();
    if (trimmed.startsWith("{")) {
      // A whole object merges as a values file does; Helm reports the value, not the JSON error.
      let doc: unknown;
      try {
        doc = JSON.parse(trimmed);
      } catch (err) {
        throw new Error(`failed parsing --set-json data JSON: ${value}`, { cause: err });
      }
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`failed parsing --set-json data JSON: ${value}`);
      base = mergeMaps(base, doc as Values);
      continue;
    }
    try {
      parseSetJson(value, base);
    } catch (err) {
      throw new Error(`failed parsing --set-json data ${value}`, { cause: err });
    }
  }
  const steps: Array<[string[] | undefined, string, (s: string) => void]> = [
    [options.values, "--set", (s) => parseSet(s, base)],
    [options.stringValues, "--set-string", (s) => parseSetString(s, base)],
    [options.fileValues, "--set-file", (s) => parseSetFile(s, readFile, base)],
    [options.literalValues, "--set-literal", (s) => parseSetLiteral(s, base)],
  ];
  for (const [list, flag, apply] of steps) {
    for (const s of list ?? []) {
      try {
        apply(s);
      } catch (err) {
        throw new Error(`failed parsing ${flag} data: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  return base;
}

function noFiles(path: string): string {
  throw new Error(`open ${path}: no file reader given`);
}
