/**
 * Flux's post-build variable substitution (kustomize-controller's `postBuild`), as pure functions:
 * - `envsubst(text, vars, strict)`: the envsubst dialect Flux uses: `${var}`, `${#var}`, case changes
 *   (`^ ^^ , ,,`), substrings (`${var:n}`, `${var:n:len}`), prefix/suffix removal (`# ## % %%` with glob
 *   patterns), defaults (`- := =` with or without the colon), replacement (`/ // /# /%`). Plain `$var`
 *   stays as written; `$${var}` writes a literal `${var}`. An undefined variable becomes "" unless
 *   `strict`, where one without a default is an error.
 * - `substituteResource`: runs it over one resource's YAML, skipping resources labelled or annotated
 *   `kustomize.toolkit.fluxcd.io/substitute: disabled`, and only when the variable map is not empty
 *   (Flux's quirk: with no variables even `${x:=d}` stays literal).
 * - `mergeVars`: substituteFrom sources in order (later wins), then inline `substitute` over all;
 *   newlines are stripped from values and names must match Flux's regex.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { curId, formatId, isObject, type KObject } from "./resource.ts";

export const SUBSTITUTE_DISABLED = "kustomize.toolkit.fluxcd.io/substitute";
const NAME_RE = /^[_\p{L}][_\p{L}\p{Nd}]*$/u;
const NAME_CHARS = /[_\p{L}\p{Nd}]/u;

export class SubstitutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubstitutionError";
  }
}

/** Turns a shell glob (`*`, `?`, `[...]`) into a regular expression source. */
function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return out;
}

