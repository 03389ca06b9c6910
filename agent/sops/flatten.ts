/**
 * sops's flattening of the metadata block for the flat formats: dotenv keeps it as `sops_<path>` lines
 * and INI as keys of a `[sops]` section, a path joining map keys with `__map_` and list indexes with
 * `__list_<i>` (`sops_age__list_0__map_enc`). Keys come out sorted, as sops sorts them.
 */
import { Branch, Comment, type TreeItem, type TreeValue } from "./tree.ts";
import { MetadataError } from "./metadata.ts";

const MAP = "__map_";
const LIST = "__list_";

/** The branch's leaves under flat keys, with `prefix` before each. */
export function flattenBranch(b: Branch, prefix: string): TreeItem[] {
  const out: TreeItem[] = [];
  const seen = new Set<string>();
  const descend = (v: TreeValue, key: string) => {
    if (v instanceof Branch) {
      for (const it of v.items) if (typeof it.key === "string") descend(it.value, key + MAP + it.key);
      return;
    }
    if (Array.isArray(v)) {
      v.filter((x) => !(x instanceof Comment)).forEach((x, i) => descend(x, key + LIST + i));
      return;
    }
    if (seen.has(key)) throw new MetadataError(`Found key collision ${JSON.stringify(key)} while flattening`);
    seen.add(key);
    out.push({ key, value: v });
  };
  for (const it of sortedItems(b)) descend(it.value, prefix + it.key);
  return out;
}

/** sops serializes metadata through a Go map, so every level is sorted by key. */
function sortedItems(b: Branch): (TreeItem & { key: string })[] {
  return (b.items.filter((i) => typeof i.key === "string") as (TreeItem & { key: string })[]).map((i) => ({
    key: i.key,
    value: sortDeep(i.value),
  })).sort((a, c) => (a.key < c.key ? -1 : a.key > c.key ? 1 : 0));
}

function sortDeep(v: TreeValue): TreeValue {
  if (v instanceof Branch) return new Branch(sortedItems(v));
  if (Array.isArray(v)) return v.map(sortDeep);
  return v;
}

type Node = { value?: TreeValue; keys?: Map<string, Node>; indexes?: Map<number, Node> };

function tokens(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let rest = path;
  let kind: "first" | "map" | "list" = "first";
  for (;;) {
    const m = rest.indexOf(MAP);
    const l = rest.indexOf(LIST);
    const cut = [m, l].filter((x) => x >= 0).sort((a, b) => a - b)[0];
    const part = cut === undefined ? rest : rest.slice(0, cut);
    out.push(kind === "list" ? Number.parseInt(part, 10) || 0 : part);
    if (cut === undefined) return out;
    kind = cut === m ? "map" : "list";
    rest = rest.slice(cut + (kind === "map" ? MAP.length : LIST.length));
  }
}

/** The nested metadata branch from its flat keys (the prefix already removed). */
export function unflattenItems(items: readonly TreeItem[]): Branch {
  const root: Node = {};
  for (const it of items) {
    if (typeof it.key !== "string") continue;
    let n = root;
    for (const t of tokens(it.key)) {
      if (typeof t === "number") {
        n.indexes ??= new Map();
        if (!n.indexes.has(t)) n.indexes.set(t, {});
        n = n.indexes.get(t)!;
      } else {
        n.keys ??= new Map();
        if (!n.keys.has(t)) n.keys.set(t, {});
        n = n.keys.get(t)!;
      }
    }
    if (n.value !== undefined) throw new MetadataError(`Error while unflattening ${JSON.stringify(it.key)}: Duplicate value`);
    n.value = it.value;
  }
  const convert = (n: Node): TreeValue => {
    const kinds = Number(n.value !== undefined) + Number((n.keys?.size ?? 0) > 0) + Number((n.indexes?.size ?? 0) > 0);
    if (kinds > 1) throw new MetadataError("Error while unflattening: Type mismatch");
    if (n.value !== undefined) return n.value;
    if (n.indexes?.size) {
      const max = Math.max(...n.indexes.keys());
      if (Math.min(...n.indexes.keys()) !== 0 || max + 1 !== n.indexes.size) throw new MetadataError("Error while unflattening: Incomplete list");
      return Array.from({ length: max + 1 }, (_, i) => convert(n.indexes!.get(i)!));
    }
    return new Branch([...(n.keys ?? new Map<string, Node>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, v]) => ({ key, value: convert(v) })));
  };
  return convert(root) as Branch;
}
