/**
 * Kustomization reconciler (kustomize.toolkit.fluxcd.io/v1), in kustomize-controller's order
 * (reference/flux.md §3.1), one named stage each (stage.ts): source -> dependsOn -> fetch -> build and
 * tenant guardrails -> staged server-side apply (inventory written ahead) -> prune (inventory settled) ->
 * drift report -> health ->
 * status and history. Nothing is written to the cluster until the whole build is valid, so a bad commit
 * leaves the last good revision running. The artifact is read from the agent's own store and unpacked
 * once per digest (ArtifactCache). Drift detection is one session per apply (kustomization-drift.ts).
 */
import { NotReadyError, TerminalError, TransientError, messageOf } from "../core/errors.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import { LimitError, type Limits } from "../core/limits.ts";
import type { WeightedSemaphore } from "../core/weighted-semaphore.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { FileTree } from "../artifact/file-tree.ts";
import { kustomizationKind, type KustomizationSpec as ApiKustomizationSpec, type KustomizationStatus } from "../api/kustomization.ts";
import { gitRepositoryKind } from "../api/git-repository.ts";
import type { Artifact } from "../api/common.ts";
import { artifactOf } from "../storage/artifact-of.ts";
import { applyAll } from "../apply/apply-all.ts";
import { ApplyError } from "../apply/apply-error.ts";
import { formatChangeSet, hasChanged, type ChangeSet } from "../apply/change-set.ts";
import { finalizeInventory } from "../apply/deletion-policy.ts";
import { entryKey, inventoryFromChangeSet, mergeInventories, skippedEntries, staleObjects, writeAheadInventory, type Inventory } from "../apply/inventory.ts";
import { prune, PruneError } from "../apply/prune.ts";
import { waitForHealthy } from "../health/wait-for-healthy.ts";
import { type Condition, isTrue, REASONS, setCondition, TYPES } from "../status/conditions.ts";
import type { ArtifactCache } from "./artifact-cache.ts";
import type { ReconcileContext, Reconciler, ReconcileSuccess } from "./reconciler.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import { driftSession, type DriftOutcome, type DriftSession } from "./kustomization-drift.ts";
import { upsertHistory, type HistoryEntry } from "./kustomization-history.ts";
import { buildKustomizationObjects, type KustomizationObject, type KustomizationSpec } from "./kustomization-build.ts";
import { actingClient } from "./service-account.ts";
import { checkDependencies } from "./kustomization-dependencies.ts";
import { refuseOtherNamespaces, type NamespaceUse } from "./tenant-guard.ts";
import { failureStatus, stages, type StageProgress } from "./stage.ts";

const API = kustomizationKind.apiVersion;
/** Every source kind (GitRepository, OCIRepository, Bucket, ExternalArtifact) is in source.toolkit.fluxcd.io/v1. */
const SOURCE_API = gitRepositoryKind.apiVersion;

export const DEFAULTS = {
  fieldManager: "kustomize-controller",
  /** Flux's --requeue-dependency. */
  dependencyRequeueMs: 30_000,
};

export interface KustomizationDeps {
  cache: ArtifactCache;
  fieldManager?: string;
  /** --default-service-account: used when spec.serviceAccountName is empty. */
  defaultServiceAccount?: string;
  /** Cluster-scoped kinds the platform team allows tenants to apply (e.g. ["Namespace"]); default none. */
  allowedClusterKinds?: string[];
  /** StrictPostBuildSubstitutions. */
  strictSubstitution?: boolean;
  /** The agent's limits (`rivulet run --max-*`): the document size is checked before the build parses. */
  limits?: Limits;
  /**
   * Builds are admitted against this memory budget, weighed by the bytes under spec.path: a large build
   * waits for room instead of running beside others (`rivulet run --build-memory`). Unbounded when absent.
   */
  buildBudget?: WeightedSemaphore;
  /**
   * Drift detection without API calls (agent/diff): objects whose desired state and owned live fields
   * are unchanged since our last apply get no dry-run and no apply. Without it every object is dry-run.
   */
  liveCache?: LiveCache;
  healthPollMs?: number;
}


