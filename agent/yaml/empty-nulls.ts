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
