/**
 * helm-controller's state machine (internal/reconcile/state.go and atomic_release.go, read, not copied):
 * the state of a release, from the newest revision in storage, status.history and the desired chart and
 * values; and the next Helm action for that state: install, upgrade, test, rollback, uninstall
 * (remediation), unlock, correct drift, or nothing, or a stall when retries are exhausted or there is
 * nothing to roll back to. The reconciler runs the action, then asks again; `mustContinue` and
 * `mustStop` say when one reconcile ends (each kind of action at most once, and always after a
 * remediation), as helm-controller's clean release strategy does.
 *
 * Pure apart from two ports: reading releases from storage and, when drift detection is on, comparing
 * the release with the cluster. Nothing is written; changes to status.history come back as data.
 */
import type { HelmRelease, HelmReleaseSnapshot } from "../api/helm-release.ts";
import type { Release } from "../helm/release-codec.ts";
import type { ReleaseStore } from "../release/release-store.ts";
import { parseDuration } from "../core/duration.ts";
import { observationDigest, observeRelease } from "./helm-release-observation.ts";
import { recordedValuesMatch, type DesiredDigests } from "./helm-release-digests.ts";
import { hasBeenTested, hasTestInPhase, latest, previous, truncate, truncateIgnoringPrevious, type Snapshots } from "./helm-release-history.ts";
import { activeRemediation, activeRetry, annotationRequest, FORCE_AT, remediationOf } from "./helm-release-remediation.ts";

type HR = Pick<HelmRelease, "metadata" | "spec" | "status">;

/** The release storage reads the state machine needs (agent/release's ReleaseStore has them). */
export type ReleaseStorage = Pick<ReleaseStore, "last" | "get">;

/** What drift detection found; `summary` is for the Drifted condition and the event. */
export interface DriftResult {
  drifted: boolean;
  summary?: string;
}

export interface StateInput {
  hr: HR;
  /** The Helm release name (helm-release-target.ts). */
  releaseName: string;
  /** Chart.yaml name and version of the chart about to be released. */
  chart: { name: string; version: string };
  /** The composed values (helm-release-values.ts). */
  values: Record<string, unknown>;
  /** Their configDigest and the post-render digests, computed once per reconcile. */
  digests: DesiredDigests;
  storage: ReleaseStorage;
  /** Compares the deployed release with the cluster; called only when drift detection is on and all else is in sync. */
  detectDrift?: (release: Release) => Promise<DriftResult>;
}

export type ReleaseStatus = "Absent" | "Unmanaged" | "OutOfSync" | "Drifted" | "Locked" | "Untested" | "InSync" | "Failed";

export interface ReleaseState {
  status: ReleaseStatus;
  reason?: string;
  drift?: DriftResult;
}

