/**
 * Readiness of one live object, with kstatus' rules (sigs.k8s.io/cli-utils kstatus, as Flux uses it):
 * generic rules first (being deleted, generation not observed yet, Reconciling/Stalled conditions),
 * then kind rules for the built-in workloads, then a Ready condition, else Current. Jobs follow Flux's
 * own reader: a Job is InProgress until it completes (kstatus would call a running Job Current).
 *
 * Pure: takes the object as the API server returned it (or undefined when it does not exist).
 */
import type { KubeObject } from "../kube/types.ts";
import { KIND_RULES } from "./kind-rules.ts";
import { conditionsOf, current, failed, findCondition, inProgress, type StatusResult } from "./status-result.ts";

export type { Condition, HealthStatus, StatusResult } from "./status-result.ts";


export function computeStatus(obj: KubeObject | undefined): StatusResult {
  if (!obj) return { status: "NotFound", message: "Resource not found" };
  const generic = genericStatus(obj);
  if (generic) return generic;
  const rule = KIND_RULES[ruleKey(obj)];
  if (rule) return rule(obj);
  const ready = findCondition(obj, "Ready");
  if (ready) {
    if (ready.status === "True") return current(ready.message || "Resource is Ready");
    return inProgress(ready.message || `Ready condition is ${ready.status}`);
  }
  return current("Resource is current");
}

/** `group/Kind` for the built-in kinds with their own rules (version-independent). */
function ruleKey(obj: KubeObject): string {
  const slash = obj.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : obj.apiVersion.slice(0, slash);
  return `${group}/${obj.kind}`;
}

function genericStatus(obj: KubeObject): StatusResult | undefined {
  if (obj.metadata.deletionTimestamp) return { status: "Terminating", message: "Resource scheduled for deletion" };
  const generation = obj.metadata.generation;
  const observed = (obj.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  if (typeof generation === "number" && typeof observed === "number" && observed !== generation) {
    return inProgress(`${obj.kind} generation is ${generation}, but latest observed generation is ${observed}`);
  }
  for (const c of conditionsOf(obj)) {
    if (c.type === "Reconciling" && c.status === "True") return inProgress(c.message || c.reason || "Reconciling");
    if (c.type === "Stalled" && c.status === "True") return failed(c.message || c.reason || "Stalled");
  }
  return undefined;
}
