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

/**
 * Go's Regexp.ExpandString for the leftmost match of `re` in `src`: `$1`, `$name` and `${name}` name a
 * group (the longest run of letters, digits and `_` is the name, so `$1x` is the group "1x", which is
 * empty), `$$` is a dollar, a malformed `$` stays as it is, and a group that does not exist or did not
 * take part expands to nothing. Undefined when `re` does not match `src`.
 */
export function goExpand(re: RE2JS, template: string, src: string): string | undefined {
  const m = re.matcher(src);
  if (!m.find()) return undefined;
  const names = re.namedGroups() as Record<string, number>;
  const group = (i: number): string => (i <= m.groupCount() ? (m.group(i) ?? "") : "");
  let out = "";
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) return out + rest;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = GROUP_REF.exec(rest);
    if (!ref) {
      out += "$";
      continue;
    }
    const name = ref[1] ?? ref[2]!;
    rest = rest.slice(ref[0].length);
    // A number names a group by index; leading zeros make it a name no group has.
    if (/^[0-9]+$/.test(name)) out += name.length > 1 && name[0] === "0" ? "" : group(Number(name));
    else out += Object.hasOwn(names, name) ? group(names[name]!) : "";
  }
}

const GROUP_REF = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u;
