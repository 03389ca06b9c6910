/**
 * The shape of a readiness verdict (kstatus' statuses with a message) and the small readers the rules
 * share: conditions and typed fields at a dotted path.
 */
import type { KubeObject } from "../kube/types.ts";

export type HealthStatus = "InProgress" | "Current" | "Failed" | "Terminating" | "NotFound" | "Unknown";

export interface StatusResult {
  status: HealthStatus;
  message: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditionsOf(obj: KubeObject): Condition[] {
  const c = (obj.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]).filter((x) => x && typeof x.type === "string") : [];
}

export function findCondition(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** The value at a dotted path under the object; undefined when a step on the way is not an object. */
function fieldAt(obj: KubeObject, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** A number at a dotted path under the object, or the fallback. */
export function intField(obj: KubeObject, path: string, fallback: number): number {
  const v = fieldAt(obj, path);
  return typeof v === "number" ? v : fallback;
}

/** A string at a dotted path under the object, or the fallback. */
export function stringField(obj: KubeObject, path: string, fallback: string): string {
  const v = fieldAt(obj, path);
  return typeof v === "string" ? v : fallback;
}

export const inProgress = (message: string): StatusResult => ({ status: "InProgress", message });
export const current = (message: string): StatusResult => ({ status: "Current", message });
export const failed = (message: string): StatusResult => ({ status: "Failed", message });