function trimMatch(value: string, pattern: string, fromStart: boolean, longest: boolean): string {
  const re = new RegExp(`^(?:${globToRegex(pattern)})$`, "s");
  const n = value.length;
  if (fromStart) {
    const range = longest ? [...Array(n + 1).keys()].reverse() : [...Array(n + 1).keys()];
    for (const i of range) if (re.test(value.slice(0, i))) return value.slice(i);
  } else {
    const range = longest ? [...Array(n + 1).keys()] : [...Array(n + 1).keys()].reverse();
    for (const i of range) if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

function replaceMatch(value: string, pattern: string, repl: string, mode: "/" | "//" | "/#" | "/%"): string {
  const src = globToRegex(pattern);
  if (mode === "/#") return value.replace(new RegExp(`^(?:${src})`, "s"), () => repl);
  if (mode === "/%") return value.replace(new RegExp(`(?:${src})$`, "s"), () => repl);
  const re = new RegExp(src, mode === "//" ? "gs" : "s");
  return value.replace(re, () => repl);
}

/** Index of the `}` closing the `${` whose body starts at `start`. */
function closing(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

function evalExpr(body: string, vars: Record<string, string>, strict: boolean): string {
  if (body.startsWith("#") && body.length > 1) {
    const v = vars[body.slice(1)];
    if (v === undefined && strict) throw new SubstitutionError(`variable not set (strict mode): "${body.slice(1)}"`);
    return String([...(v ?? "")].length);
  }
  let i = 0;
  while (i < body.length && NAME_CHARS.test(body[i]!)) i++;
  const name = body.slice(0, i);
  const op = body.slice(i);
  if (name === "") throw new SubstitutionError(`bad substitution: "\${${body}}"`);
  const set = Object.hasOwn(vars, name);
  const value = set ? vars[name]! : "";
  const sub = (t: string) => envsubst(t, vars, strict);
  const undefinedStrict = () => {
    if (!set && strict) throw new SubstitutionError(`variable not set (strict mode): "${name}"`);
  };
  if (op === "") {
    undefinedStrict();
    return value;
  }
  for (const d of [":-", ":=", "-", "="]) {
    if (op.startsWith(d)) {
      const empty = d.startsWith(":") ? value === "" : !set;
      if (!empty) return value;
      const def = sub(op.slice(d.length));
      if (d.endsWith("=")) vars[name] = def;
      return def;
    }
  }
  undefinedStrict();
  if (op === "^^") return value.toUpperCase();
  if (op === ",,") return value.toLowerCase();
  if (op === "^") return value.charAt(0).toUpperCase() + value.slice(1);
  if (op === ",") return value.charAt(0).toLowerCase() + value.slice(1);
  if (op.startsWith("##")) return trimMatch(value, sub(op.slice(2)), true, true);
  if (op.startsWith("#")) return trimMatch(value, sub(op.slice(1)), true, false);
  if (op.startsWith("%%")) return trimMatch(value, sub(op.slice(2)), false, true);
  if (op.startsWith("%")) return trimMatch(value, sub(op.slice(1)), false, false);
  if (op.startsWith("/")) {
    const mode = op.startsWith("//") ? "//" : op.startsWith("/#") ? "/#" : op.startsWith("/%") ? "/%" : "/";
    const rest = op.slice(mode.length);
    let slash = -1;
    for (let j = 0; j < rest.length; j++) {
      if (rest[j] === "\\") j++;
      else if (rest[j] === "/") {
        slash = j;
        break;
      }
    }
    const pattern = slash < 0 ? rest : rest.slice(0, slash);
    const repl = slash < 0 ? "" : rest.slice(slash + 1);
    return replaceMatch(value, sub(pattern), sub(repl), mode);
  }
  const m = op.match(/^:\s*(-?\d+)(?::\s*(-?\d+))?$/);
  if (m) {
    const chars = [...value];
    let off = Number(m[1]);
    if (off < 0) off = Math.max(0, chars.length + off);
    const end = m[2] === undefined ? chars.length : Number(m[2]) < 0 ? chars.length + Number(m[2]) : off + Number(m[2]);
    return chars.slice(off, Math.max(off, end)).join("");
  }
  throw new SubstitutionError(`bad substitution: "\${${body}}"`);
}

/** Expands `${...}` expressions in `text`. `vars` may gain entries through `${v:=d}`. */
export function envsubst(text: string, vars: Record<string, string>, strict = false): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    if (text[dollar + 1] === "$" && text[dollar + 2] === "{") {
      // `$${var}` is the escape for a literal `${var}`.
      const end = closing(text, dollar + 3);
      if (end < 0) {
        out += text.slice(dollar + 1);
        break;
      }
      out += text.slice(dollar + 1, end + 1);
      i = end + 1;
    } else if (text[dollar + 1] === "{") {
      const end = closing(text, dollar + 2);
      if (end < 0) throw new SubstitutionError(`bad substitution: missing "}" after "${text.slice(dollar, dollar + 20)}"`);
      out += evalExpr(text.slice(dollar + 2, end), vars, strict);
      i = end + 1;
    } else {
      out += "$";
      i = dollar + 1;
    }
  }
  return out;
}

/** Merges substituteFrom data (in order, later wins) and the inline map (wins over all). */
export function mergeVars(from: Record<string, string>[], inline: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of [...from, inline ?? {}]) {
    for (const [k, v] of Object.entries(src)) {
      if (!NAME_RE.test(k)) throw new SubstitutionError(`'${k}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`);
      out[k] = String(v).replaceAll("\n", "");
    }
  }
  return out;
}

/** True when the resource opts out of substitution. */
export function substitutionDisabled(obj: KObject): boolean {
  const m = obj.metadata;
  const l = isObject(m?.labels) ? m.labels : {};
  const a = isObject(m?.annotations) ? m.annotations : {};
  return l[SUBSTITUTE_DISABLED] === "disabled" || a[SUBSTITUTE_DISABLED] === "disabled";
}

/**
 * Substitutes variables in one resource by rendering it with `emit`, expanding, and parsing it back
 * (so a value may expand into YAML structure, as in Flux). Returns the resource unchanged when skipped.
 */
export function substituteResource(obj: KObject, vars: Record<string, string>, emit: (objs: unknown[]) => string, strict = false): KObject {
  if (Object.keys(vars).length === 0 || substitutionDisabled(obj)) return obj;
  const text = emit([obj]);
  if (!text.includes("${")) return obj;
  let expanded: string;
  try {
    expanded = envsubst(text, { ...vars }, strict);
  } catch (err) {
    throw new SubstitutionError(`${formatId(curId(obj))} var substitution failed: ${(err as Error).message}`);
  }
  const docs = parseDocuments(expanded, formatId(curId(obj)));
  if (docs.length !== 1 || !isObject(docs[0])) throw new SubstitutionError(`${formatId(curId(obj))} var substitution failed: the result is not one object`);
  return docs[0] as KObject;
}
