/**
 * The user-supplied values of `helm template` (Helm 4.2's cli/values Options.MergeValues, read, not
 * copied): the `-f` files merged in order (each file's documents merged too), then every `--set`, every
 * `--set-string`, every `--set-file` and every `--set-literal`, each group in command-line order, with
 * Helm's error prefixes. `--set-json` is not supported yet. File reads come in as a function, so this
 * stays portable.
 */
import type { Values } from "./chart.ts";
import { parseSet, parseSetFile, parseSetLiteral, parseSetString } from "./strvals.ts";
import { loadValues, mergeMaps } from "./values-yaml.ts";

/** The value options of `helm template`, each list in the order given on the command line. */
export interface ValueOptions {
  /** `-f` files: their name (for errors) and text. */
  valueFiles?: Array<{ name: string; text: string }>;
  values?: string[];
  stringValues?: string[];
  fileValues?: string[];
  literalValues?: string[];
}

/** Builds the user-supplied values as `helm template` does: -f files, then --set, --set-string, --set-file, --set-literal. */
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
