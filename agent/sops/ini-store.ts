/**
 * sops's INI store (go-ini underneath): each section is a branch of string values, the keys before the
 * first section belong to `DEFAULT`; a `;`/`#` comment above a section or key stays with it (sops lists a
 * key's comment after the key); the metadata is a `[sops]` section of flattened keys with newlines
 * escaped. Written as go-ini writes: `key = value` aligned per section, a blank line after each section,
 * values quoted when they hold newlines, backticks, comment characters or outer spaces.
 */
import { FormatError } from "./json-store.ts";
import { valToString } from "./dotenv-store.ts";
import { Branch, Comment, type TreeItem } from "./tree.ts";

const DEFAULT = "DEFAULT";

function stripCommentChar(c: string): string {
  if (c.startsWith(";")) return c.replace(/^[; ]+/, "");
  if (c.startsWith("#")) return c.replace(/^[# ]+/, "");
  return c;
}

function unquote(v: string): string {
  if (v.length >= 6 && v.startsWith('"""') && v.endsWith('"""')) return v.slice(3, -3);
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("`") && v.endsWith("`")) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  // go-ini cuts an inline comment that follows whitespace.
  const m = /\s[#;]/.exec(v);
  return m ? v.slice(0, m.index).trimEnd() : v;
}

export function parseIni(text: string): Branch {
  const sections: { name: string; comment: string; keys: TreeItem[] }[] = [{ name: DEFAULT, comment: "", keys: [] }];
  let pending: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith(";") || line.startsWith("#")) {
      pending.push(line);
      continue;
    }
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw new FormatError(`unclosed section at line ${i + 1}`);
      const name = line.slice(1, end).trim();
      const existing = name === DEFAULT ? sections[0] : undefined;
      const s = existing ?? { name, comment: "", keys: [] };
      s.comment = pending.join("\n");
      pending = [];
      if (!existing) sections.push(s);
      continue;
    }
    const at = line.search(/[=:]/);
    if (at < 0) throw new FormatError(`invalid INI input at line ${i + 1}: no '=' or ':'`);
    let value = line.slice(at + 1).trim();
    if (value.startsWith('"""') && !(value.length >= 6 && value.endsWith('"""'))) {
      while (++i < lines.length) {
        value += "\n" + lines[i];
        if (lines[i]!.trimEnd().endsWith('"""')) break;
      }
      value = value.trimEnd();
    }
    const section = sections[sections.length - 1]!;
    section.keys.push({ key: unquote(line.slice(0, at).trim()), value: unquote(value) });
    if (pending.length) section.keys.push({ key: new Comment(stripCommentChar(pending.join("\n"))), value: null });
    pending = [];
  }
  return new Branch(
    sections.map((s) => ({
      key: s.name,
      value: new Branch([...(s.comment ? [{ key: new Comment(stripCommentChar(s.comment)), value: null }] : []), ...s.keys]),
    })),
  );
}

function quoteValue(v: string): string {
  if (/[\n`]/.test(v)) return `"""${v}"""`;
  if (/[#;]/.test(v)) return `\`${v}\``;
  if (v.trim() !== v) return `"${v}"`;
  return v;
}

function quoteKey(k: string): string {
  if (/["=:]/.test(k)) return `\`${k}\``;
  if (k.includes("`")) return `"""${k}"""`;
  return k;
}

const commentText = (c: string) => c.split("\n").map((l) => (l.startsWith(";") || l.startsWith("#") ? l : `; ${l}`)).join("\n");

export function emitIni(b: Branch): string {
  let out = "";
  for (const sec of b.items) {
    if (sec.key instanceof Comment) continue;
    if (!(sec.value instanceof Branch)) throw new FormatError("Section values should always be TreeBranches");
    const items = [...sec.value.items];
    let sectionComment = "";
    if (items[0]?.key instanceof Comment) sectionComment = (items.shift()!.key as Comment).value;
    const keys: { key: string; value: string; comment: string }[] = [];
    for (const it of items) {
      if (it.key instanceof Comment) {
        const last = keys[keys.length - 1];
        if (last) last.comment = it.key.value;
      } else keys.push({ key: it.key, value: valToString(it.value), comment: "" });
    }
    if (sec.key === DEFAULT && keys.length === 0) continue;
    if (sectionComment) out += commentText(sectionComment) + "\n";
    if (sec.key !== DEFAULT) out += `[${sec.key}]\n`;
    const width = Math.max(0, ...keys.map((k) => quoteKey(k.key).length));
    for (const k of keys) {
      if (k.comment) out += commentText(k.comment) + "\n";
      out += `${quoteKey(k.key).padEnd(width)} = ${quoteValue(k.value)}\n`;
    }
    out += "\n";
  }
  return out;
}
