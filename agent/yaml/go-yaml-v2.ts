/**
 * YAML text byte for byte as go-yaml v2 (v2.4, the `go.yaml.in/yaml/v2` fork Flux uses) encodes a
 * JSON-like value whose maps are already in the order wanted (go-yaml's MapSlice): two-space indentation,
 * sequences under a key not indented, `{}`/`[]` for empty collections, strings plain, single-quoted,
 * double-quoted or literal by go-yaml's own rules, and long plain or quoted strings folded at spaces past
 * column 80, as its emitter does by default. Flux hashes this text (chartutil.DigestValues gives
 * status.history[].configDigest), so it has to match exactly; emit.ts writes kubectl's style instead.
 *
 * Numbers follow sigs.k8s.io/yaml's JSONObjectToYAMLObject then go-yaml: an integral number is an int,
 * anything else a float64 in Go's shortest 'g' format (`1.5e+06`, `1e-05`). A lone UTF-16 surrogate is
 * written as U+FFFD, as Go's JSON decoder would have read it. Limits: map keys must be strings; no
 * anchors, tags or flow style beyond empty collections (go-yaml writes none for such values).
 */

import { analyze, goNumber, isBreak, isPrintable, resolvesToString, wellFormed, type Style } from "./go-yaml-v2-scalar.ts";

export type YamlV2Value = null | boolean | number | string | YamlV2Value[] | YamlV2Map;
/** A map in the order its keys are written (go-yaml's MapSlice). */
export type YamlV2Map = { readonly entries: ReadonlyArray<readonly [string, YamlV2Value]> };

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

class Emitter {
  #out: string[] = [];
  #column = 0;
  #indent = -1;
  #indents: number[] = [];
  #whitespace = true;
  #indention = true;
  #flowLevel = 0;

  text(): string {
    return this.#out.join("");
  }

