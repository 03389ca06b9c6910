/**
 * Drift ignore rules, as Flux's `driftDetection.ignore` / `spec.ignore`: JSON pointers (RFC 6901) of fields
 * to leave alone when detecting drift, optionally limited to objects picked by a target selector (group,
 * version, kind, name and namespace as anchored regular expressions, label and annotation selectors).
 * In a list, a pointer segment is an item index or `*` for every item.
 */
import type { KubeObject } from "../kube/types.ts";
import { splitApiVersion } from "../core/ref.ts";
import { selectorMatches, type ResourceSelector } from "../core/selector.ts";
import type { PointerTrie } from "./fields-v1.ts";

export interface IgnoreRule {
  paths: string[];
  /** Which objects the rule applies to: kustomize's selector, as Flux's drift-ignore target is. */
  target?: ResourceSelector;
}

/** Splits a JSON pointer into unescaped segments; throws on one that does not start with "/". */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`Cannot parse the JSON pointer "${pointer}": it must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** True when the rule's target picks the object (no target picks all). */
export function targets(target: ResourceSelector | undefined, obj: KubeObject): boolean {
  if (!target) return true;
  return selectorMatches(target, {
    ...splitApiVersion(obj.apiVersion ?? ""),
    kind: obj.kind ?? "",
    name: obj.metadata?.name ?? "",
    namespace: obj.metadata?.namespace ?? "",
    labels: obj.metadata?.labels ?? {},
    annotations: obj.metadata?.annotations ?? {},
  });
}

/** The ignored paths for one object as a trie, or undefined when no rule picks it. */
export function ignoreTrie(rules: readonly IgnoreRule[] | undefined, obj: KubeObject): PointerTrie | undefined {
  let root: PointerTrie | undefined;
  for (const rule of rules ?? []) {
    if (!targets(rule.target, obj)) continue;
    for (const p of rule.paths) {
      root ??= { end: false, children: new Map() };
      let node = root;
      for (const seg of parsePointer(p)) {
        let next = node.children.get(seg);
        if (!next) node.children.set(seg, (next = { end: false, children: new Map() }));
        node = next;
      }
      node.end = true;
    }
  }
  return root;
}

/** A copy of `value` without the subtrees the trie names (for diffs and for hashing desired objects). */
export function removeIgnored(value: unknown, trie: PointerTrie | undefined): unknown {
  if (!trie) return value;
  if (trie.end) return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const t = trie.children.get(String(i)) ?? trie.children.get("*");
      if (t?.end) return;
      out.push(t ? removeIgnored(item, t) : item);
    });
    return out;
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const t = trie.children.get(k);
      if (t?.end) continue;
      out[k] = t ? removeIgnored(v, t) : v;
    }
    return out;
  }
  return value;
}