export function kustomizationReconciler(deps: KustomizationDeps): Reconciler<ApiKustomizationSpec, KustomizationStatus> {
  const fieldManager = deps.fieldManager ?? DEFAULTS.fieldManager;

  const acting = (ctx: ReconcileContext<KustomizationStatus>, obj: KustomizationObject): KubeClient => actingClient(ctx.client, obj, deps.defaultServiceAccount);

  let cacheReady = false;

  return {
    apiVersion: API,
    kind: kustomizationKind.kind,
    controllerName: "kustomize-controller",

    async start({ client, namespace, signal, log }) {
      if (!deps.liveCache) return;
      try {
        await deps.liveCache.start(client, namespace, [], signal);
        cacheReady = true;
      } catch (err) {
        log.error("drift detection cache unavailable: every object will be dry-run", { error: messageOf(err) });
      }
    },

    async reconcile(obj, ctx) {
      const spec: KustomizationSpec = obj.spec;
      const ns = obj.metadata.namespace!;
      const self = formatRef(obj);
      const started = ctx.now().getTime();
      const timeoutMs = spec.timeout ? parseDuration(spec.timeout) : parseDuration(spec.interval);

      // 1. Refused before anything is read or written: a source or a health check in another namespace,
      // a ServiceAccount name that is not one.
      const { kind, name, namespace } = spec.sourceRef;
      refuseOtherNamespaces(self, ns, [{ what: `sourceRef ${kind}/${namespace}/${name}`, namespace }, ...healthCheckNamespaces(spec)]);
      const client = acting(ctx, obj);
      const source = (await ctx.read({ apiVersion: SOURCE_API, kind: spec.sourceRef.kind, namespace: ns, name: spec.sourceRef.name }).catch((err) => {
        throw new NotReadyError("ArtifactFailed", `${self}: cannot read source ${spec.sourceRef.kind}/${ns}/${spec.sourceRef.name}: ${messageOf(err)}`);
      }));
      const sourceRef = `${spec.sourceRef.kind}/${ns}/${spec.sourceRef.name}`;
      if (!source) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' not found`);
      const artifact = artifactOf(source);
      if (!artifact) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' is not ready, artifact not found`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });

      // The source's errors are all classified where they are raised; the rest runs as stages (stage.ts).
      const run: Run = { obj, spec, ns, self, ctx, deps, fieldManager, cacheReady, acting: client, revision: artifact.revision, started, timeoutMs };
      const { stage, recordFailures } = stages(ctx, kustomizationStages(self));
      await stage("dependencies", () => checkDependencies(ctx, obj, spec, artifact.revision, DEFAULTS.dependencyRequeueMs));
      const files = await stage("fetch", { progress: { message: `Building manifests for revision ${artifact.revision}`, status: { lastAttemptedRevision: artifact.revision } } }, () => fetchArtifact(run, artifact));
      const built = await stage("build", () => admitted(run, files, () => build(run, files)));
      // As Flux, a failure from here on is a reconcile of this digest too: it goes into the history.
      recordFailures((err) => ({ history: history(run, built.digest, err.reason) }));
      const { changeSet, drift } = await stage("apply", { progress: applying(run, built.objects) }, () => apply(run, built.objects));
      // The recorded inventory, with what the apply's write-ahead added: prune removes what this build lacks.
      const previous = ctx.status().inventory as Inventory | undefined;
      const inventory = inventoryFromChangeSet(changeSet);
      await stage("prune", { onError: () => pruneFailed(inventory, previous) }, () => pruneStale(run, changeSet, previous, inventory, drift));
      await saveInventory(ctx, inventory, previous);
      const drifted = await stage("drift", () => reportDrift(run, drift));
      const healthy = await stage("health", () => checkHealth(run, inventory, drift));
      const result = succeeded(run, built.digest, inventory, drifted, healthy);
      await reportFinished(run);
      return result;
    },

    onFailure(obj, err, ctx) {
      let conditions = ctx.status().conditions ?? [];
      if (err instanceof TransientError && err.reason === REASONS.HealthCheckFailed) {
        conditions = setCondition(conditions, { type: TYPES.Healthy, status: "False", reason: REASONS.HealthCheckFailed, message: messageOf(err), observedGeneration: obj.metadata.generation }, ctx.now());
      }
      return { ...failureStatus(err), conditions: [...conditions] };
    },

    async finalize(obj, ctx) {
      const spec: KustomizationSpec = obj.spec;
      const cs = await finalizeInventory(acting(ctx, obj), ctx.status().inventory as Inventory | undefined, {
        policy: spec.deletionPolicy,
        prune: spec.prune,
        suspended: spec.suspend,
        owner: { name: obj.metadata.name!, namespace: obj.metadata.namespace! },
        timeoutMs: spec.timeout ? parseDuration(spec.timeout) : 60_000,
      });
      const deleted = cs.entries.filter((e) => e.action === "deleted");
      if (deleted.length) ctx.log.info(`${formatRef(obj)} deleted its objects: ${deleted.map((e) => e.ref).join(", ")}`);
    },
  };
}

