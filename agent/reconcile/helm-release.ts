/**
 * HelmRelease reconciler (helm.toolkit.fluxcd.io/v2), in helm-controller's order, one named stage each
 * (stage.ts): guard (target and storage namespaces, chart source and dependencies in the tenant's
 * namespace, no kubeConfig; all before any write) -> dependsOn (HelmReleases and Kustomizations) ->
 * chart (the HelmChart made from spec.chart, or spec.chartRef; the .tgz from the agent's store) ->
 * values (valuesFrom and values) -> release: helm-controller's loop of state -> next action -> action
 * (helm-release-next-action.ts, helm-release-actions.ts), each kind of action at most once, stopping
 * after a remediation -> status: Ready summarised from Released, TestSuccess and Remediated.
 *
 * The kind's own steps are in helm-release-*.ts; Helm's actions are agent/release, run as the
 * HelmRelease's ServiceAccount (or the agent's identity). On delete the release is uninstalled
 * (keepHistory respected) unless the HelmRelease is suspended, and the generated HelmChart goes too.
 *
 * A release moved to another name, namespace, storage namespace or chart is uninstalled where it was
 * and installed again, as helm-controller does.
 *
 * Drift detection (spec.driftDetection, helm-release-drift.ts) runs when the release is otherwise in
 * sync, through a live cache of its own (helm-controller's field manager owns the fields it compares):
 * `warn` reports, `enabled` also corrects; the Drifted condition says what the last check found.
 *
 * Limits: spec.kubeConfig is refused.
 */
import { TerminalError, TransientError, messageOf } from "../core/errors.ts";
import { formatDuration } from "../core/duration.ts";
import { base64Decode } from "../core/bytes.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import { helmReleaseKind, type HelmReleaseSnapshot, type HelmReleaseSpec, type HelmReleaseStatus } from "../api/helm-release.ts";
import { kustomizationKind } from "../api/kustomization.ts";
import { helmChartKind } from "../api/helm-chart.ts";
import type { TemplateEngine } from "../helm/template-engine.ts";
import type { CapabilitiesInfo } from "../helm/template-engine.ts";
import { cachedCapabilities, kubeDiscovery, kubeLookup } from "./helm-cluster.ts";
import type { ValidateValues } from "../helm/render.ts";
import { reconcileScopedStore, secretReleaseStore } from "../release/release-store.ts";
import { uninstall } from "../release/uninstall.ts";
import { DEFAULTS as ACTION_DEFAULTS, type ActionContext } from "../release/action-context.ts";
import { removeCondition, setCondition, REASONS } from "../status/conditions.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { Fetch } from "../core/fetch.ts";
import type { Sha256Factory } from "../artifact/digest.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import type { KindObject, ReconcileContext, Reconciler, ReconcileSuccess } from "./reconciler.ts";
import { failureStatus, stages } from "./stage.ts";
import { checkReadyDependencies } from "./kustomization-dependencies.ts";
import { guardReleaseNamespaces, guardRemoteCluster, releaseTarget, releaseTargetChange, type ReleaseTarget } from "./helm-release-target.ts";
import { actingClient } from "./service-account.ts";
import { chartLoader, helmChartName, type ReleaseChart } from "./helm-release-chart.ts";
import { composeValues, ValuesReferenceError, type ReadValuesObject } from "./helm-release-values.ts";
import { desiredDigests } from "./helm-release-digests.ts";
import { releaseState, nextAction, mustContinue, mustStop, actionTimeoutMs, type ActionType } from "./helm-release-next-action.ts";
import { annotationRequest, failureResetReason, FORCE_AT, RESET_AT } from "./helm-release-remediation.ts";
import { summarize } from "./helm-release-summary.ts";
import { fullReleaseName, latest, versionedChartName } from "./helm-release-history.ts";
import { snapshotEventMeta, runAction, uninstallOptions, view, type ReleaseRun } from "./helm-release-actions.ts";
import { detectReleaseDrift, releaseDriftObjects, summarizeDrift } from "./helm-release-drift.ts";
import { releaseObjectCache } from "./helm-release-cache.ts";

export const DEFAULTS = {
  fieldManager: ACTION_DEFAULTS.fieldManager,
  /** Flux's --requeue-dependency. */
  dependencyRequeueMs: 30_000,
  /** Actions in one reconcile: each kind at most once, so this only guards against a loop that never settles. */
  maxActions: 10,
};

