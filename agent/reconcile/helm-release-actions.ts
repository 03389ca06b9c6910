/**
 * One Helm action of a HelmRelease's release loop, run through agent/release and recorded as
 * helm-controller's action reconcilers record it (internal/reconcile/install.go, upgrade.go, test.go,
 * rollback_remediation.go, uninstall_remediation.go, unlock.go; read, not copied): the snapshot of the
 * release written into status.history, the Released / TestSuccess / Remediated condition with Flux's
 * reason and message, the failure counters, lastAttemptedReleaseAction and its duration, the inventory,
 * and an event carrying the chart version and values digest as metadata.
 *
 * A failed action that wrote a release is counted and the loop goes on (the state machine then picks
 * the remediation); one that wrote nothing goes up as the error, as in Flux.
 */
import { formatDuration } from "../core/duration.ts";
import { messageOf } from "../core/errors.ts";
import type { HelmRelease, HelmReleaseSpec, HelmReleaseStatus, HelmReleaseSnapshot } from "../api/helm-release.ts";
import type { Values } from "../helm/chart.ts";
import type { Release } from "../helm/release-codec.ts";
import type { Lookup, TemplateEngine } from "../helm/template-engine.ts";
import type { CapabilitiesInfo } from "../helm/template-engine.ts";
import type { ValidateValues } from "../helm/render.ts";
import { inventoryFromChangeSet } from "../apply/inventory.ts";
import { fieldManagerOf, type ActionContext } from "../release/action-context.ts";
import { ReleaseActionError, type ActionResult } from "../release/action-result.ts";
import { install, type RenderInput } from "../release/install.ts";
import { upgrade } from "../release/upgrade.ts";
import { rollback } from "../release/rollback.ts";
import { uninstall } from "../release/uninstall.ts";
import { releaseTest } from "../release/release-test.ts";
import { setCondition, type Condition } from "../status/conditions.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import type { ReleaseChart } from "./helm-release-chart.ts";
import type { DesiredDigests } from "./helm-release-digests.ts";
import { fullReleaseName, latest, previous, sortByVersion, versionedChartName } from "./helm-release-history.ts";
import { actionTimeoutMs, type ActionName } from "./helm-release-next-action.ts";
import { observeRelease, snapshotOf, testHooksOf } from "./helm-release-observation.ts";
import { activeRemediation } from "./helm-release-remediation.ts";
import { postRenderRelease } from "./helm-release-render.ts";
import { MAX_HISTORY } from "./helm-release-history.ts";
import { correctReleaseDrift, type DriftCache, type ObjectDrift } from "./helm-release-drift.ts";

type HR = Pick<HelmRelease, "metadata" | "spec">;

/** What one reconcile's release loop works on; `status` is changed as actions run. */
export interface ReleaseRun {
  hr: KindObject<HelmReleaseSpec, HelmReleaseStatus>;
  status: HelmReleaseStatus;
  ctx: ReconcileContext<HelmReleaseStatus>;
  /** The Helm release name. */
  name: string;
  chart: ReleaseChart;
  values: Values;
  /** The values' configDigest and the post-render digests, computed once per reconcile. */
  digests: DesiredDigests;
  /** Where actions act: the release namespace, storage, and the identity acting. */
  actx: ActionContext;
  engine: TemplateEngine;
  validateValues?: ValidateValues;
  /** `.Capabilities` of the cluster (helm-cluster.ts); Helm's defaults without it. */
  capabilities?: CapabilitiesInfo;
  /** The templates' `lookup`, as the release's identity and within the tenant (helm-cluster.ts). */
  lookup?: Lookup;
  /** The live cache drift detection reads (helm-release-drift.ts). */
  driftCache?: DriftCache;
  /** What the last drift detection found: what "correct cluster drift" applies again. */
  drift?: ObjectDrift[];
}

/** The HelmRelease as the state machine sees it now: its spec and the status this loop has written. */
export const view = (run: ReleaseRun) => ({ metadata: run.hr.metadata, spec: run.hr.spec, status: run.status });

/** Runs `action` and records its outcome in run.status; throws only what must end the reconcile. */
export async function runAction(run: ReleaseRun, action: ActionName): Promise<void> {
  switch (action) {
    case "install":
    case "upgrade":
      return release(run, action);
    case "test":
      return test(run);
    case "rollback":
      return rollbackRemediation(run);
    case "uninstall":
      return uninstallRemediation(run);
    case "unlock":
      return unlock(run);
    case "correct cluster drift":
      return correctDrift(run);
  }
}

const EVENT_GROUP = "helm.toolkit.fluxcd.io";

/**
 * The metadata helm-controller puts on its events: the chart version (`revision`), the values' digest
 * (`token`), and the chart's `app-version` and the source's `oci-digest` when known; empty ones are left
 * out. As in helm-controller, without a revision or a token there is no metadata at all.
 */
