/**
 * Writes a sops tree as sops's YAML store does through go-yaml v3's encoder: block style, `indent`
 * spaces (4 by default), sequences indented under their key, a mapping in a sequence item starting on
 * the dash's line, nested levels at the next multiple of the indent (go-yaml v3's rule), strings plain
 * when they read back as strings and otherwise double-quoted (single-quoted when only the YAML syntax
 * forbids plain), multi-line strings as literal blocks, no line folding, and comments as sops places
 * them: head comments above their key, inline ones after the value, trailing ones below the last item.
 */
import { analyze, goFloat, resolvesToString } from "../yaml/go-yaml-v2-scalar.ts";
import { Branch, BinaryString, Comment, SopsTime, type TreeValue } from "./tree.ts";

const isOldBool = (s: string) => /^(y|Y|yes|Yes|YES|on|On|ON|n|N|no|No|NO|off|Off|OFF)$/.test(s);
const SIMPLE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function isPrintable(c: number): boolean {
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

const ESCAPES: Record<number, string> = {
  0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
  0x22: '"', 0x5c: "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (isPrintable(c) && c !== 0x0a && c !== 0x22 && c !== 0x5c && c !== 0x85 && c !== 0xa0 && c !== 0xfeff) out += ch;
    else if (ESCAPES[c] !== undefined) out += "\\" + ESCAPES[c];
    else if (c <= 0xff) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
    else if (c <= 0xffff) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
    else out += "\\U" + c.toString(16).toUpperCase().padStart(8, "0");
  }
  return out + '"';
}

type StringForm = { inline: string } | { block: string; header: string };

/** go-yaml v3's stringv plus the emitter's style selection, for a string at block context. */
function stringForm(s: string, simpleKey: boolean): StringForm {
  // Most keys and values: a letter, then nothing YAML gives a meaning to; only the words that read as
  // another type need quotes.
  if (SIMPLE.test(s)) return { inline: resolvesToString(s) && !isOldBool(s) ? s : doubleQuoted(s) };
  const cps = Array.from(s, (ch) => ch.codePointAt(0)!);
  const a = analyze(cps);
  const resolvesAsString = s !== "" && resolvesToString(s) && !isOldBool(s) && !BASE60.test(s);
  if (s.includes("\n") && !simpleKey) {
    if (a.blockAllowed) return { block: s, header: blockHeader(s) };
    return { inline: doubleQuoted(s) };
  }
  if (resolvesAsString && !a.multiline) {
    if (a.blockPlainAllowed) return { inline: s };
    if (a.singleQuotedAllowed) return { inline: `'${s.replaceAll("'", "''")}'` };
  }
  return { inline: doubleQuoted(s) };
}

function blockHeader(s: string): string {
  let h = "|";
  if (s.startsWith(" ") || s.startsWith("\n")) h += "INDENT";
  if (!s.endsWith("\n")) h += "-";
  else if (s.length === 1 || s.endsWith("\n\n")) h += "+";
  return h;
}

function scalarForm(v: TreeValue, simpleKey = false): StringForm {
  if (v === null) return { inline: "null" };
  if (typeof v === "string") return stringForm(v, simpleKey);
  if (typeof v === "bigint") return { inline: v.toString() };
  if (typeof v === "number") return { inline: goFloat(v) };
  if (typeof v === "boolean") return { inline: String(v) };
  if (v instanceof SopsTime) return { inline: v.text };
  const bytes = v instanceof BinaryString ? v.bytes : (v as Uint8Array);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return { inline: `!!binary ${btoa(bin)}` };
}

export class YamlV3Emitter {
  private readonly lines: string[] = [];
  constructor(private readonly step: number) {}

  /** go-yaml v3: nested levels align to the next multiple of the indent. */
  private next(indent: number): number {
    return this.step * Math.floor((indent + this.step) / this.step);
  }

  private comments(list: string[], indent: number): void {
    for (const c of list) this.lines.push(`${" ".repeat(indent)}#${c}`);
    list.length = 0;
  }

  /**
   * Writes `prefix` (e.g. `key:` or `-`) followed by the value; `col` is where the prefix starts,
   * `inner` the indentation of what nests under it.
   */
  private entry(prefix: string, value: TreeValue, col: number, inner: number, inline: string[], firstLine?: string): void {
    const lead = firstLine ?? " ".repeat(col);
    const tail = inline.length ? ` #${inline.join(" #")}` : "";
    inline.length = 0;
    if (value instanceof Branch && value.items.some((i) => typeof i.key === "string")) {
      if (prefix === "-") {
        this.branch(value, col + 2, `${lead}- `);
      } else {
        this.lines.push(`${lead}${prefix}${tail}`);
        this.branch(value, inner);
      }
      return;
    }
    if (Array.isArray(value) && value.some((x) => !(x instanceof Comment))) {
      if (prefix === "-") {
        this.sequence(value, col + 2, `${lead}- `);
      } else {
        this.lines.push(`${lead}${prefix}${tail}`);
        this.sequence(value, inner);
      }
      return;
    }
    if (value instanceof Branch || Array.isArray(value)) {
      const trailing = value instanceof Branch ? value.items.map((i) => (i.key as Comment).value) : (value as Comment[]).map((c) => c.value);
      this.lines.push(`${lead}${prefix} ${value instanceof Branch ? "{}" : "[]"}${tail}`);
      this.comments(trailing, col);
      return;
    }
    const form = scalarForm(value);
    if ("inline" in form) {
      this.lines.push(`${lead}${prefix} ${form.inline}${tail}`);
      return;
    }
    const blockIndent = prefix === "-" ? col + 2 : inner;
    const header = form.header.replace("INDENT", String(this.step));
    this.lines.push(`${lead}${prefix} ${header}${tail}`);
    const body = form.block.endsWith("\n") ? form.block.slice(0, -1) : form.block;
    for (const line of body.split("\n")) this.lines.push(line === "" ? "" : " ".repeat(blockIndent) + line);
  }

  branch(b: Branch, indent: number, firstLine?: string): void {
    const head: string[] = [];
    const inline: string[] = [];
    let first = firstLine;
    for (const it of b.items) {
      if (it.key instanceof Comment) {
        (it.key.inline ? inline : head).push(it.key.value);
        continue;
      }
      if (first !== undefined && head.length) {
        // A comment cannot sit between a dash and its mapping's first key: put it above the dash.
        const dash = first.length - 2;
        this.comments(head, dash);
      }
      this.comments(head, indent);
      const key = scalarForm(it.key, true);
      const text = "inline" in key ? key.inline : doubleQuoted(it.key);
      this.entry(`${text}:`, it.value, indent, this.next(indent), inline, first);
      first = undefined;
    }
    this.comments([...head, ...inline], indent);
  }

  sequence(items: TreeValue[], indent: number, firstLine?: string): void {
    const head: string[] = [];
    const inline: string[] = [];
    let first = firstLine;
    for (const item of items) {
      if (item instanceof Comment) {
        (item.inline ? inline : head).push(item.value);
        continue;
      }
      this.comments(head, indent);
      this.entry("-", item, indent, indent + 2, inline, first);
      first = undefined;
    }
    this.comments([...head, ...inline], indent);
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

/** The documents as sops writes them: `---` between documents, `{}` for an empty one. */
export function emitYamlDocuments(docs: readonly Branch[], indent = 4): string {
  return docs
    .map((doc) => {
      if (doc.items.length === 0) return "{}\n";
      const e = new YamlV3Emitter(indent);
      e.branch(doc, 0);
      return e.text();
    })
    .join("---\n");
}
