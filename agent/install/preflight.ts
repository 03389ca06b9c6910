/**
 * `rivulet check`'s pre-flight, also run by `rivulet install` before its first write: the API server's
 * version, whether the Flux CRDs rivulet serves are there (read through discovery, which every
 * authenticated identity may use; a namespace admin cannot read CustomResourceDefinitions themselves),
 * and what the caller may do in the namespace according to a SelfSubjectRulesReview: enough to install
 * (create the objects, and hold every permission the Roles grant, since Kubernetes refuses a Role wider
 * than its author's rights), and enough to run as the agent (the tenant Roles' rules). Results are data;
 * the command words them.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Permission } from "../kube/access-check.ts";
import type { KindNames } from "../api/kind.ts";
import { type ResourceRule, rulePermissions, uncovered } from "./rules-review.ts";

export interface CrdCheck {
  /** plural.group, as the CRD is named. */
  name: string;
  kind: string;
  /** The version rivulet serves. */
  version: string;
  /** The versions the API server serves for the group (empty when the group is missing). */
  served: string[];
  present: boolean;
}

export interface MissingPermission {
  permission: Permission;
  /** Which object or Role needs it. */
  neededBy: string;
  /** "creates": to write that object; "grants": the Role grants it, and only a holder may grant it. */
  because: "creates" | "grants";
}

export interface PreflightReport {
  serverVersion: string;
  namespace: string;
  crds: CrdCheck[];
  /** The rules review could not see every rule (an authorizer other than RBAC): verdicts may be too strict. */
  incomplete: boolean;
  evaluationError?: string;
  /** What the caller lacks to install the objects. */
  install: MissingPermission[];
  /** What the caller lacks to run as the agent. */
  agent: MissingPermission[];
}

export const crdsReady = (r: PreflightReport) => r.crds.every((c) => c.present);

interface ApiGroupList {
  groups?: Array<{ name: string; versions?: Array<{ version: string }> }>;
}

/** The kinds' CRDs as discovery shows them. */
export async function checkCrds(client: KubeClient, kinds: readonly KindNames[]): Promise<CrdCheck[]> {
  const groups = ((await client.raw("GET", "/apis")) as ApiGroupList).groups ?? [];
  const resources = new Map<string, Set<string>>();
  const resourcesOf = async (gv: string) => {
    if (!resources.has(gv)) {
      const list = (await client.raw("GET", `/apis/${gv}`)) as { resources?: Array<{ name: string }> };
      resources.set(gv, new Set((list.resources ?? []).map((r) => r.name)));
    }
    return resources.get(gv)!;
  };
  const out: CrdCheck[] = [];
  for (const k of kinds) {
    const served = (groups.find((g) => g.name === k.group)?.versions ?? []).map((v) => v.version);
    const present = served.includes(k.version) && (await resourcesOf(`${k.group}/${k.version}`)).has(k.plural);
    out.push({ name: `${k.plural}.${k.group}`, kind: k.kind, version: k.version, served, present });
  }
  return out;
}

/** The caller's rules in the namespace. */
export async function reviewRules(client: KubeClient, namespace: string): Promise<{ rules: ResourceRule[]; incomplete: boolean; evaluationError?: string }> {
  const review = (await client.raw("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectRulesReview",
    spec: { namespace },
  })) as { status?: { resourceRules?: ResourceRule[]; incomplete?: boolean; evaluationError?: string } };
  const s = review.status ?? {};
  return { rules: s.resourceRules ?? [], incomplete: s.incomplete === true, ...(s.evaluationError ? { evaluationError: s.evaluationError } : {}) };
}

const refOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
const rolesOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === "Role");

/**
 * What installing `objects` takes: get, create and patch (server-side apply) on each one's resource,
 * and every permission each Role grants unless the caller may escalate Roles.
 */
export async function installPermissions(client: KubeClient, objects: KubeObject[], rules: ResourceRule[]): Promise<MissingPermission[]> {
  const missing: MissingPermission[] = [];
  for (const o of objects) {
    const info = await client.resource(o.apiVersion, o.kind);
    const wanted = ["get", "create", "patch"].map((verb) => ({ verb, group: info.group, resource: info.plural }));
    for (const p of uncovered(rules, wanted)) missing.push({ permission: p, neededBy: refOf(o), because: "creates" });
  }
  if (uncovered(rules, [{ verb: "escalate", group: "rbac.authorization.k8s.io", resource: "roles" }]).length > 0) {
    for (const role of rolesOf(objects)) {
      for (const p of uncovered(rules, rulePermissions((role.rules ?? []) as ResourceRule[]))) missing.push({ permission: p, neededBy: refOf(role), because: "grants" });
    }
  }
  return dedupe(missing);
}

/** What running as the agent takes: every rule of the installed Roles. */
export function agentPermissions(objects: KubeObject[], rules: ResourceRule[]): MissingPermission[] {
  return dedupe(rolesOf(objects).flatMap((role) => uncovered(rules, rulePermissions((role.rules ?? []) as ResourceRule[])).map((p) => ({ permission: p, neededBy: refOf(role), because: "grants" as const }))));
}

function dedupe(list: MissingPermission[]): MissingPermission[] {
  const seen = new Set<string>();
  return list.filter((m) => {
    const key = `${m.permission.verb} ${m.permission.group} ${m.permission.resource}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function preflight(client: KubeClient, namespace: string, kinds: readonly KindNames[], objects: KubeObject[]): Promise<PreflightReport> {
  const version = (await client.raw("GET", "/version")) as { gitVersion?: string };
  const crds = await checkCrds(client, kinds);
  const review = await reviewRules(client, namespace);
  return {
    serverVersion: version.gitVersion ?? "unknown",
    namespace,
    crds,
    incomplete: review.incomplete,
    ...(review.evaluationError ? { evaluationError: review.evaluationError } : {}),
    install: await installPermissions(client, objects, review.rules),
    agent: agentPermissions(objects, review.rules),
  };
}