export function eventMeta(revision: string, token: string, extra: { appVersion?: string; ociDigest?: string } = {}): Record<string, string> {
  if (!revision && !token) return {};
  const meta: Record<string, string> = {};
  if (revision) meta[`${EVENT_GROUP}/revision`] = revision;
  if (token) meta[`${EVENT_GROUP}/token`] = token;
  if (extra.appVersion) meta[`${EVENT_GROUP}/app-version`] = extra.appVersion;
  if (extra.ociDigest) meta[`${EVENT_GROUP}/oci-digest`] = extra.ociDigest;
  return meta;
}

/** The metadata of an event about a release in history. */
export function snapshotEventMeta(s: Pick<HelmReleaseSnapshot, "chartVersion" | "configDigest" | "appVersion" | "ociDigest">): Record<string, string> {
  return eventMeta(s.chartVersion, s.configDigest, { appVersion: s.appVersion, ociDigest: s.ociDigest });
}

function mark(run: ReleaseRun, c: Omit<Condition, "lastTransitionTime" | "observedGeneration">): void {
  run.status.conditions = setCondition(run.status.conditions, { ...c, observedGeneration: run.hr.metadata.generation }, run.ctx.now());
}

/** Puts the release's snapshot into history: replaces the same version, else goes first. */
async function record(run: ReleaseRun, rls: Release, action?: "install" | "upgrade"): Promise<HelmReleaseSnapshot> {
  const snap = await snapshotOf(observeRelease(rls, run.chart.ociDigest), action);
  const old = (run.status.history ?? []).find((s) => s.version === snap.version && s.name === snap.name);
  if (old?.testHooks) snap.testHooks = old.testHooks;
  const rest = (run.status.history ?? []).filter((s) => !(s.version === snap.version && s.name === snap.name));
  run.status.history = sortByVersion([snap, ...rest]).slice(0, MAX_HISTORY + 1);
  return snap;
}

function countFailure(run: ReleaseRun): void {
  const remediation = activeRemediation(view(run));
  if (remediation?.action === "install") run.status.installFailures = (run.status.installFailures ?? 0) + 1;
  if (remediation?.action === "upgrade") run.status.upgradeFailures = (run.status.upgradeFailures ?? 0) + 1;
}

/** What an install or upgrade renders; values.schema.json is skipped only when that action disables it. */
export function renderInput(run: ReleaseRun, action: "install" | "upgrade"): RenderInput {
  const skipSchema = run.hr.spec[action]?.disableSchemaValidation;
  return {
    engine: run.engine,
    chart: run.chart.chart,
    values: run.values,
    ...(run.capabilities ? { capabilities: run.capabilities } : {}),
    ...(run.lookup ? { lookup: run.lookup } : {}),
    ...(run.validateValues && !skipSchema ? { validateValues: run.validateValues } : {}),
    postRender: (rendered) => postRenderRelease(rendered, run.hr),
  };
}

const maxHistory = (run: ReleaseRun) => run.hr.spec.maxHistory ?? 5;

