/**
 * Reading a SelfSubjectRulesReview: whether the rules it lists allow one request, and which of a Role's
 * permissions they do not cover. Kubernetes refuses a Role (or a binding to one) that grants more than
 * its author holds, unless the author may `escalate`/`bind`, so install checks this before its first
 * write. Rules limited by resourceNames are left out: they never cover a whole resource.
 */

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

import type { Permission } from "../kube/access-check.ts";

const has = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === "*" || x === value);

/** True when one of the rules allows the request on every object of the resource. */
export function allows(rules: ResourceRule[], p: Permission): boolean {
  return rules.some(
    (r) =>
      !(r.resourceNames && r.resourceNames.length > 0) &&
      has(r.verbs, p.verb) &&
      has(r.apiGroups, p.group) &&
      // "pods/*" in a rule covers every subresource of pods, as the RBAC authorizer reads it.
      (has(r.resources, p.resource) || (p.resource.includes("/") && has(r.resources, `${p.resource.split("/")[0]}/*`))),
  );
}

/** A Role's rules spelled out as single permissions ("*" stays "*": only a "*" rule covers it). */
export function rulePermissions(rules: ResourceRule[]): Permission[] {
  const out: Permission[] = [];
  for (const r of rules) {
    for (const group of r.apiGroups ?? [""]) {
      for (const resource of r.resources ?? []) {
        for (const verb of r.verbs) out.push({ verb, group, resource });
      }
    }
  }
  return out;
}

/** The permissions of `wanted` the rules do not allow, each once. */
export function uncovered(rules: ResourceRule[], wanted: Permission[]): Permission[] {
  const seen = new Set<string>();
  return wanted.filter((p) => {
    const key = `${p.verb} ${p.group} ${p.resource}`;
    if (seen.has(key) || allows(rules, p)) return false;
    seen.add(key);
    return true;
  });
}