  #put(s: string): void {
    this.#out.push(s);
    this.#column++;
  }
  #putBreak(): void {
    this.#out.push("\n");
    this.#column = 0;
  }
  #writeIndent(): void {
    const indent = Math.max(this.#indent, 0);
    if (!this.#indention || this.#column > indent || (this.#column === indent && !this.#whitespace)) this.#putBreak();
    while (this.#column < indent) this.#put(" ");
    this.#whitespace = true;
    this.#indention = true;
  }
  #indicator(s: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.#whitespace) this.#put(" ");
    for (const ch of s) this.#put(ch);
    this.#whitespace = isWhitespace;
    this.#indention = this.#indention && isIndention;
  }
  #increaseIndent(flow: boolean, indentless: boolean): void {
    this.#indents.push(this.#indent);
    if (this.#indent < 0) this.#indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.#indent += BEST_INDENT;
  }
  #popIndent(): void {
    this.#indent = this.#indents.pop()!;
  }

  /** `mapping`: a mapping value or key; `simpleKey`: written as a simple key. */
  node(v: YamlV2Value, mapping: boolean, simpleKey: boolean): void {
    if (v === null) return this.scalar("null", "plain", simpleKey);
    if (typeof v === "boolean") return this.scalar(String(v), "plain", simpleKey);
    if (typeof v === "number") return this.scalar(goNumber(v), "plain", simpleKey);
    if (typeof v === "string") return this.string(v, simpleKey);
    if (Array.isArray(v)) return this.sequence(v, mapping);
    return this.mapping(v);
  }

  string(s: string, simpleKey: boolean): void {
    const text = wellFormed(s);
    const style: Style = text.includes("\n") ? "literal" : resolvesToString(text) ? "plain" : "double";
    this.scalar(text, style, simpleKey);
  }

  scalar(text: string, requested: Style, simpleKey: boolean, cps = [...text].map((c) => c.codePointAt(0)!), a = analyze(cps)): void {
    let style = requested;
    if (simpleKey && a.multiline) style = "double";
    if (style === "plain" && (!a.blockPlainAllowed || (cps.length === 0 && (this.#flowLevel > 0 || simpleKey)))) style = "single";
    if (style === "single" && !a.singleQuotedAllowed) style = "double";
    if (style === "literal" && (!a.blockAllowed || this.#flowLevel > 0 || simpleKey)) style = "double";
    this.#increaseIndent(true, false);
    const allowBreaks = !simpleKey;
    if (style === "plain") this.#plain(cps, allowBreaks);
    else if (style === "single") this.#single(cps, allowBreaks);
    else if (style === "double") this.#double(cps, allowBreaks);
    else this.#literal(cps);
    this.#popIndent();
  }

  #plain(cps: number[], allowBreaks: boolean): void {
    if (!this.#whitespace) this.#put(" ");
    let spaces = false;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.#column > BEST_WIDTH && cps[i + 1] !== 0x20) this.#writeIndent();
        else this.#put(" ");
        spaces = true;
      } else {
        this.#put(String.fromCodePoint(c));
        this.#indention = false;
        spaces = false;
      }
    }
    this.#whitespace = false;
    this.#indention = false;
  }

  #single(cps: number[], allowBreaks: boolean): void {
    this.#indicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.#column > BEST_WIDTH && i > 0 && i < cps.length - 1 && cps[i + 1] !== 0x20) this.#writeIndent();
        else this.#put(" ");
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.#putBreak();
        this.#writeBreak(c);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.#writeIndent();
        if (c === 0x27) this.#put("'");
        this.#put(String.fromCodePoint(c));
        this.#indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.#indicator("'", false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #double(cps: number[], allowBreaks: boolean): void {
    this.#indicator('"', true, false, false);
    let spaces = false;
    // go-yaml's is_bom looks at the value's first bytes whatever the index, so a value that starts with
    // U+FEFF has every character escaped (`\uFEFF\x77...`), spaces included, and is never folded.
    const bom = cps[0] === 0xfeff;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (bom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        this.#put("\\");
        const short = DOUBLE_ESCAPES.get(c);
        if (short) this.#put(short);
        else {
          const [letter, width] = c <= 0xff ? ["x", 2] : c <= 0xffff ? ["u", 4] : ["U", 8];
          this.#put(letter);
          for (const d of c.toString(16).toUpperCase().padStart(width, "0")) this.#put(d);
        }
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.#column > BEST_WIDTH && i > 0 && i < cps.length - 1) {
          this.#writeIndent();
          if (cps[i + 1] === 0x20) this.#put("\\");
        } else this.#put(" ");
        spaces = true;
      } else {
        this.#put(String.fromCodePoint(c));
        spaces = false;
      }
    }
    this.#indicator('"', false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #literal(cps: number[]): void {
    this.#indicator("|", true, false, false);
    const last = cps.length - 1;
    if (cps[0] === 0x20 || isBreak(cps[0])) this.#indicator(String(BEST_INDENT), false, false, false);
    const chomp = cps.length === 0 || !isBreak(cps[last]) ? "-" : last === 0 || isBreak(cps[last - 1]) ? "+" : "";
    if (chomp) this.#indicator(chomp, false, false, false);
    this.#putBreak();
    this.#indention = true;
    this.#whitespace = true;
    let breaks = true;
    for (const c of cps) {
      if (isBreak(c)) {
        this.#writeBreak(c);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.#writeIndent();
        this.#put(String.fromCodePoint(c));
        this.#indention = false;
        breaks = false;
      }
    }
  }

  #writeBreak(c: number): void {
    if (c === 0x0a) this.#putBreak();
    else {
      this.#out.push(String.fromCodePoint(c));
      this.#column = 0;
    }
  }

  sequence(items: YamlV2Value[], mapping: boolean): void {
    if (items.length === 0) return this.#emptyFlow("[", "]");
    this.#increaseIndent(false, mapping && !this.#indention);
    for (const item of items) {
      this.#writeIndent();
      this.#indicator("-", true, false, true);
      this.node(item, false, false);
    }
    this.#popIndent();
  }

  mapping(m: YamlV2Map): void {
    if (m.entries.length === 0) return this.#emptyFlow("{", "}");
    this.#increaseIndent(false, false);
    for (const [key, value] of m.entries) {
      this.#writeIndent();
      const text = wellFormed(key);
      const cps = [...text].map((c) => c.codePointAt(0)!);
      const a = analyze(cps);
      const simple = !a.multiline && new TextEncoder().encode(text).length <= 128;
      if (simple) {
        this.string(text, true);
        this.#indicator(":", false, false, false);
      } else {
        this.#indicator("?", true, false, true);
        this.string(text, false);
        this.#writeIndent();
        this.#indicator(":", true, false, true);
      }
      this.node(value, true, false);
    }
    this.#popIndent();
  }

  #emptyFlow(open: string, close: string): void {
    this.#indicator(open, true, true, false);
    this.#increaseIndent(true, false);
    this.#popIndent();
    this.#indicator(close, false, false, false);
  }

  end(): void {
    this.#writeIndent();
  }
}

const DOUBLE_ESCAPES = new Map<number, string>([
  [0x00, "0"], [0x07, "a"], [0x08, "b"], [0x09, "t"], [0x0a, "n"], [0x0b, "v"], [0x0c, "f"], [0x0d, "r"],
  [0x1b, "e"], [0x22, '"'], [0x5c, "\\"], [0x85, "N"], [0xa0, "_"], [0x2028, "L"], [0x2029, "P"],
]);

/** One YAML document as go-yaml v2's Encoder writes it for `value` (no `---`, a final newline). */
export function encodeYamlV2(value: YamlV2Value): string {
  const e = new Emitter();
  e.node(value, false, false);
  e.end();
  return e.text();
}

/** Go's `<` on strings: UTF-8 byte order (UTF-16 order differs past U+FFFF). */
function byteLess(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * A JSON value as go-yaml input with every map's keys in Go's string order, as sigs.k8s.io/yaml's
 * JSONObjectToYAMLObject followed by fluxcd/pkg chartutil's SortMapSlice gives it.
 */
export function sortedYamlV2(value: unknown): YamlV2Value {
  if (Array.isArray(value)) return value.map(sortedYamlV2);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byteLess(a, b))
      .map(([k, v]) => [k, sortedYamlV2(v)] as const);
    return { entries };
  }
  if (value === undefined) return null;
  return value as YamlV2Value;
}