export interface HelmReleaseDeps {
  store: Pick<ArtifactStore, "get">;
  /** HTTP for a chartRef to an ExternalArtifact, whose chart another tool serves; without it that kind is refused. */
  fetch?: Fetch;
  sha256?: Sha256Factory;
  engine: TemplateEngine;
  /** values.schema.json validation (agent/helm/values-schema.ts). */
  validateValues?: ValidateValues;
  fieldManager?: string;
  /** --default-service-account: used when spec.serviceAccountName is empty. */
  defaultServiceAccount?: string;
  allowedClusterKinds?: string[];
  /** Namespaces besides its own a platform admin lets the tenant install into or store releases in. */
  allowedNamespaces?: string[];
  dependencyRequeueMs?: number;
  pollMs?: number;
  /**
   * The cluster's `.Capabilities` for renders; by default discovery through the agent's client, cached
   * (helm-cluster.ts cachedCapabilities).
   */
  capabilities?: () => Promise<CapabilitiesInfo>;
  /** A platform admin's flag: templates may `lookup` other namespaces and cluster-scoped kinds. */
  allowClusterLookup?: boolean;
  /**
   * The watch-fed live cache (agent/diff), with helm-controller's field manager: drift detection without
   * API calls when nothing changed, Helm's wait and ownership checks without GETs. Without it every object
   * of a release with drift detection on is dry-run, and the wait polls with GETs.
   */
  liveCache?: LiveCache;
}

type HelmReleaseObject = KindObject<HelmReleaseSpec, HelmReleaseStatus>;

/** The stages and the reason an unclassified error of each gets (Flux's). */
const STAGES = {
  guard: { reason: "AccessDenied" },
  dependencies: { reason: REASONS.DependencyNotReady },
  chart: { reason: REASONS.ArtifactFailed },
  values: { reason: "InitFailed" },
  release: { reason: "ReconcileError" },
};

