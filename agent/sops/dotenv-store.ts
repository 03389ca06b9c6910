/**
 * sops's dotenv store: `KEY=value` lines (split at the first `=`, `\n` escapes read as newlines), `#`
 * lines kept as comments, blank lines dropped; the metadata as `sops_…` lines (flatten.ts).
 */
import { goFloat } from "../yaml/go-yaml-v2-scalar.ts";
import { FormatError } from "./json-store.ts";
import { Branch, BinaryString, Comment, SopsTime, type TreeValue } from "./tree.ts";
import { formatFloatF } from "./value-cipher.ts";

export function parseDotenv(text: string): Branch {
  const b = new Branch();
  text.split("\n").forEach((line, i) => {
    if (line === "") return;
    if (line.startsWith("#")) {
      b.items.push({ key: new Comment(line.slice(1)), value: null });
      return;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new FormatError(`invalid dotenv input at line ${i + 1}: no '='`);
    b.items.push({ key: line.slice(0, eq), value: line.slice(eq + 1).replaceAll("\\n", "\n") });
  });
  return b;
}

/** sops's ValToString for the flat formats. */
export function valToString(v: TreeValue): string {
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
    // strconv.FormatFloat(v, 'G', -1, 64), with ".0" added when it would read as an integer.
    const g = goFloat(v).toUpperCase();
    return g.includes(".") || g.includes("E") ? g : `${formatFloatF(v)}.0`;
  }
  if (v instanceof SopsTime) return v.text;
  if (v instanceof BinaryString) return new TextDecoder().decode(v.bytes);
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  throw new FormatError("cannot use complex value in a flat file");
}

export function emitDotenv(b: Branch): string {
  let out = "";
  for (const it of b.items) {
    if (it.key instanceof Comment) {
      out += `#${it.key.value}\n`;
      continue;
    }
    if (it.value instanceof Branch || Array.isArray(it.value)) throw new FormatError(`cannot use complex value in dotenv file; offending key ${it.key}`);
    const value = typeof it.value === "string" ? it.value.replaceAll("\n", "\\n") : valToString(it.value);
    out += `${it.key}=${value}\n`;
  }
  return out;
}
