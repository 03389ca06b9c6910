/**
 * Go's regular expressions (RE2 syntax and semantics) where Flux takes a pattern from the user: Alert
 * inclusion/exclusion lists, sops's encrypted_regex and friends. JavaScript's RegExp differs (lookaround,
 * backreferences, `(?P<name>`, `\z`, `\pL`, flag groups), so patterns go through re2js, a port of RE2.
 */
import { RE2JS } from "re2js";

export const DEFAULTS = {
  /** Compiled patterns kept; the oldest is dropped past this. */
  maxCompiled: 1024,
};

const compiled = new Map<string, RE2JS | Error>();

/** A Go regular expression, compiled once; an invalid one is the Error Go's regexp.Compile gives. */
export function goRegexp(expr: string): RE2JS | Error {
  let re = compiled.get(expr);
  if (!re) {
    try {
      re = RE2JS.compile(expr);
    } catch (err) {
      re = err instanceof Error ? err : new Error(String(err));
    }
    if (compiled.size >= DEFAULTS.maxCompiled) compiled.delete(compiled.keys().next().value!);
    compiled.set(expr, re);
  }
  return re;
}
