/**
 * Kustomization reconciler (kustomize.toolkit.fluxcd.io/v1), in kustomize-controller's order
 * (reference/flux.md §3.1): source -> dependsOn -> build -> validate every object (tenant guardrails)
 * -> staged server-side apply -> inventory and prune -> health -> status and history. Nothing is written
 * to the cluster until the whole build is valid, so a bad commit leaves the last good revision running.
 * The artifact is read from the agent's own store and unpacked once per digest (ArtifactCache).
 */
import { NotReadyError, TerminalError, TransientError, messageOf } from "../core/errors.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { readSecret } from "../kube/secret.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { KustomizationSpec as ApiKustomizationSpec } from "../api/kustomization.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { applyAll } from "../apply/apply-all.ts";
import { ApplyError } from "../apply/apply-error.ts";
import { formatChangeSet, hasChanged, type ChangeSet } from "../apply/change-set.ts";
import { finalizeInventory } from "../apply/deletion-policy.ts";
import { entryKey, inventoryFromChangeSet, skippedEntries, staleObjects, type Inventory } from "../apply/inventory.ts";
import { prune, PruneError } from "../apply/prune.ts";
import { waitForHealthy } from "../health/wait-for-healthy.ts";
import type { ArtifactCache } from "./artifact-cache.ts";
import type { FluxObject, ReconcileContext, Reconciler, ReconcileSuccess } from "./controller.ts";
import { guardObjects } from "./tenant-guard.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import { driftPlan, reportDrift } from "./kustomization-drift.ts";
import { cachedReader, keyString } from "./cached-reader.ts";
import { upsertHistory, type HistoryEntry } from "./kustomization-history.ts";
import { formatTime } from "../core/time.ts";

const API = "kustomize.toolkit.fluxcd.io/v1";
const SOURCE_API = "source.toolkit.fluxcd.io/v1";

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
  /**
   * Drift detection without API calls (agent/diff): objects whose desired state and owned live fields
   * are unchanged since our last apply get no dry-run and no apply. Without it every object is dry-run.
   */
  liveCache?: LiveCache;
  healthPollMs?: number;
}

/** The API's spec, read where the build expects its overlay fields. */
type KustomizationSpec = ApiKustomizationSpec & FluxKustomizationSpec;

