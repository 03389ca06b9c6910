/**
 * The order in which objects are applied, as Flux's ssa package orders them: the apply stages
 * (cluster definitions first and waited for, then `*Class` kinds, then everything else) and, inside a
 * stage, a fixed kind order with ties broken by namespace and name, so the result does not depend on
 * the order of the input. Pruning walks the same order backwards.
 */
import type { KubeObject } from "../kube/types.ts";
import { splitApiVersion } from "../core/ref.ts";

/** Kinds applied before all others, in this order (fluxcd/pkg ssa ReconcileOrder, v0.58). */
export const FIRST_KINDS = [
  "CustomResourceDefinition",
  "Namespace",
  "ClusterRole",
  "ClusterClass",
  "RuntimeClass",
  "PriorityClass",
  "StorageClass",
  "VolumeSnapshotClass",
  "IngressClass",
  "GatewayClass",
  "ClusterRoleBinding",
  "ResourceQuota",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "LimitRange",
  "Deployment",
  "StatefulSet",
  "CronJob",
  "PodDisruptionBudget",
] as const;

/** Kinds applied after all others: webhooks last, so they cannot block the objects they would review. */
export const LAST_KINDS = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] as const;

const rank = new Map<string, number>();
FIRST_KINDS.forEach((k, i) => rank.set(k, i - FIRST_KINDS.length));
LAST_KINDS.forEach((k, i) => rank.set(k, i + 1));

/** Unlisted kinds sit between FIRST_KINDS and LAST_KINDS (rank 0). */
export function kindRank(kind: string): number {
  return rank.get(kind) ?? 0;
}

export interface OrderKey {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}

/** Kind rank, then API group, then kind, then namespace, then name. */
export function compareObjects(a: OrderKey, b: OrderKey): number {
  const ra = kindRank(a.kind);
  const rb = kindRank(b.kind);
  if (ra !== rb) return ra - rb;
  const ga = splitApiVersion(a.apiVersion).group;
  const gb = splitApiVersion(b.apiVersion).group;
  if (ga !== gb) return ga < gb ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const na = a.metadata.namespace ?? "";
  const nb = b.metadata.namespace ?? "";
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a.metadata.name ?? "";
  const mb = b.metadata.name ?? "";
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** A sorted copy; the input is not changed. */
export function sortObjects<T extends OrderKey>(objects: readonly T[]): T[] {
  return [...objects].sort(compareObjects);
}

export type ApplyStage = "definitions" | "classes" | "resources";

/** The stage of an object: definitions (CRDs, Namespaces, ClusterRoles) and classes are waited for. */
export function stageOf(obj: Pick<KubeObject, "apiVersion" | "kind">): ApplyStage {
  if (isClusterDefinition(obj)) return "definitions";
  if (obj.kind.endsWith("Class")) return "classes";
  return "resources";
}

export function isClusterDefinition(obj: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  const kind = obj.kind.toLowerCase();
  if (kind === "customresourcedefinition") return obj.apiVersion.startsWith("apiextensions.k8s.io/");
  if (kind === "namespace") return obj.apiVersion === "v1";
  if (kind === "clusterrole") return obj.apiVersion.startsWith("rbac.authorization.k8s.io/");
  return false;
}

/** Objects split into the three stages, each sorted; empty stages are kept so callers can index them. */
export function splitStages<T extends KubeObject>(objects: readonly T[]): Record<ApplyStage, T[]> {
  const out: Record<ApplyStage, T[]> = { definitions: [], classes: [], resources: [] };
  for (const o of objects) out[stageOf(o)].push(o);
  for (const k of Object.keys(out) as ApplyStage[]) out[k].sort(compareObjects);
  return out;
}
