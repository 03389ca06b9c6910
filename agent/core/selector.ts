/**
 * Which Kubernetes objects a selector picks, as kustomize's `Selector` (and Flux's drift-ignore
 * `target`, the same type) defines it: group, version, kind, name and namespace as anchored regular
 * expressions, plus label and annotation selectors (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`). Here, not in agent/kustomize, because the drift detector selects objects the same way and
 * should not depend on the kustomize engine. Pure: the caller says where each field comes from.
 */

export interface ResourceSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** The parts of an object a selector looks at ("" for a missing field: the core group, no namespace). */
export interface SelectableObject {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  labels: Record<string, unknown>;
  annotations: Record<string, unknown>;
}

// Selectors are matched against every object of a build; compile each pattern once.
const regexCache = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) regexCache.set(pattern, (re = new RegExp(`^(?:${pattern})$`)));
  return re;
}

type Requirement = (labels: Record<string, unknown>) => boolean;

/** Parses a Kubernetes label (or annotation) selector into a predicate over a label map. */
export function parseLabelSelector(sel: string): Requirement {
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

/** True when the selector picks the object; unset and empty fields pick every object. */
export function selectorMatches(sel: ResourceSelector, obj: SelectableObject): boolean {
  const checks: [string | undefined, string][] = [
    [sel.group, obj.group],
    [sel.version, obj.version],
    [sel.kind, obj.kind],
    [sel.name, obj.name],
    [sel.namespace, obj.namespace],
  ];
  for (const [pattern, value] of checks) if (pattern && !anchored(pattern).test(value)) return false;
  if (sel.labelSelector && !parseLabelSelector(sel.labelSelector)(obj.labels)) return false;
  if (sel.annotationSelector && !parseLabelSelector(sel.annotationSelector)(obj.annotations)) return false;
  return true;
}