export function kustomizationReconciler(deps: KustomizationDeps): Reconciler {
  const fieldManager = deps.fieldManager ?? DEFAULTS.fieldManager;

  const actingClient = (ctx: ReconcileContext, obj: FluxObject): KubeClient => actingAs(ctx.client, obj, deps.defaultServiceAccount);

  let cacheReady = false;

  return {
    apiVersion: API,
    kind: "Kustomization",
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
      const spec = obj.spec as unknown as KustomizationSpec;
      const ns = obj.metadata.namespace!;
      const self = formatRef(obj);
      const started = ctx.now().getTime();
      const timeoutMs = spec.timeout ? parseDuration(spec.timeout) : parseDuration(spec.interval);

      // 1. Source: same namespace only.
      if (spec.sourceRef.namespace && spec.sourceRef.namespace !== ns) {
        throw new TerminalError("AccessDenied", `${self}: cross-namespace references are not allowed: sourceRef ${spec.sourceRef.kind}/${spec.sourceRef.namespace}/${spec.sourceRef.name} is outside namespace ${ns}`);
      }
      const source = (await ctx.read({ apiVersion: SOURCE_API, kind: spec.sourceRef.kind, namespace: ns, name: spec.sourceRef.name }).catch((err) => {
        throw new NotReadyError("ArtifactFailed", `${self}: cannot read source ${spec.sourceRef.kind}/${ns}/${spec.sourceRef.name}: ${messageOf(err)}`);
      })) as FluxObject | undefined;
      const sourceRef = `${spec.sourceRef.kind}/${ns}/${spec.sourceRef.name}`;
      if (!source) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' not found`);
      const artifact = source.status?.artifact as { path: string; revision: string; digest?: string } | undefined;
      if (!artifact) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' is not ready, artifact not found`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });

      // 2. dependsOn.
      await checkDependencies(ctx, obj, spec, artifact.revision);

      // 3. Fetch (from our own store, unpacked once per digest) and build.
      await ctx.progress(`Building manifests for revision ${artifact.revision}`, { lastAttemptedRevision: artifact.revision });
      const files = await deps.cache.tree(artifact);
      if (!files) throw new NotReadyError("ArtifactFailed", `Source '${sourceRef}' artifact ${artifact.path} is not in storage yet`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });
      const acting = actingClient(ctx, obj);
      const { objects, digest } = await buildKustomizationObjects(acting, obj, files, artifact.revision, {
        allowedClusterKinds: deps.allowedClusterKinds ?? [],
        strictSubstitution: deps.strictSubstitution,
      });

      // 5. Apply in stages; the live cache lets unchanged objects through without any request.
      await ctx.progress(`Applying ${objects.length} objects for revision ${artifact.revision}`);
      const drift = deps.liveCache && cacheReady ? await driftPlan(deps.liveCache, obj, objects, ctx.status().lastAppliedRevision === artifact.revision) : undefined;
      const appliedGeneration = new Map<string, number>();
      const onApplied = drift
        ? (answer: KubeObject, desired: KubeObject) => {
            drift.record(answer, desired);
            if (answer.metadata.generation !== undefined) appliedGeneration.set(keyString({ ...answer, name: answer.metadata.name, namespace: answer.metadata.namespace }), answer.metadata.generation);
          }
        : undefined;
      let changeSet: ChangeSet;
      try {
        changeSet = await applyAll(acting, objects, { fieldManager, owner: { name: obj.metadata.name!, namespace: ns }, force: spec.force, skip: drift?.skip, onApplied, absent: drift?.absent });
      } catch (err) {
        if (err instanceof ApplyError) throw new TransientError("ReconciliationFailed", `${self}: ${err.message}`, { cause: err });
        throw err;
      }
      const oldInventory = ctx.status().inventory as Inventory | undefined;
      const inventory = inventoryFromChangeSet(changeSet);
      const revisionMeta = { "kustomize.toolkit.fluxcd.io/revision": artifact.revision };
      if (changeSet.entries.some((e) => hasChanged(e.action))) {
        await ctx.events.record(obj, { type: "Normal", reason: "Progressing", message: formatChangeSet({ entries: changeSet.entries.filter((e) => hasChanged(e.action)) }), metadata: revisionMeta });
      }

      // 6. Prune what left the inventory.
      if (spec.prune) {
        const stale = staleObjects(oldInventory, inventory, skippedEntries(changeSet));
        if (stale.length) {
          try {
            const pruned = await prune(acting, stale, { owner: { name: obj.metadata.name!, namespace: ns } });
            const deleted = pruned.entries.filter((e) => e.action === "deleted");
            for (const e of deleted) deps.liveCache?.forget({ apiVersion: e.apiVersion, kind: e.kind, namespace: e.namespace, name: e.name });
            if (deleted.length) await ctx.events.record(obj, { type: "Normal", reason: "Progressing", message: formatChangeSet({ entries: deleted }), metadata: revisionMeta });
          } catch (err) {
            await ctx.progress("Prune failed", { inventory: mergeInventories(inventory, oldInventory) }, { persist: true });
            if (err instanceof PruneError) throw new TransientError("PruneFailed", `${self}: ${err.message}`, { cause: err });
            throw err;
          }
        }
      }
      // The inventory is saved before health checks so a failing check never loses track of objects.
      if (JSON.stringify(inventory) !== JSON.stringify(oldInventory)) await ctx.progress("Checking health of applied objects", { inventory }, { persist: true });

      // 7. Health.
      const healthKeys = spec.wait
        ? inventory.entries.map(entryKey)
        : (spec.healthChecks ?? []).map((h) => ({ apiVersion: h.apiVersion ?? guessApiVersion(h.kind), kind: h.kind, name: h.name, namespace: h.namespace ?? ns }));
      const conditions: ReconcileSuccess["conditions"] = [];
      const clear: string[] = [];
      const report = drift?.reported.length ? await reportDrift(acting, drift.reported, fieldManager) : undefined;
      if (report) {
        conditions.push({ ...report.condition, status: "True", observedGeneration: obj.metadata.generation });
        await ctx.events.record(obj, { type: "Warning", reason: report.event.reason, message: report.event.message, metadata: revisionMeta });
      } else {
        clear.push("Drifted");
      }
      if (healthKeys.length) {
        const wasHealthy = (ctx.status().conditions ?? []).find((c) => c.type === "Healthy")?.status === "True";
        // Health reads come from the watch-fed live cache when it is current, not from polling GETs.
        const reader = deps.liveCache && cacheReady ? cachedReader(acting, deps.liveCache, appliedGeneration) : acting;
        const health = await waitForHealthy(reader, healthKeys, { timeoutMs, pollMs: deps.healthPollMs, failFast: true });
        if (!health.healthy) {
          throw new TransientError("HealthCheckFailed", `${self}: health check failed after ${formatDuration(health.elapsedMs)}: ${health.message ?? "objects are not ready"}`);
        }
        const msg = `Health check passed in ${formatDuration(health.elapsedMs)}`;
        conditions.push({ type: "Healthy", status: "True", reason: "Succeeded", message: msg });
        if (!wasHealthy) await ctx.events.record(obj, { type: "Normal", reason: "Progressing", message: msg, metadata: revisionMeta });
      }

      const elapsed = ctx.now().getTime() - started;
      return {
        reason: "ReconciliationSucceeded",
        message: `Applied revision: ${artifact.revision}`,
        status: {
          inventory,
          lastAppliedRevision: artifact.revision,
          lastAttemptedRevision: artifact.revision,
          history: upsertHistory(ctx.status().history as HistoryEntry[] | undefined, digest, artifact.revision, ctx.now(), elapsed, "ReconciliationSucceeded"),
        },
        conditions,
        clearConditions: healthKeys.length ? clear : [...clear, "Healthy"],
      };
    },

    onFailure(obj, err, ctx) {
      const conds = [...(ctx.status().conditions ?? [])];
      if (err instanceof TransientError && err.reason === "HealthCheckFailed") {
        const now = formatTime(ctx.now());
        const i = conds.findIndex((c) => c.type === "Healthy");
        const c = { type: "Healthy", status: "False" as const, reason: "HealthCheckFailed", message: messageOf(err), lastTransitionTime: i >= 0 && conds[i]!.status === "False" ? conds[i]!.lastTransitionTime : now, observedGeneration: obj.metadata.generation };
        if (i >= 0) conds[i] = c;
        else conds.push(c);
      }
      return { conditions: conds };
    },

    async finalize(obj, ctx) {
      const spec = obj.spec as unknown as KustomizationSpec;
      const cs = await finalizeInventory(actingClient(ctx, obj), ctx.status().inventory as Inventory | undefined, {
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

/** The client a Kustomization acts with: impersonating spec.serviceAccountName (or the default) if set. */
export function actingAs(client: KubeClient, ks: FluxObject, defaultServiceAccount?: string): KubeClient {
  const sa = (ks.spec as unknown as KustomizationSpec).serviceAccountName || defaultServiceAccount;
  return sa ? client.impersonate(`system:serviceaccount:${ks.metadata.namespace}:${sa}`) : client;
}

/**
 * Build and guardrails, as the reconciler runs them (and `rivulet diff kustomization`): substituteFrom
 * data read with `client`, the Flux build of `files`, then every object checked for tenancy. Returns the
 * objects to apply (namespaces filled in) and the rendered stream's digest.
 */
export async function buildKustomizationObjects(
  client: KubeClient,
  ks: FluxObject,
  files: TreeReader,
  revision: string,
  o: { allowedClusterKinds: string[]; strictSubstitution?: boolean },
): Promise<{ objects: KubeObject[]; digest: string }> {
  const spec = ks.spec as unknown as KustomizationSpec;
  const ns = ks.metadata.namespace!;
  const self = formatRef(ks);
  const substituteFrom = await readSubstituteFrom(client, spec, ns, self);
  let built;
  try {
    built = await fluxBuild(files, spec, { emit: emitDocuments, substituteFrom, strict: o.strictSubstitution });
  } catch (err) {
    throw new TransientError("BuildFailed", `${self}: build of revision ${revision} failed: ${messageOf(err)}`, { cause: err });
  }
  const objects = await guardObjects(client, built.objects as unknown as KubeObject[], { namespace: ns, allowedClusterKinds: o.allowedClusterKinds, self });
  return { objects, digest: built.digest };
}

async function checkDependencies(ctx: ReconcileContext, obj: FluxObject, spec: KustomizationSpec, revision: string): Promise<void> {
  const ns = obj.metadata.namespace!;
  const self = formatRef(obj);
  for (const dep of spec.dependsOn ?? []) {
    if (dep.namespace && dep.namespace !== ns) {
      throw new TerminalError("AccessDenied", `${self}: cross-namespace references are not allowed: dependsOn ${dep.namespace}/${dep.name} is outside namespace ${ns}`);
    }
  }
  const cycle = await findCycle(ctx.read, ns, obj.metadata.name!, spec.dependsOn ?? []);
  if (cycle) throw new TerminalError("DependencyNotReady", `${self}: circular dependency: ${cycle.join(" -> ")}`);
  for (const dep of spec.dependsOn ?? []) {
    const d = (await ctx.read({ apiVersion: API, kind: "Kustomization", namespace: ns, name: dep.name })) as FluxObject | undefined;
    const notReady = (why: string) =>
      new NotReadyError("DependencyNotReady", `dependency '${ns}/${dep.name}' ${why}`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });
    if (!d) throw notReady("is not found");
    const ready = d.status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True" || d.status?.observedGeneration !== d.metadata.generation) throw notReady("is not ready");
    const dSpec = d.spec as unknown as KustomizationSpec;
    // Same source: the dependency must have applied the revision we are about to apply (Flux's rule).
    if (dSpec.sourceRef?.kind === spec.sourceRef.kind && dSpec.sourceRef?.name === spec.sourceRef.name && d.status?.lastAppliedRevision !== revision) {
      throw notReady(`is not up to date with revision ${revision}`);
    }
  }
}

/** A dependsOn path from `name` back to itself, if any (bounded by the namespace's Kustomizations). */
async function findCycle(read: ReconcileContext["read"], ns: string, name: string, direct: Array<{ name: string }>): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const stack: Array<{ name: string; path: string[] }> = direct.map((d) => ({ name: d.name, path: [name, d.name] }));
  while (stack.length) {
    const { name: cur, path } = stack.pop()!;
    if (cur === name) return path;
    if (seen.has(cur) || seen.size > 1000) continue;
    seen.add(cur);
    const k = (await read({ apiVersion: API, kind: "Kustomization", namespace: ns, name: cur }).catch(() => undefined)) as FluxObject | undefined;
    for (const d of ((k?.spec as unknown as KustomizationSpec | undefined)?.dependsOn ?? [])) {
      if (!d.namespace || d.namespace === ns) stack.push({ name: d.name, path: [...path, d.name] });
    }
  }
  return undefined;
}

async function readSubstituteFrom(client: KubeClient, spec: KustomizationSpec, ns: string, self: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (const ref of spec.postBuild?.substituteFrom ?? []) {
    if (ref.kind === "Secret") {
      try {
        out.push(await readSecret(client, ns, ref.name, self));
      } catch (err) {
        if (ref.optional) continue;
        throw new TransientError("BuildFailed", `${self}: substituteFrom: ${messageOf(err)}`);
      }
    } else {
      const cm = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: ref.name });
      if (!cm) {
        if (ref.optional) continue;
        throw new TransientError("BuildFailed", `${self}: substituteFrom: ConfigMap/${ns}/${ref.name} not found: create it or mark the reference optional`);
      }
      out.push({ ...((cm.data as Record<string, string> | undefined) ?? {}) });
    }
  }
  return out;
}

function mergeInventories(next: Inventory, old: Inventory | undefined): Inventory {
  // Keep stale entries that could not be deleted so the next run tries again.
  const ids = new Set(next.entries.map((e) => e.id));
  return { entries: [...next.entries, ...(old?.entries ?? []).filter((e) => !ids.has(e.id))] };
}

function guessApiVersion(kind: string): string {
  const apps = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];
  if (apps.includes(kind)) return "apps/v1";
  if (kind === "Job" || kind === "CronJob") return "batch/v1";
  if (kind === "Kustomization") return API;
  if (["GitRepository", "OCIRepository", "Bucket"].includes(kind)) return SOURCE_API;
  return "v1";
}