/** helm-controller's DetermineReleaseState; throws what cannot be decided (a storage error, an odd status). */
export async function releaseState(input: StateInput): Promise<ReleaseState> {
  const { hr, storage } = input;
  const rls = (await storage.last(input.releaseName))?.release;
  if (!rls) return { status: "Absent", reason: "no release in storage for object" };
  if (rls.info.status.startsWith("pending-")) return { status: "Locked", reason: `release with status '${rls.info.status}'` };
  const history = hr.status?.history ?? [];
  if (history.length === 0) {
    if (rls.info.status === "uninstalled") return { status: "Absent", reason: "found uninstalled release in storage" };
    return { status: "Unmanaged", reason: "found existing release in storage" };
  }
  const cur = latest(history)!;
  const mismatch = await verifyReleaseObject(cur, rls);
  if (mismatch) return { status: "Unmanaged", reason: mismatch };

  switch (rls.info.status) {
    case "failed":
      return { status: "Failed" };
    case "uninstalled":
      return { status: "Absent", reason: "found uninstalled release in storage" };
    case "deployed":
      break;
    default:
      throw new Error(`unable to determine state for release with status '${rls.info.status}'`);
  }
  const meta = rls.chart?.metadata ?? {};
  if (meta.name !== input.chart.name || meta.version !== input.chart.version) return { status: "OutOfSync", reason: "release chart changed" };
  if (!(await recordedValuesMatch(cur.configDigest, input.digests.config, input.values))) return { status: "OutOfSync", reason: "release config values changed" };
  if (hr.status?.observedGeneration !== hr.metadata.generation) {
    if ((input.digests.postRenderers ?? "") !== (hr.status?.observedPostRenderersDigest ?? "")) {
      return { status: "OutOfSync", reason: "postrenderers digest has changed" };
    }
    if ((input.digests.commonMetadata ?? "") !== (hr.status?.observedCommonMetadataDigest ?? "")) {
      return { status: "OutOfSync", reason: "common metadata digest has changed" };
    }
  }
  if (hr.spec.test?.enable) {
    if (!hasBeenTested(cur)) return { status: "Untested" };
    const remediation = activeRemediation(hr);
    if (remediation && !remediation.ignoreTestFailures && hasTestInPhase(cur, "Failed")) {
      return { status: "Failed", reason: "release has test in failed phase" };
    }
  }
  const mode = hr.spec.driftDetection?.mode ?? "disabled";
  if ((mode === "enabled" || mode === "warn") && input.detectDrift) {
    const drift = await input.detectDrift(rls);
    if (drift.drifted) return { status: "Drifted", drift };
  }
  return { status: "InSync" };
}

/**
 * Why the stored release is not the one the latest snapshot recorded (then the release is treated as
 * unmanaged), or undefined when it is. Snapshots of an older format are trusted, as Flux does.
 */
async function verifyReleaseObject(snapshot: HelmReleaseSnapshot, rls: Release): Promise<string | undefined> {
  if (snapshot.apiVersion !== "v2") return undefined;
  if (!/^sha256:[0-9a-f]{64}$/.test(snapshot.digest)) return "release digest verification error";
  const digest = await observationDigest(observeRelease(rls, snapshot.ociDigest));
  return digest === snapshot.digest ? undefined : "release not observed to be made for object";
}

export type ActionName = "install" | "upgrade" | "test" | "rollback" | "uninstall" | "unlock" | "correct cluster drift";
/** How helm-controller groups actions to decide when a reconcile ends. */
export type ActionType = "release" | "test" | "remediate" | "unlock" | "drift-correction";

const TYPES: Record<ActionName, ActionType> = {
  install: "release",
  upgrade: "release",
  test: "test",
  rollback: "remediate",
  uninstall: "remediate",
  unlock: "unlock",
  "correct cluster drift": "drift-correction",
};

export type NextAction =
  | {
      kind: "action";
      action: ActionName;
      type: ActionType;
      /** The history to keep from now on, when it changed (truncated, or cleared for an unmanaged release). */
      history?: HelmReleaseSnapshot[];
      /** The drift to correct (correct cluster drift). */
      drift?: DriftResult;
    }
  | {
      kind: "none";
      history?: HelmReleaseSnapshot[];
      /** Drift was found and only reported (mode warn). */
      drift?: DriftResult;
    }
  | {
      kind: "stalled";
      /** Stalled condition reason. */
      reason: "RetriesExceeded" | "MissingRollbackTarget";
      /** Stalled condition message, as helm-controller words it. */
      message: string;
      /** The error the reconcile ends with. */
      error: string;
    };

export interface ActionOptions {
  storage: ReleaseStorage;
  /** Flux's DefaultToRetryOnFailure feature gate. */
  defaultToRetryOnFailure?: boolean;
}

const act = (action: ActionName, history?: HelmReleaseSnapshot[]): NextAction => ({ kind: "action", action, type: TYPES[action], ...(history ? { history } : {}) });

