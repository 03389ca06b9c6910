/**
 * Which null map values were written with no value at all (`key:` or `{key: }`), as against a written
 * null (`key: null`, `~`, `Null`, `NULL`). The parser gives null for both, as JSON has one null; kustomize's
 * merge walker (kyaml) tells them apart by the node's source text: in an object a strategic-merge patch
 * touches it drops the empty ones and keeps the written ones. So the facade records the empty keys of
 * each map, on request, in a side table keyed by the parsed map object. A copy of a map does not carry
 * them, which is right where kustomize round-trips through JSON too (a JSON 6902 patch turns every empty
 * value into a written null). Limits: only maps reached through maps and sequences, not through aliases.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments } from "yaml";

const EMPTY = new WeakMap<object, Set<string>>();

/** The keys of `map` whose value was written empty (its value is null), if the parser recorded any. */
export function emptyNullKeys(map: object): ReadonlySet<string> | undefined {
  return EMPTY.get(map);
}

/** True when `v` holds a null anywhere below a map key: only then can an empty value be there. */
export function holdsNullField(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(holdsNullField);
  if (v === null || typeof v !== "object") return false;
  for (const x of Object.values(v)) if (x === null || holdsNullField(x)) return true;
  return false;
}

/**
 * A quick look at the text, so that only a stream that may hold an empty value is parsed a second time: a
 * key with nothing after it on its line whose next line (comments aside) is not indented past the key, an
 * entry of a flow map with nothing before `,` or `}`, or a `!!null` tag. It may say yes wrongly (inside a
 * block scalar, say), which costs only time; it never says no to an empty value.
 */
export function mayHoldEmptyValue(text: string): boolean {
  if (/:[ \t]*[,}]|!!null/.test(text)) return true;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/:[ \t]*(#.*)?\r?$/.test(line)) continue;
    const keyColumn = /^[ \t]*(?:-[ \t]+)*/.exec(line)![0].length;
    let j = i + 1;
    while (j < lines.length && /^[ \t]*(#.*)?\r?$/.test(lines[j]!)) j++;
    const next = lines[j];
    if (next === undefined) return true;
    const indent = /^[ \t]*/.exec(next)![0].length;
    // A value on the next lines is indented past the key, or is a sequence at the key's own column.
    if (indent > keyColumn || (indent === keyColumn && /^[ \t]*-([ \t]|\r?$)/.test(next))) continue;
    return true;
  }
  return false;
}

/**
 * Records the empty-valued keys of the maps in `values`, the parsed documents of the stream `text` in
 * order (documents that are not a map or a sequence are left out on both sides).
 */
export function recordEmptyNulls(values: readonly unknown[], text: string): void {
  const parsed = parseAllDocuments(text, { schema: "failsafe", merge: true, uniqueKeys: false });
  const nodes = (Array.isArray(parsed) ? parsed : []).map((d) => d.contents).filter((c) => isMap(c) || isSeq(c));
  const objects = values.filter((v) => v !== null && typeof v === "object");
  // A stream the two parsers split differently is left unmarked rather than marked at the wrong places.
  if (nodes.length !== objects.length) return;
  nodes.forEach((node, i) => walk(node, objects[i]));
}

function walk(node: unknown, value: unknown): void {
  if (isAlias(node) || value === null || typeof value !== "object") return;
  if (isSeq(node) && Array.isArray(value)) {
    node.items.forEach((item, i) => walk(item, value[i]));
    return;
  }
  if (!isMap(node) || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  for (const pair of node.items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== "string") continue;
    const k = pair.key.value;
    const v = pair.value;
    const empty = v === null || (isScalar(v) && v.type === "PLAIN" && v.source === "");
    if (empty && obj[k] === null) {
      const keys = EMPTY.get(obj) ?? new Set<string>();
      EMPTY.set(obj, keys.add(k));
    } else walk(v, obj[k]);
  }
}