export function helmReleaseReconciler(deps: HelmReleaseDeps): Reconciler<HelmReleaseSpec, HelmReleaseStatus> {
  const fieldManager = deps.fieldManager ?? DEFAULTS.fieldManager;
  const requeueMs = deps.dependencyRequeueMs ?? DEFAULTS.dependencyRequeueMs;
  const charts = chartLoader({ store: deps.store, fieldManager, requeueMs, fetch: deps.fetch, sha256: deps.sha256 });
  let capabilities = deps.capabilities;
  let cacheReady = false;
  let cacheStarted: Promise<void> | undefined;
  let startCache: (() => Promise<void>) | undefined;

  const acting = (client: KubeClient, hr: HelmReleaseObject): KubeClient => actingClient(client, hr, deps.defaultServiceAccount);
  const actionContext = (client: KubeClient, target: { namespace: string; storageNamespace: string }): ActionContext => ({
    client,
    // One list of the release's Secrets per reconcile instead of one per read (release-store.ts).
    store: reconcileScopedStore(secretReleaseStore(client, target.storageNamespace, { fieldManager })),
    namespace: target.namespace,
    allowedClusterKinds: deps.allowedClusterKinds ?? [],
    fieldManager,
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
  });

  return {
    apiVersion: helmReleaseKind.apiVersion,
    kind: helmReleaseKind.kind,
    controllerName: "helm-controller",

    async start({ client, namespace, signal, log }) {
      const cache = deps.liveCache;
      if (!cache) return;
      // Started by the first release, so an agent without HelmReleases pays nothing for it (no hasher
      // loaded, no watches); drift detection, Helm's wait and its ownership checks read it. Each
      // leadership term starts it again: the last term's watches stopped with that term's signal.
      cacheStarted = undefined;
      cacheReady = false;
      startCache = () =>
        (cacheStarted ??= cache.start(client, namespace, [], signal).then(
          () => void (cacheReady = true),
          (err) => log.error("live cache unavailable: every object of a release will be read and dry-run", { error: messageOf(err) }),
        ));
    },

    async reconcile(obj, ctx) {
      const ns = obj.metadata.namespace!;
      const { stage, recordFailures } = stages(ctx, STAGES);
      // What the loop writes (history, counters, release conditions) survives a failure too.
      const status: HelmReleaseStatus = structuredClone(ctx.status());
      recordFailures(() => ({ ...status }));

      const { target, client } = await stage("guard", async () => {
        guardRemoteCluster(obj);
        guardReleaseNamespaces(obj, deps.allowedNamespaces);
        // A ServiceAccount name that is not one is refused here, before the chart stage writes a HelmChart.
        return { target: await releaseTarget(obj), client: acting(ctx.client, obj) };
      });
      await stage("dependencies", () =>
        checkReadyDependencies(ctx.read, { kind: obj.kind, namespace: ns, name: obj.metadata.name! }, obj.spec.dependsOn ?? [], [
          { apiVersion: helmReleaseKind.apiVersion, kind: helmReleaseKind.kind },
          { apiVersion: kustomizationKind.apiVersion, kind: kustomizationKind.kind },
        ], requeueMs),
      );
      const chart = await stage("chart", async () => {
        const c = await charts.get(obj, ctx);
        if (c.helmChart) status.helmChart = c.helmChart;
        return c;
      });
      const values = await stage("values", () => composeValues(obj.spec, ns, readValues(ctx, ns)).catch((err) => {
        // A missing or bad reference is worth a retry (the object may come), never a secret in the message.
        if (err instanceof ValuesReferenceError) throw new TransientError("InitFailed", `could not compose values: ${err.message}`);
        throw err;
      }));

      await stage("release", () => reconcileRelease({ obj, ctx, status, target, chart, values, client }));
      return finish(obj, status);
    },

    onFailure(_obj, err, ctx) {
      const recorded = failureStatus(err) as Partial<HelmReleaseStatus> | undefined;
      return { ...recorded, conditions: [...(recorded?.conditions ?? ctx.status().conditions ?? [])] };
    },

    async finalize(obj, ctx) {
      // Flux leaves a suspended release in place when its HelmRelease goes.
      if (obj.spec.suspend) return;
      const cur = latest(obj.status?.history ?? []);
      if (cur && obj.status?.storageNamespace) {
        const outside = await uninstallRecorded(obj, ctx, cur, obj.status.storageNamespace, acting(ctx.client, obj));
        // The place comes from status: one outside the tenant is left alone, not acted on.
        if (outside.length) ctx.log.error(`${formatRef(obj)}: not uninstalling ${fullReleaseName(cur)}: its namespaces are outside ${obj.metadata.namespace}`);
      }
      if (obj.spec.chart || obj.status?.helmChart) {
        await ctx.client.delete({ apiVersion: helmChartKind.apiVersion, kind: helmChartKind.kind, namespace: obj.metadata.namespace!, name: helmChartName(obj) });
      }
    },
  };

  /**
   * The release status.history's newest entry names, uninstalled where status says it is, unless it is
   * uninstalled already, with helm-controller's UninstallSucceeded event (`why` ends its message). That
   * place comes from status, so it is checked against the tenant boundary first: the namespaces outside
   * it are returned, and then nothing is done.
   */
  async function uninstallRecorded(obj: HelmReleaseObject, ctx: ReconcileContext<HelmReleaseStatus>, cur: HelmReleaseSnapshot, storageNamespace: string, client: KubeClient, why?: string): Promise<string[]> {
    const ns = obj.metadata.namespace!;
    const outside = [cur.namespace, storageNamespace].filter((n) => n !== ns && !(deps.allowedNamespaces ?? []).includes(n));
    if (outside.length) return outside;
    const actx = actionContext(client, { namespace: cur.namespace, storageNamespace });
    const last = await actx.store.last(cur.name);
    if (last && last.release.info.status !== "uninstalled") {
      await uninstall(actx, cur.name, uninstallOptions(obj));
      const msg = `Helm uninstall succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}${why ? `: ${why}` : ""}`;
      await ctx.events.record(obj, { type: "Normal", reason: "UninstallSucceeded", message: msg, metadata: snapshotEventMeta(cur) });
    }
    return [];
  }

  /**
   * helm-controller's answer to a moved release (another storage namespace, release namespace, release
   * name or chart): the old release is uninstalled where it was, and the history starts again, so the
   * loop installs it in its new place. An old place outside the tenant is refused, not acted on.
   */
  async function uninstallMoved(obj: HelmReleaseObject, ctx: ReconcileContext<HelmReleaseStatus>, status: HelmReleaseStatus, client: KubeClient, change: string): Promise<void> {
    const cur = latest(status.history ?? [])!;
    const outside = await uninstallRecorded(obj, ctx, cur, status.storageNamespace!, client, `the ${change} changed`);
    if (outside.length) {
      throw new TerminalError("AccessDenied", `${formatRef(obj)}: refused to uninstall the previous release ${fullReleaseName(cur)}: namespace ${outside.join(", ")} is outside ${obj.metadata.namespace}`);
    }
    status.history = [];
    delete status.storageNamespace;
    resetFailures(status);
  }

  /** The release loop of one reconcile (helm-controller's reconcileRelease and AtomicRelease). */
  async function reconcileRelease(o: {
    obj: HelmReleaseObject;
    ctx: ReconcileContext<HelmReleaseStatus>;
    status: HelmReleaseStatus;
    target: ReleaseTarget;
    chart: ReleaseChart;
    values: Record<string, unknown>;
    client: KubeClient;
  }): Promise<void> {
    const { obj, ctx, status, target, chart, values } = o;
    const self = formatRef(obj);
    const meta = chart.chart.metadata as { name?: string; version?: string };
    const change = releaseTargetChange({ ...obj, status }, target, meta.name ?? "");
    if (change) await uninstallMoved(obj, ctx, status, o.client, change);
    const hrNow = { ...obj, status };
    // Once per reconcile: every comparison and record below reads these.
    const digests = await desiredDigests(obj.spec, values);
    const reset = await failureResetReason(hrNow, meta.version ?? "", values, digests.config);
    if (reset) {
      resetFailures(status);
      ctx.log.info(`${self}: resetting failure counters: ${reset}`);
    }
    const force = annotationRequest(hrNow, FORCE_AT);
    const resetAt = annotationRequest(hrNow, RESET_AT);
    status.lastAttemptedRevision = meta.version ?? "";
    // helm-controller sets this only for a chart whose source revision holds a digest (OCIRepository,
    // ExternalArtifact): the digest it tracks, not the artifact's.
    if (chart.ociDigest) status.lastAttemptedRevisionDigest = chart.ociDigest;
    else delete status.lastAttemptedRevisionDigest;
    status.lastAttemptedConfigDigest = digests.config;
    // The deprecated fields helm-controller clears on every attempt.
    delete status.lastAttemptedValuesChecksum;
    delete status.lastReleaseRevision;
    status.lastAttemptedGeneration = obj.metadata.generation;
    status.storageNamespace = target.storageNamespace;

    const run: ReleaseRun = {
      hr: obj,
      status,
      ctx,
      name: target.name,
      chart,
      values,
      digests,
      actx: actionContext(o.client, target),
      engine: deps.engine,
      ...(deps.validateValues ? { validateValues: deps.validateValues } : {}),
      capabilities: await (capabilities ??= cachedCapabilities(kubeDiscovery(ctx.client)))(),
      lookup: kubeLookup(o.client, { namespace: target.namespace, allowClusterRead: deps.allowClusterLookup }),
    };
    const driftMode = obj.spec.driftDetection?.mode ?? "disabled";
    await startCache?.();
    run.driftCache = { cache: deps.liveCache, ready: cacheReady };
    // Helm's wait and ownership checks read the watch-fed cache, as the Kustomization's health check does.
    if (cacheReady && deps.liveCache) run.actx.cache = releaseObjectCache(deps.liveCache);
    let driftChecked = false;
    const detectDrift = async (rls: Parameters<typeof releaseDriftObjects>[1]) => {
      const found = await detectReleaseDrift({
        client: run.actx.client,
        objects: await releaseDriftObjects(run.actx, rls),
        ignore: obj.spec.driftDetection?.ignore,
        fieldManager,
        cache: run.driftCache!,
      });
      driftChecked = true;
      run.drift = found.drifted;
      return { drifted: found.drifted.length > 0, summary: summarizeDrift(found.drifted) };
    };
    const done: ActionType[] = [];
    for (let i = 0; i < DEFAULTS.maxActions; i++) {
      // The force and reset requests count once: record them before the first action reads them again.
      driftChecked = false;
      const state = await releaseState({ hr: view(run), releaseName: run.name, chart: { name: meta.name ?? "", version: meta.version ?? "" }, values, digests, storage: run.actx.store, detectDrift });
      const next = await nextAction(state, view(run), { storage: run.actx.store });
      if (driftChecked) await reportDrift(run, state.drift?.drifted ? state.drift.summary ?? "" : undefined);
      if (force.lastHandled !== undefined) status.lastHandledForceAt = force.lastHandled;
      if (resetAt.lastHandled !== undefined) status.lastHandledResetAt = resetAt.lastHandled;
      if (next.kind === "stalled") {
        throw new TerminalError(next.reason, `${next.message}: ${next.error}`);
      }
      if (next.history) status.history = next.history;
      if (next.kind === "none") break;
      if (!mustContinue(next.type, done)) break;
      const timeout = formatDuration(actionTimeoutMs(next.action, obj));
      // Written only when the action lasts over a second (status-writes.ts), as the Kustomization's
      // progress: most installs end sooner and then cost one status write, not two.
      await ctx.progress(`Running '${next.action}' ${next.type} action with timeout of ${timeout}`, { ...status, conditions: ctx.status().conditions });
      await runAction(run, next.action);
      if (mustStop(next.type)) break;
      done.push(next.type);
    }
    if (driftMode === "disabled") status.conditions = removeCondition(status.conditions, "Drifted");
    if (digests.postRenderers) status.observedPostRenderersDigest = digests.postRenderers;
    else delete status.observedPostRenderersDigest;
    if (digests.commonMetadata) status.observedCommonMetadataDigest = digests.commonMetadata;
    else delete status.observedCommonMetadataDigest;
    status.conditions = summarize(status.conditions ?? [], obj.spec.test, obj.metadata.generation ?? 0, ctx.now());
    const ready = status.conditions.find((c) => c.type === "Ready");
    if (ready?.status !== "True") {
      // A remediation or a failure the loop counted: not ready, retried after retryInterval.
      throw new TransientError(ready?.reason ?? "ReconcileError", ready?.message ?? `${self}: release is not ready`);
    }
    resetFailures(status);
  }
}