/** The stages after the source, and the reason an unexpected error of each gets (Flux's). */
function kustomizationStages(self: string) {
  return {
    dependencies: { reason: REASONS.DependencyNotReady },
    /** From our own store; the "Building manifests" progress goes first, as the fetch is local. */
    fetch: { reason: REASONS.ArtifactFailed, describe: (err: unknown) => (err instanceof LimitError ? `${self}: ${err.message}` : messageOf(err)) },
    /** The build and the tenant guardrails (nothing is written until every object passes). */
    build: { reason: REASONS.BuildFailed },
    apply: { reason: REASONS.ReconciliationFailed, describe: (err: unknown) => (err instanceof ApplyError ? `${self}: ${err.message}` : messageOf(err)) },
    prune: { reason: REASONS.PruneFailed, describe: (err: unknown) => (err instanceof PruneError ? `${self}: ${err.message}` : messageOf(err)) },
    /** warn mode's report of what was held back. */
    drift: { reason: REASONS.ReconciliationFailed },
    health: { reason: REASONS.HealthCheckFailed },
  };
}

/** spec.healthChecks as namespace uses: the tenant's agent reads no object of another namespace. */
function healthCheckNamespaces(spec: KustomizationSpec): NamespaceUse[] {
  return (spec.healthChecks ?? []).map((h) => ({ what: `healthChecks ${h.kind}/${h.namespace}/${h.name}`, namespace: h.namespace }));
}

/** One reconcile's inputs, shared by its stages. */
interface Run {
  obj: KustomizationObject;
  spec: KustomizationSpec;
  ns: string;
  self: string;
  ctx: ReconcileContext<KustomizationStatus>;
  deps: KustomizationDeps;
  fieldManager: string;
  /** The live cache started (drift detection); read once so one reconcile sees one answer. */
  cacheReady: boolean;
  /** The client the Kustomization acts with (impersonation). */
  acting: KubeClient;
  revision: string;
  /** ctx.now() at the start, in ms: history durations. */
  started: number;
  timeoutMs: number;
}

/** Events about a revision carry it, as Flux's do. */
function revisionMeta(run: Run): Record<string, string> {
  return { "kustomize.toolkit.fluxcd.io/revision": run.revision };
}

/** The artifact's files, from our own store (unpacked once per digest). */
async function fetchArtifact(run: Run, artifact: Artifact): Promise<FileTree> {
  const files = await run.deps.cache.tree(artifact);
  const sourceRef = `${run.spec.sourceRef.kind}/${run.ns}/${run.spec.sourceRef.name}`;
  if (!files) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' artifact ${artifact.path} is not in storage yet`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });
  return files;
}

/** Runs the build once the memory budget has room for it: its weight is the bytes of the files under spec.path. */
function admitted<T>(run: Run, files: FileTree, build: () => Promise<T>): Promise<T> {
  const budget = run.deps.buildBudget;
  if (!budget) return build();
  const dir = (run.spec.path ?? "").replace(/^(\.\/)+|^\.$/, "").replace(/\/+$/, "");
  let weight = 0;
  for (const [path, node] of files) if (node.kind === "file" && (dir === "" || path.startsWith(`${dir}/`))) weight += node.data.byteLength;
  return budget.run(weight, build);
}