async function release(run: ReleaseRun, action: "install" | "upgrade"): Promise<void> {
  const { hr, ctx } = run;
  const spec = hr.spec;
  const meta = run.chart.chart.metadata as { name?: string; version?: string; appVersion?: string };
  const token = run.digests.config;
  run.status.lastAttemptedReleaseAction = action;
  const before = latest(run.status.history ?? []);
  const timeoutMs = actionTimeoutMs(action, hr);
  let result: ActionResult;
  try {
    result =
      action === "install"
        ? await install(run.actx, run.name, renderInput(run, action), {
            timeoutMs,
            disableWait: spec.install?.disableWait,
            disableWaitForJobs: spec.install?.disableWaitForJobs,
            disableHooks: spec.install?.disableHooks,
            disableTakeOwnership: spec.install?.disableTakeOwnership,
            replace: spec.install?.replace,
            crds: spec.install?.crds ?? (spec.install?.skipCRDs ? "Skip" : "Create"),
            maxHistory: maxHistory(run),
          })
        : await upgrade(run.actx, run.name, renderInput(run, action), {
            timeoutMs,
            disableWait: spec.upgrade?.disableWait,
            disableWaitForJobs: spec.upgrade?.disableWaitForJobs,
            disableHooks: spec.upgrade?.disableHooks,
            disableTakeOwnership: spec.upgrade?.disableTakeOwnership,
            force: spec.upgrade?.force,
            preserveValues: spec.upgrade?.preserveValues,
            cleanupOnFail: spec.upgrade?.cleanupOnFail,
            crds: spec.upgrade?.crds ?? "Skip",
            maxHistory: maxHistory(run),
          });
  } catch (err) {
    if (!(err instanceof ReleaseActionError)) throw err;
    run.status.lastAttemptedReleaseActionDuration = formatDuration(err.durationMs);
    const verb = action === "install" ? "install" : "upgrade";
    const msg = `Helm ${verb} failed for release ${run.actx.namespace}/${run.name} with chart ${meta.name}@${meta.version}: ${messageOf(err)}`;
    run.status.failures = (run.status.failures ?? 0) + 1;
    mark(run, { type: "Released", status: "False", reason: action === "install" ? "InstallFailed" : "UpgradeFailed", message: msg });
    await ctx.events.record(hr, { type: "Warning", reason: action === "install" ? "InstallFailed" : "UpgradeFailed", message: msg, metadata: eventMeta(meta.version ?? "", token, { appVersion: meta.appVersion, ociDigest: run.status.lastAttemptedRevisionDigest }) });
    // Nothing stored means nothing to remediate: the error goes up and the attempt is not counted.
    if (!err.release) throw err;
    const snap = await record(run, err.release, action);
    if (before?.digest === snap.digest) throw err;
    countFailure(run);
    return;
  }
  run.status.lastAttemptedReleaseActionDuration = formatDuration(result.durationMs);
  const snap = await record(run, result.release, action);
  run.status.inventory = inventoryFromChangeSet(result.changeSet);
  const msg = `Helm ${action} succeeded for release ${fullReleaseName(snap)} with chart ${versionedChartName(snap)}`;
  mark(run, { type: "Released", status: "True", reason: action === "install" ? "InstallSucceeded" : "UpgradeSucceeded", message: msg });
  if (spec.test?.enable) {
    mark(run, { type: "TestSuccess", status: "False", reason: "Pending", message: `Helm release ${fullReleaseName(snap)} with chart ${versionedChartName(snap)} is awaiting tests` });
  }
  await ctx.events.record(hr, { type: "Normal", reason: action === "install" ? "InstallSucceeded" : "UpgradeSucceeded", message: msg, metadata: snapshotEventMeta(snap) });
}

async function test(run: ReleaseRun): Promise<void> {
  const { hr, ctx } = run;
  const cur = latest(run.status.history ?? []);
  if (!cur) throw new Error("no release to test");
  const filters = hr.spec.test?.filters ?? [];
  let rls: Release | undefined;
  let failure: unknown;
  try {
    rls = (await releaseTest(run.actx, run.name, { timeoutMs: actionTimeoutMs("test", hr), filters })).release;
  } catch (err) {
    if (!(err instanceof ReleaseActionError)) throw err;
    failure = err;
    rls = err.release;
  }
  if (rls) cur.testHooks = testHooksOf(rls, filters);
  const meta = snapshotEventMeta(cur);
  if (failure !== undefined) {
    const msg = `Helm test failed for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${messageOf(failure).trim()}`;
    run.status.failures = (run.status.failures ?? 0) + 1;
    mark(run, { type: "TestSuccess", status: "False", reason: "TestFailed", message: msg });
    if (!activeRemediation(view(run))?.ignoreTestFailures) countFailure(run);
    await ctx.events.record(hr, { type: "Warning", reason: "TestFailed", message: msg, metadata: meta });
    // Nothing observed at all: retry.
    if (!rls) throw failure;
    return;
  }
  const n = Object.keys(cur.testHooks ?? {}).length;
  const msg = `Helm test succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${n ? `${n} test hook${n === 1 ? "" : "s"} completed successfully` : "no test hooks"}`;
  mark(run, { type: "TestSuccess", status: "True", reason: "TestSucceeded", message: msg });
  await ctx.events.record(hr, { type: "Normal", reason: "TestSucceeded", message: msg, metadata: meta });
}

async function rollbackRemediation(run: ReleaseRun): Promise<void> {
  const { hr, ctx } = run;
  const remediation = activeRemediation(view(run));
  const prev = previous(run.status.history ?? [], remediation?.ignoreTestFailures ?? false);
  if (!prev) throw new Error("missing target release for rollback");
  const spec = hr.spec.rollback ?? {};
  // helm-controller's token here is the digest of the values being reconciled, not the target's.
  const meta = eventMeta(prev.chartVersion, run.digests.config, { appVersion: prev.appVersion, ociDigest: prev.ociDigest });
  try {
    const result = await rollback(run.actx, run.name, {
      version: prev.version,
      timeoutMs: actionTimeoutMs("rollback", hr),
      disableWait: spec.disableWait,
      disableWaitForJobs: spec.disableWaitForJobs,
      disableHooks: spec.disableHooks,
      force: spec.force,
      cleanupOnFail: spec.cleanupOnFail,
      maxHistory: maxHistory(run),
    });
    await record(run, result.release);
    run.status.inventory = inventoryFromChangeSet(result.changeSet);
  } catch (err) {
    if (!(err instanceof ReleaseActionError)) throw err;
    const msg = `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)} failed: ${messageOf(err)}`;
    mark(run, { type: "Remediated", status: "False", reason: "RollbackFailed", message: msg });
    await ctx.events.record(hr, { type: "Warning", reason: "RollbackFailed", message: msg, metadata: meta });
    if (err.release) await record(run, err.release);
    throw err;
  }
  const msg = `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)} succeeded`;
  mark(run, { type: "Remediated", status: "True", reason: "RollbackSucceeded", message: msg });
  await ctx.events.record(hr, { type: "Normal", reason: "RollbackSucceeded", message: msg, metadata: meta });
}

