/**
 * metav1.Condition lists the way Flux keeps them (kstatus choreography): setting a condition keeps its
 * lastTransitionTime unless its status flips; `Reconciling` is present only while work is in progress;
 * `Stalled` marks a terminal error; negative-polarity conditions (FetchFailed, ...) exist only while True.
 */
import { formatTime } from "../core/time.ts";

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** Flux's condition types and reasons (fluxcd/pkg apis/meta). */
export const TYPES = { Ready: "Ready", Reconciling: "Reconciling", Stalled: "Stalled", Healthy: "Healthy" } as const;

export const REASONS = {
  Succeeded: "Succeeded",
  Failed: "Failed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  Suspended: "Suspended",
  DependencyNotReady: "DependencyNotReady",
  ArtifactFailed: "ArtifactFailed",
  BuildFailed: "BuildFailed",
  HealthCheckFailed: "HealthCheckFailed",
  PruneFailed: "PruneFailed",
  ReconciliationSucceeded: "ReconciliationSucceeded",
  ReconciliationFailed: "ReconciliationFailed",
  InvalidPath: "InvalidPath",
  InvalidURL: "InvalidURL",
} as const;

/** Messages in conditions are capped as the API server's validation allows (32768). */
const MAX_MESSAGE = 32_768;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/** Returns a new list with the condition set; lastTransitionTime changes only when the status does. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const message = next.message.length > MAX_MESSAGE ? next.message.slice(0, MAX_MESSAGE - 3) + "..." : next.message;
  const cond: Condition = {
    ...next,
    message,
    lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : formatTime(now),
  };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
