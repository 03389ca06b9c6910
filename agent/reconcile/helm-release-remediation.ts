/**
 * What a HelmRelease's spec and status say about failures, with helm-controller's defaults (api/v2
 * helmrelease_types.go and internal/action/reset.go, read, not copied): the remediation and retry of the
 * last attempted action, when failure counters are reset, and the reconcile.fluxcd.io/forceAt and
 * resetAt annotations, each handled once (a request counts only together with an equal requestedAt).
 */
import { parseDuration } from "../core/duration.ts";
import type { HelmRelease } from "../api/helm-release.ts";
import { recordedValuesMatch } from "./helm-release-digests.ts";

type Release = Pick<HelmRelease, "metadata" | "spec" | "status">;

export const DEFAULTS = {
  /** RetryOnFailure's retryInterval when unset. */
  retryIntervalMs: 5 * 60_000,
} as const;

export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";
export const FORCE_AT = "reconcile.fluxcd.io/forceAt";
export const RESET_AT = "reconcile.fluxcd.io/resetAt";

export interface Remediation {
  action: "install" | "upgrade";
  /** Retries before giving up; negative is unbounded. */
  retries: number;
  /** spec.test.ignoreFailures unless the remediation says otherwise. */
  ignoreTestFailures: boolean;
  remediateLastFailure: boolean;
  /** An install is always remediated by uninstalling it. */
  strategy: "rollback" | "uninstall";
  failureCount: number;
  retriesExhausted: boolean;
  /** An upgrade remediated by uninstall, after which the release is installed again. */
  uninstallAfterUpgrade: boolean;
}

/** The remediation of status.lastAttemptedReleaseAction, or undefined before any install or upgrade. */
export function activeRemediation(hr: Release): Remediation | undefined {
  const action = hr.status?.lastAttemptedReleaseAction;
  if (action === "install") return remediationOf(hr, "install");
  if (action === "upgrade") return remediationOf(hr, "upgrade");
  return undefined;
}

export function remediationOf(hr: Release, action: "install" | "upgrade"): Remediation {
  const r = action === "install" ? hr.spec.install?.remediation : hr.spec.upgrade?.remediation;
  const retries = r?.retries ?? 0;
  const failureCount = (action === "install" ? hr.status?.installFailures : hr.status?.upgradeFailures) ?? 0;
  const strategy = action === "install" ? "uninstall" : (hr.spec.upgrade?.remediation?.strategy ?? "rollback");
  return {
    action,
    retries,
    ignoreTestFailures: r?.ignoreTestFailures ?? hr.spec.test?.ignoreFailures ?? false,
    // For upgrades Flux remediates the last failure by default once retries are configured.
    remediateLastFailure: r?.remediateLastFailure ?? (action === "upgrade" && retries > 0),
    strategy,
    failureCount,
    retriesExhausted: retries >= 0 && failureCount > retries,
    uninstallAfterUpgrade: action === "upgrade" && strategy === "uninstall",
  };
}

/**
 * The retry of the last attempted action when its strategy is RetryOnFailure (or no strategy is set and
 * `defaultToRetryOnFailure`, Flux's feature gate), as the interval to wait; undefined otherwise.
 */
export function activeRetry(hr: Release, defaultToRetryOnFailure = false): { intervalMs: number } | undefined {
  const action = hr.status?.lastAttemptedReleaseAction;
  if (action !== "install" && action !== "upgrade") return undefined;
  const strategy = action === "install" ? hr.spec.install?.strategy : hr.spec.upgrade?.strategy;
  if (!strategy) return defaultToRetryOnFailure ? { intervalMs: DEFAULTS.retryIntervalMs } : undefined;
  if (strategy.name !== "RetryOnFailure") return undefined;
  return { intervalMs: strategy.retryInterval ? parseDuration(strategy.retryInterval) : DEFAULTS.retryIntervalMs };
}

/** Whether an annotation request is handled now, and the status value that records it as handled. */
export interface AnnotationRequest {
  handle: boolean;
  /** The new lastHandled* value; undefined when the annotation is absent (leave the status as it is). */
  lastHandled?: string;
}

/**
 * fluxcd/pkg meta.HandleAnnotationRequest: the request is handled when the annotation equals
 * reconcile.fluxcd.io/requestedAt, neither was handled before, and it is recorded as handled either way.
 */
export function annotationRequest(hr: Release, annotation: typeof FORCE_AT | typeof RESET_AT): AnnotationRequest {
  const annotations = hr.metadata.annotations ?? {};
  const requestAt = annotations[annotation];
  if (requestAt === undefined) return { handle: false };
  const lastHandled = annotation === FORCE_AT ? hr.status?.lastHandledForceAt : hr.status?.lastHandledResetAt;
  const reconcileAt = annotations[REQUESTED_AT];
  const handle = reconcileAt !== undefined && requestAt === reconcileAt && hr.status?.lastHandledReconcileAt !== reconcileAt && lastHandled !== requestAt;
  return { handle, lastHandled: requestAt };
}

/**
 * Why the failure counters start again at zero before this attempt, or undefined: the generation, the
 * chart version or the values changed since the last attempt, or a reset was requested.
 */
export async function failureResetReason(hr: Release, chartVersion: string, values: Record<string, unknown>, config: string): Promise<string | undefined> {
  const s = hr.status ?? {};
  if (s.lastAttemptedGeneration !== hr.metadata.generation) return "generation differs from last attempt";
  if ((s.lastAttemptedRevision ?? "") !== chartVersion) return "chart version differs from last attempt";
  const recorded = s.lastAttemptedConfigDigest || (s.lastAttemptedValuesChecksum ? `sha1:${s.lastAttemptedValuesChecksum}` : "");
  if (recorded && !(await recordedValuesMatch(recorded, config, values))) return "values differ from last attempt";
  if (annotationRequest(hr, RESET_AT).handle) return "reset requested through annotation";
  return undefined;
}