/** The build and the tenant guardrails on every object, with the Kustomization's own client. */
function build(run: Run, files: FileTree): Promise<{ objects: KubeObject[]; digest: string }> {
  return buildKustomizationObjects(run.acting, run.obj, files, run.revision, {
    allowedClusterKinds: run.deps.allowedClusterKinds ?? [],
    strictSubstitution: run.deps.strictSubstitution,
    maxDocumentSize: run.deps.limits?.maxDocumentSize,
  });
}

/**
 * The apply stage's progress. When the build adds objects to the recorded inventory it is the
 * write-ahead: the inventory with those objects added, persisted before the first write, so that a crash
 * at any point of the apply leaves nothing we created outside the inventory (the next reconcile prunes
 * what its build no longer has; the finalizer deletes it all). A build already listed writes nothing.
 */
function applying(run: Run, objects: KubeObject[]): StageProgress {
  const message = `Applying ${objects.length} objects for revision ${run.revision}`;
  const ahead = writeAheadInventory(run.ctx.status().inventory as Inventory | undefined, objects);
  return ahead ? { message, status: { inventory: ahead }, persist: true } : { message };
}

/** Staged server-side apply; the drift session lets objects known unchanged through without a request. */
async function apply(run: Run, objects: KubeObject[]): Promise<{ changeSet: ChangeSet; drift: DriftSession }> {
  const { obj, ctx } = run;
  const drift = await driftSession({
    cache: run.deps.liveCache,
    cacheReady: run.cacheReady,
    ks: obj,
    objects,
    revisionApplied: ctx.status().lastAppliedRevision === run.revision,
    client: run.acting,
    fieldManager: run.fieldManager,
  });
  const changeSet = await applyAll(run.acting, objects, {
    fieldManager: run.fieldManager,
    owner: { name: obj.metadata.name!, namespace: run.ns },
    force: run.spec.force,
    skip: drift.skip,
    onApplied: drift.onApplied,
    absent: drift.absent,
    appliedCopy: drift.appliedCopy,
    waitForStage: waitForHealthy,
  });
  const changed = changeSet.entries.filter((e) => hasChanged(e.action));
  if (changed.length) await ctx.events.record(obj, { type: "Normal", reason: REASONS.Progressing, message: formatChangeSet({ entries: changed }), metadata: revisionMeta(run) });
  return { changeSet, drift };
}

/** spec.prune: deletes what left the inventory (objects skipped by the apply stay). */
async function pruneStale(run: Run, changeSet: ChangeSet, previous: Inventory | undefined, inventory: Inventory, drift: DriftSession): Promise<void> {
  if (!run.spec.prune) return;
  const stale = staleObjects(previous, inventory, skippedEntries(changeSet));
  if (!stale.length) return;
  const pruned = await prune(run.acting, stale, { owner: { name: run.obj.metadata.name!, namespace: run.ns } });
  const deleted = pruned.entries.filter((e) => e.action === "deleted");
  drift.forget(deleted);
  if (deleted.length) await run.ctx.events.record(run.obj, { type: "Normal", reason: REASONS.Progressing, message: formatChangeSet({ entries: deleted }), metadata: revisionMeta(run) });
}

/** A failed prune still saves the inventory, with the stale objects (kept by the merge) so the next run tries again. */
function pruneFailed(inventory: Inventory, previous: Inventory | undefined): StageProgress {
  return { message: "Prune failed", status: { inventory: mergeInventories(inventory, previous) }, persist: true };
}

/**
 * The inventory goes into the status before health checks so a failing check never loses track of
 * objects: the failure's status write carries it, and a long health check publishes it with its progress
 * (folded, status-writes.ts). It is not written on its own, so a reconcile that ends soon writes its status
 * once. Not a stage: it is our own status, as a progress is.
 */
async function saveInventory(ctx: ReconcileContext, inventory: Inventory, previous: Inventory | undefined): Promise<void> {
  if (JSON.stringify(inventory) !== JSON.stringify(previous)) await ctx.progress("Checking health of applied objects", { inventory });
}

/** warn mode: what was held back and differs becomes a warning event (and Drifted=True at the end). */
async function reportDrift(run: Run, drift: DriftSession): Promise<DriftOutcome> {
  const outcome = await drift.report();
  if (outcome.event) await run.ctx.events.record(run.obj, { type: "Warning", reason: outcome.event.reason, message: outcome.event.message, metadata: revisionMeta(run) });
  return outcome;
}

