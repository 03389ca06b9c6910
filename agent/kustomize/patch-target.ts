/**
 * Which resources a patch or replacement selects: group, version, kind, name and namespace as anchored
 * regular expressions, plus Kubernetes label and annotation selectors (`a=b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`).
 */
import type { Selector } from "./kustomization-file.ts";
import { curId, isObject, type Resource } from "./resource.ts";

const regexCache = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) regexCache.set(pattern, (re = new RegExp(`^(?:${pattern})$`)));
  return re;
}

type Requirement = (labels: Record<string, unknown>) => boolean;

/** Parses a Kubernetes selector string into a predicate over a label (or annotation) map. */
export function parseSelector(sel: string): Requirement {
  const reqs: Requirement[] = [];
  // Split on commas that are not inside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of sel) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const key = m[1]!;
      const vals = new Set(m[3]!.split(",").map((s) => s.trim()).filter(Boolean));
      const neg = m[2] === "notin";
      reqs.push((l) => (neg ? !(key in l) || !vals.has(String(l[key])) : key in l && vals.has(String(l[key]))));
    } else if ((m = p.match(/^([^\s!=]+)\s*!=\s*(\S*)$/))) {
      const [key, val] = [m[1]!, m[2]!];
      reqs.push((l) => !(key in l) || String(l[key]) !== val);
    } else if ((m = p.match(/^([^\s!=]+)\s*==?\s*(\S*)$/))) {
      const [key, val] = [m[1]!, m[2]!];
      reqs.push((l) => key in l && String(l[key]) === val);
    } else if ((m = p.match(/^!\s*(\S+)$/))) {
      const key = m[1]!;
      reqs.push((l) => !(key in l));
    } else if ((m = p.match(/^(\S+)$/))) {
      const key = m[1]!;
      reqs.push((l) => key in l);
    } else throw new Error(`Cannot parse selector "${sel}": bad requirement "${p}"`);
  }
  return (l) => reqs.every((r) => r(l));
}

/** True when the selector picks the resource (by its current id). */
export function selects(sel: Selector, res: Resource): boolean {
  const id = curId(res.obj);
  const checks: [string | undefined, string][] = [
    [sel.group, id.group],
    [sel.version, id.version],
    [sel.kind, id.kind],
    [sel.name, id.name],
    [sel.namespace, id.namespace],
  ];
  for (const [pattern, value] of checks) {
    if (pattern !== undefined && pattern !== "" && !anchored(pattern).test(value)) return false;
  }
  const m = res.obj.metadata;
  if (sel.labelSelector && !parseSelector(sel.labelSelector)(isObject(m?.labels) ? m.labels : {})) return false;
  if (sel.annotationSelector && !parseSelector(sel.annotationSelector)(isObject(m?.annotations) ? m.annotations : {})) return false;
  return true;
}