/**
 * What a drift check found, as the Drifted condition and (when drifted) helm-controller's warning event;
 * `summary` is undefined when nothing drifted. The summary names objects and counts fields, no values.
 */
async function reportDrift(run: ReleaseRun, summary: string | undefined): Promise<void> {
  const cur = latest(run.status.history ?? []);
  const name = cur ? fullReleaseName(cur) : run.name;
  const condition =
    summary === undefined
      ? { type: "Drifted", status: "False" as const, reason: "NoDriftDetected", message: `No drift detected for release ${name}` }
      : { type: "Drifted", status: "True" as const, reason: "DriftDetected", message: `Cluster state of release ${name} has drifted from the desired state:\n${summary}` };
  run.status.conditions = setCondition(run.status.conditions, { ...condition, observedGeneration: run.hr.metadata.generation }, run.ctx.now());
  if (summary !== undefined) await run.ctx.events.record(run.hr, { type: "Warning", reason: "DriftDetected", message: condition.message });
}

/** Ready=True as summarised; the release conditions and the status the loop wrote. */
function finish(obj: HelmReleaseObject, status: HelmReleaseStatus): ReconcileSuccess<HelmReleaseStatus> {
  const conditions = status.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready")!;
  const others = removeCondition(removeCondition(removeCondition(conditions, "Ready"), "Reconciling"), "Stalled");
  const { conditions: _, ...rest } = status;
  return {
    reason: ready.reason,
    message: ready.message,
    status: rest,
    conditions: others.map(({ lastTransitionTime: _t, ...c }) => c),
    clearConditions: obj.spec.test?.enable ? [] : ["TestSuccess"],
  };
}

/** valuesFrom reads: ConfigMap data, Secret data decoded; undefined when the object does not exist. */
function readValues(ctx: ReconcileContext, ns: string): ReadValuesObject {
  return async (kind, name) => {
    let obj;
    try {
      obj = await ctx.read({ apiVersion: "v1", kind, namespace: ns, name });
    } catch (err) {
      throw new TransientError("InitFailed", `could not read ${kind} '${ns}/${name}': ${messageOf(err)}`);
    }
    if (!obj) return undefined;
    const data = ((obj as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
    if (kind === "ConfigMap") return data;
    const dec = new TextDecoder();
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, dec.decode(base64Decode(v))]));
  };
}

/** Clears the failure counters, as helm-controller does on a reset request, a success or a moved release. */
function resetFailures(status: HelmReleaseStatus): void {
  status.failures = 0;
  status.installFailures = 0;
  status.upgradeFailures = 0;
}