/** helm-controller's actionForState. */
export async function nextAction(state: ReleaseState, hr: HR, o: ActionOptions): Promise<NextAction> {
  const history: Snapshots = hr.status?.history ?? [];
  const force = annotationRequest(hr, FORCE_AT).handle;
  const retry = activeRetry(hr, o.defaultToRetryOnFailure);
  const remediation = activeRemediation(hr);
  const ignoreTests = (r = remediation) => r?.ignoreTestFailures ?? hr.spec.test?.ignoreFailures ?? false;
  const exhausted = (what: string): NextAction => ({
    kind: "stalled",
    reason: "RetriesExceeded",
    message: `Failed to ${hr.status?.lastAttemptedReleaseAction ?? ""} after ${remediation?.failureCount ?? 0} attempt(s)`,
    error: `exceeded maximum retries: ${what}`,
  });

  switch (state.status) {
    case "InSync": {
      const kept = retry ? truncateIgnoringPrevious(history) : truncate(history, ignoreTests());
      if (force) return act("upgrade", kept);
      return { kind: "none", history: kept };
    }
    case "Locked":
      return act("unlock");
    case "Absent": {
      const install = remediationOf(hr, "install");
      if (install.retriesExhausted && !force) return exhausted("cannot install release");
      return act("install");
    }
    case "Unmanaged":
      return act("upgrade", []);
    case "OutOfSync": {
      const upgrade = remediationOf(hr, "upgrade");
      if (upgrade.retriesExhausted && !force) return exhausted("cannot upgrade release");
      return act("upgrade");
    }
    case "Drifted":
      if ((hr.spec.driftDetection?.mode ?? "disabled") === "enabled") return { ...act("correct cluster drift"), ...(state.drift ? { drift: state.drift } : {}) };
      return { kind: "none", ...(state.drift ? { drift: state.drift } : {}) };
    case "Untested":
      return act("test");
    case "Failed": {
      if (retry) return act("upgrade", truncateIgnoringPrevious(history));
      if (!remediation || remediation.failureCount <= 0 || force) return act("upgrade");
      if (remediation.retriesExhausted && !remediation.remediateLastFailure) return exhausted("cannot remediate failed release");
      const kept = truncate(history, ignoreTests());
      if (remediation.strategy === "uninstall") return act("uninstall", kept);
      const target = previous(kept, ignoreTests());
      if (!target) {
        const error = "missing target release for rollback: cannot remediate failed release";
        return { kind: "stalled", reason: "MissingRollbackTarget", message: `Failed to perform remediation: ${error}`, error };
      }
      // A previous release that vanished from storage or was changed outside Flux cannot be trusted as a
      // rollback target: upgrade instead.
      const stored = (await o.storage.get(target.name, target.version))?.release;
      if (!stored || (await verifyReleaseObject(target, stored))) return act("upgrade", kept);
      return act("rollback", kept);
    }
  }
}

/** helm-controller's timeout when neither the action nor the spec sets one. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** How long an action may take: its own timeout, else spec.timeout, else 5m (timeoutForAction). */
export function actionTimeoutMs(action: ActionName, hr: HR): number {
  const s = hr.spec;
  const own = action === "install" ? s.install?.timeout
    : action === "upgrade" ? s.upgrade?.timeout
    : action === "test" ? s.test?.timeout
    : action === "rollback" ? s.rollback?.timeout
    : action === "uninstall" ? s.uninstall?.timeout
    : undefined;
  const text = own ?? s.timeout;
  return text ? parseDuration(text) : DEFAULT_TIMEOUT_MS;
}

/** Whether the loop may run an action of `type` after those already run in this reconcile. */
export function mustContinue(type: ActionType, previousTypes: readonly ActionType[]): boolean {
  return !previousTypes.includes(type);
}

/** Whether the reconcile ends after an action of `type` succeeded: after any remediation. */
export function mustStop(type: ActionType): boolean {
  return type === "remediate";
}