/** spec.wait (everything applied) or spec.healthChecks; the Healthy condition, undefined when none. */
async function checkHealth(run: Run, inventory: Inventory, drift: DriftSession): Promise<Omit<Condition, "lastTransitionTime"> | undefined> {
  const { spec, ctx } = run;
  const healthKeys = spec.wait
    ? inventory.entries.map(entryKey)
    : (spec.healthChecks ?? []).map((h) => ({ apiVersion: h.apiVersion ?? guessApiVersion(h.kind), kind: h.kind, name: h.name, namespace: h.namespace ?? run.ns }));
  if (!healthKeys.length) return undefined;
  const wasHealthy = isTrue(ctx.status().conditions, TYPES.Healthy);
  // Health reads come from the watch-fed live cache when it is current, not from polling GETs.
  const health = await waitForHealthy(drift.reader(), healthKeys, { timeoutMs: run.timeoutMs, pollMs: run.deps.healthPollMs, failFast: true });
  if (!health.healthy) {
    throw new TransientError(REASONS.HealthCheckFailed, `${run.self}: health check failed after ${formatDuration(health.elapsedMs)}: ${health.message ?? "objects are not ready"}`);
  }
  const msg = `Health check passed in ${formatDuration(health.elapsedMs)}`;
  if (!wasHealthy) await ctx.events.record(run.obj, { type: "Normal", reason: REASONS.Progressing, message: msg, metadata: revisionMeta(run) });
  return { type: TYPES.Healthy, status: "True", reason: REASONS.Succeeded, message: msg };
}

/** status.history with this reconcile of `digest` upserted, ending with `status` (a Ready reason). */
function history(run: Run, digest: string, status: string): HistoryEntry[] {
  const elapsed = run.ctx.now().getTime() - run.started;
  return upsertHistory(run.ctx.status().history as HistoryEntry[] | undefined, digest, run.revision, run.ctx.now(), elapsed, status);
}

/**
 * kustomize-controller's event at the end of every successful reconcile, the one commit-status Providers
 * act on (`commit_status: update`). It goes to the Alerts only (notifyOnly): its message changes every
 * time, so as a Kubernetes Event it would cost a write per reconcile.
 */
async function reportFinished(run: Run): Promise<void> {
  const took = formatDuration(run.ctx.now().getTime() - run.started);
  const next = formatDuration(parseDuration(run.spec.interval));
  await run.ctx.events.record(run.obj, {
    type: "Normal",
    reason: REASONS.ReconciliationSucceeded,
    message: `Reconciliation finished in ${took}, next run in ${next}`,
    metadata: { ...revisionMeta(run), "kustomize.toolkit.fluxcd.io/commit_status": "update" },
    notifyOnly: true,
  });
}

/** Ready=True "Applied revision", the inventory and history, Drifted and Healthy set or cleared. */
function succeeded(run: Run, digest: string, inventory: Inventory, drift: DriftOutcome, healthy: Omit<Condition, "lastTransitionTime"> | undefined): ReconcileSuccess {
  const conditions: ReconcileSuccess["conditions"] = [];
  const clear: string[] = [];
  if (drift.condition) conditions.push(drift.condition);
  else clear.push("Drifted");
  if (healthy) conditions.push(healthy);
  return {
    reason: REASONS.ReconciliationSucceeded,
    message: `Applied revision: ${run.revision}`,
    status: {
      inventory,
      lastAppliedRevision: run.revision,
      lastAttemptedRevision: run.revision,
      history: history(run, digest, REASONS.ReconciliationSucceeded),
    },
    conditions,
    clearConditions: healthy ? clear : [...clear, TYPES.Healthy],
  };
}

function guessApiVersion(kind: string): string {
  const apps = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];
  if (apps.includes(kind)) return "apps/v1";
  if (kind === "Job" || kind === "CronJob") return "batch/v1";
  if (kind === "Kustomization") return API;
  if (["GitRepository", "OCIRepository", "Bucket"].includes(kind)) return SOURCE_API;
  return "v1";
}

