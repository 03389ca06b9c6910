/**
 * The order `kubectl kustomize` prints resources in. `legacy` (the default) sorts by kind, with
 * Namespaces, quotas, CRDs, RBAC, ConfigMaps, Secrets, Services and the like first and webhook
 * configurations last, then by group_version_kind, then by namespace|name. `fifo` keeps the order in
 * which resources were accumulated.
 */
import { curId, type ResId, type Resource } from "./resource.ts";

export const ORDER_FIRST = [
  "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
  "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
  "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet",
  "CronJob", "PodDisruptionBudget",
];
export const ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

function rankTable(first: string[], last: string[]): Map<string, number> {
  const m = new Map<string, number>();
  first.forEach((k, i) => m.set(k, -first.length + i));
  last.forEach((k, i) => m.set(k, 1 + i));
  return m;
}

function gvkString(id: ResId): string {
  return `${id.group || "~G"}_${id.version || "~V"}_${id.kind || "~K"}`;
}

function idString(id: ResId): string {
  const gvk = `${id.kind || "[noKind]"}.${id.version || "[noVer]"}.${id.group || "[noGrp]"}`;
  return `${gvk}|${id.namespace || "~X"}|${id.name || "~N"}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts resources in kustomize's legacy order; returns a new array. */
export function legacySort(resources: Resource[], orderFirst = ORDER_FIRST, orderLast = ORDER_LAST): Resource[] {
  const ranks = rankTable(orderFirst, orderLast);
  const keyed = resources.map((r) => {
    const id = curId(r.obj);
    return { r, id, rank: ranks.get(id.kind) ?? 0, gvk: gvkString(id), ids: idString(id) };
  });
  keyed.sort((x, y) => {
    if (x.gvk !== y.gvk) {
      if (x.rank !== y.rank) return x.rank - y.rank;
      // kustomize puts core Namespaces after Namespaces of other groups.
      if (x.id.kind === "Namespace" && y.id.kind === "Namespace" && (x.id.group === "" || y.id.group === "")) return cmp(y.gvk, x.gvk);
      return cmp(x.gvk, y.gvk);
    }
    return cmp(x.ids, y.ids);
  });
  return keyed.map((k) => k.r);
}