async function uninstallRemediation(run: ReleaseRun): Promise<void> {
  const { hr, ctx } = run;
  const cur = latest(run.status.history ?? []);
  if (!cur) throw new Error("no release to uninstall");
  const meta = snapshotEventMeta(cur);
  try {
    const result = await uninstall(run.actx, run.name, uninstallOptions(hr));
    await record(run, result.release);
    run.status.inventory = { entries: [] };
  } catch (err) {
    if (!(err instanceof ReleaseActionError)) throw err;
    const msg = `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} failed: ${messageOf(err)}`;
    mark(run, { type: "Remediated", status: "False", reason: "UninstallFailed", message: msg });
    await ctx.events.record(hr, { type: "Warning", reason: "UninstallFailed", message: msg, metadata: meta });
    if (err.release) await record(run, err.release);
    throw err;
  }
  const msg = `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} succeeded`;
  mark(run, { type: "Remediated", status: "True", reason: "UninstallSucceeded", message: msg });
  await ctx.events.record(hr, { type: "Normal", reason: "UninstallSucceeded", message: msg, metadata: meta });
}

/**
 * helm-controller's CorrectClusterDrift: the drifted objects applied again; one event either way, the
 * failures named object by object after the corrections that worked. A failure is reported, not thrown,
 * so the next reconcile detects and tries again.
 */
async function correctDrift(run: ReleaseRun): Promise<void> {
  const cur = latest(run.status.history ?? []);
  const drifted = run.drift ?? [];
  if (!cur || drifted.length === 0) return;
  const { corrected, errors } = await correctReleaseDrift({
    client: run.actx.client,
    drifted,
    ignore: run.hr.spec.driftDetection?.ignore,
    fieldManager: fieldManagerOf(run.actx),
    cache: run.driftCache ?? { cache: undefined, ready: false },
  });
  run.drift = [];
  const meta = snapshotEventMeta(cur);
  if (errors.length) {
    const done = corrected.length ? `\n\nSuccessful corrections:\n${corrected.join("\n")}` : "";
    const msg = `Failed to ${corrected.length ? "partially " : ""}correct cluster state of release ${fullReleaseName(cur)}:\n${errors.join("\n")}${done}`;
    await run.ctx.events.record(run.hr, { type: "Warning", reason: "DriftCorrectionFailed", message: msg, metadata: meta });
    return;
  }
  const msg = `Cluster state of release ${fullReleaseName(cur)} has been corrected:\n${corrected.join("\n")}`;
  await run.ctx.events.record(run.hr, { type: "Normal", reason: "DriftCorrected", message: msg, metadata: meta });
}

/** spec.uninstall as the uninstall action takes it. */
export function uninstallOptions(hr: HR) {
  const u = hr.spec.uninstall ?? {};
  return {
    timeoutMs: actionTimeoutMs("uninstall", hr),
    keepHistory: u.keepHistory,
    disableHooks: u.disableHooks,
    disableWait: u.disableWait,
    deletionPropagation: u.deletionPropagation,
  };
}

/** A release left pending by a crash is marked failed, so the loop can remediate or upgrade it. */
async function unlock(run: ReleaseRun): Promise<void> {
  const last = await run.actx.store.last(run.name);
  if (!last || !last.release.info.status.startsWith("pending-")) return;
  const was = last.release.info.status;
  last.release.info.status = "failed";
  last.release.info.description = `Release unlocked from stale '${was}' state`;
  await run.actx.store.update(last);
  const snap = await record(run, last.release);
  // helm-controller's words and reason (PendingRelease) for the event and the Released condition.
  const msg = `Unlocked Helm release ${fullReleaseName(snap)} with chart ${versionedChartName(snap)} in ${was} state`;
  mark(run, { type: "Released", status: "False", reason: "PendingRelease", message: msg });
  await run.ctx.events.record(run.hr, { type: "Normal", reason: "PendingRelease", message: msg, metadata: snapshotEventMeta(snap) });
}
