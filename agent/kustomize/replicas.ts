/**
 * The `replicas` transformer: sets spec.replicas of the workloads (Deployment, ReplicationController,
 * ReplicaSet, StatefulSet) whose current or earlier name matches an entry.
 */
import { allIds, isObject, type Resource } from "./resource.ts";

const KINDS = new Set(["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"]);

export function applyReplicas(resources: Resource[], entries: { name: string; count: number }[]): void {
  for (const e of entries) {
    for (const r of resources) {
      if (!KINDS.has(r.obj.kind ?? "")) continue;
      if (!allIds(r).some((id) => id.name === e.name)) continue;
      if (!isObject(r.obj.spec)) r.obj.spec = {};
      (r.obj.spec as Record<string, unknown>).replicas = e.count;
    }
  }
}
