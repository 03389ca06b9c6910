/**
 * Drift modes for a Kustomization, set by the annotation `rivulet.dev/drift-detection` (Flux's
 * Kustomization has no such field; kustomize-controller#1498 asks for one):
 * - `enabled` (default): correct drift, as kustomize-controller always does.
 * - `warn`: report drift (a condition and an event naming the changed fields) and apply nothing for it.
 * - `disabled`: do not look for drift; only changes of the desired state are applied.
 * Changes of the desired state (a new revision) are applied in every mode. Ignore rules come from the
 * Kustomization's `spec.ignore` (drift-ignore.ts).
 */
import type { Decision } from "./needs-apply.ts";

export type DriftMode = "enabled" | "warn" | "disabled";

export const DRIFT_MODE_ANNOTATION = "rivulet.dev/drift-detection";

export const DEFAULTS = { mode: "enabled" as DriftMode };

/** The mode a Kustomization asks for; an unknown value is an error naming the allowed ones. */
export function driftModeOf(ks: { metadata?: { annotations?: Record<string, string> } }): DriftMode {
  const v = ks.metadata?.annotations?.[DRIFT_MODE_ANNOTATION];
  if (v === undefined || v === "") return DEFAULTS.mode;
  if (v === "enabled" || v === "warn" || v === "disabled") return v;
  throw new Error(`Cannot read the drift mode: annotation ${DRIFT_MODE_ANNOTATION} is "${v}", expected enabled, warn or disabled`);
}

/**
 * What the reconciler does with one object:
 * - `skip`: no request.
 * - `apply`: dry-run, and apply if the dry-run shows a change.
 * - `report`: dry-run to name the changed fields, report them, apply nothing.
 */
export type DriftAction = "skip" | "apply" | "report";

export interface PlanContext {
  /**
   * The revision being reconciled was applied before (status.lastAppliedRevision equals it), so an
   * "unknown" object (no record, e.g. after a restart) can only differ by drift, not by a new revision.
   */
  revisionApplied: boolean;
}

export function driftAction(decision: Decision, mode: DriftMode, ctx: PlanContext): DriftAction {
  switch (decision) {
    case "no":
      return "skip";
    case "desired-changed":
      return "apply";
    case "live-drifted":
      return mode === "enabled" ? "apply" : mode === "warn" ? "report" : "skip";
    case "unknown":
      if (!ctx.revisionApplied || mode === "enabled") return "apply";
      return mode === "warn" ? "report" : "skip";
  }
}
