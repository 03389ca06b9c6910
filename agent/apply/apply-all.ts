/**
 * Staged server-side apply of built objects, as kustomize-controller does it with fluxcd/pkg ssa:
 *
 * 1. Stages: cluster definitions (CRDs, Namespaces, ClusterRoles), then `*Class` kinds, then the rest;
 *    the first two are waited for (Current: CRD Established, Namespace Active) before the next starts,
 *    through the `waitForStage` port: readiness is the health stage's to judge, and the caller (the
 *    reconciler, which sequences stages) passes health's waitForHealthy in.
 * 2. In a stage, every object is looked up and dry-run applied (bounded concurrency), so all of them are
 *    validated before any is applied: a stage with an invalid object applies nothing and reports every
 *    invalid object. Objects that did not drift are not applied, so their resourceVersion stays.
 *    One object of the stage needs no dry-run (the lead): one that a watch-fed cache knows to be absent,
 *    or applied by us before and changed since. It is applied first, alone, once every other object's
 *    dry-run passed: its own apply validates it before anything else of the stage is written, so a
 *    failure still writes nothing (reported as its dry-run would be), one request fewer per stage. When
 *    another object fails its dry-run, the lead is dry-run too, so every invalid object is reported.
 * 3. Drifted and new objects are then applied with ForceOwnership; the first apply failure stops the
 *    stage (Flux stops there too) after the applies in flight finish.
 *
 * Objects are normalized first (normalize.ts: default port protocols, Secret stringData, no status).
 *
 * Per object: `reconcile: disabled` / `ssa: Ignore` skip it, `ssa: IfNotPresent` skips it once it
 * exists, `ssa: Merge` keeps other managers' fields, `force: enabled` (or opts.force) recreates it when
 * an immutable field changed. Live objects come from the caller's cache when it knows them (`absent`,
 * `appliedCopy`), else from one LIST per kind and namespace when a stage has several objects of it (fewer
 * requests than a GET each), else from a GET.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import { formatRef } from "../core/ref.ts";
import { KEYS } from "./annotations.ts";
import { ApplyError, serverMessage, type ApplyFailure } from "./apply-error.ts";
import { changeSetEntry, type ChangeSet, type ChangeSetEntry } from "./change-set.ts";
import { hasDrifted, type DriftCheck } from "./drift.ts";
import { splitStages, type ApplyStage } from "./kind-order.ts";
import { mapLimit } from "./map-limit.ts";
import { normalizeForApply } from "./normalize.ts";
import { defaultCleanupRules, type CleanupRules } from "./metadata-cleanup.ts";
import { applyLead, failureOf, idOf, leadOf, leadPlan, plan, prefetch, type PlanContext, type Planned } from "./apply-plan.ts";

export const DEFAULTS = {
  fieldManager: "kustomize-controller",
  /**
   * Requests in flight per stage (Flux runs 4 SSA workers). Measured on the local control plane with
   * bench/apply.ts, first apply of 1,000 objects: 8 -> 3.4 s, 16 -> 3.0 s, 32 -> 2.1 s (kubectl 6.5-9 s);
   * each request waits on etcd and admission, so more in flight keeps the API server busy. The transport
   * holds at most 32 connections (agent/runtime/kube-transport.ts), which caps the agent as a whole.
   */
  concurrency: 32,
  /** Flux waits up to 60 s for CRDs and Namespaces, polling every 2 s; we poll faster. */
  stageWaitTimeoutMs: 60_000,
  stageWaitPollMs: 500,
  /** A stage with at least this many objects of one kind in one namespace lists them instead. */
  listThreshold: 3,
  /** How long a force-recreated object may take to disappear (finalizers). */
  recreateTimeoutMs: 60_000,
  /** A kind from a CRD applied moments ago may take a moment to appear in discovery. */
  discoveryRetries: 5,
  discoveryRetryMs: 1_000,
};

/** What waitForStage is asked: wait for every object, never stop at the first Failed one. */
export interface StageWaitOptions {
  timeoutMs: number;
  pollMs: number;
  failFast: false;
  signal?: AbortSignal;
}

/**
 * Waits until the objects of a finished stage are ready for the next (health's waitForHealthy fits):
 * `healthy` false stops applyAll with `message` (the objects not ready and their status).
 */
export type StageWait = (
  client: KubeClient,
  keys: readonly ObjectKey[],
  opts: StageWaitOptions,
) => Promise<{ healthy: boolean; message?: string }>;

export interface ApplyAllOptions {
  /** Required so no caller applies resources before the CRDs and Namespaces they need are ready. */
  waitForStage: StageWait;
  fieldManager?: string;
  /** Sets the owner labels kustomize.toolkit.fluxcd.io/name and /namespace on every object. */
  owner?: { name: string; namespace: string };
  /** Recreate objects whose immutable fields changed (spec.force). */
  force?: boolean;
  concurrency?: number;
  /** Replaces the dry-run comparison (e.g. with a detector that needs no API call). */
  driftCheck?: DriftCheck;
  /**
   * Asked first, with the object exactly as it would be applied (normalized, owner labels set): true
   * means "known unchanged", reported as `unchanged` without any request (agent/diff's live cache).
   */
  skip?: (desired: KubeObject) => boolean;
  /**
   * Told the server's answer for each object applied, and the dry-run answer for each object found
   * unchanged: what a live cache records as "last applied".
   */
  onApplied?: (answer: KubeObject, desired: KubeObject) => void;
  /**
   * True when the object is known not to exist (a watch-fed cache has listed its kind without it): the
   * read before the dry-run is skipped. The dry-run still validates and says whether it existed.
   */
  absent?: (desired: KubeObject) => boolean;
  /**
   * Dry-run objects that do not exist yet before applying anything (default true, Flux's behaviour: an
   * invalid new object stops the whole stage). With false, objects a LIST showed absent are applied
   * directly, one request instead of two, and an invalid one fails at apply time after valid ones of
   * the same stage may have been applied. Existing objects are always dry-run first.
   */
  dryRunNew?: boolean;
  /**
   * A stand-in for reading an object rivulet applied before and that changed since (identity,
   * resourceVersion, the kustomize.toolkit.fluxcd.io/ labels and annotations), from a watch-fed cache
   * that recorded the apply; undefined when it must be read. Its managed fields were cleaned up at that
   * apply, and whether it drifted is the server's answer: an apply that leaves its resourceVersion as it
   * was is reported `unchanged`.
   */
  appliedCopy?: (desired: KubeObject) => KubeObject | undefined;
  /** Metadata and field managers to take back; false disables it for all objects. */
  cleanup?: CleanupRules | false;
  stageWaitTimeoutMs?: number;
  stageWaitPollMs?: number;
  signal?: AbortSignal;
}


/** Applies the objects in Flux's stages; throws ApplyError naming every failed object of the stage. */
export async function applyAll(client: KubeClient, objects: readonly KubeObject[], opts: ApplyAllOptions): Promise<ChangeSet> {
  const normalized = objects.map(normalizeForApply);
  const labelled = opts.owner ? normalized.map((o) => withOwnerLabels(o, opts.owner!)) : normalized;
  const stages = splitStages(labelled);
  const entries: ChangeSetEntry[] = [];
  let createdCrds = false;
  for (const stage of ["definitions", "classes", "resources"] as ApplyStage[]) {
    const objs = stages[stage];
    if (!objs.length) continue;
    const stageEntries = await applyStage(client, objs, opts, createdCrds, entries);
    entries.push(...stageEntries);
    if (stage === "definitions") createdCrds = objs.some((o) => o.kind === "CustomResourceDefinition");
    if (stage !== "resources") {
      const keys = stageEntries.filter((e) => e.action !== "skipped").map((e) => ({
        apiVersion: e.apiVersion,
        kind: e.kind,
        name: e.name,
        ...(e.namespace ? { namespace: e.namespace } : {}),
      }));
      const health = await opts.waitForStage(client, keys, {
        timeoutMs: opts.stageWaitTimeoutMs ?? DEFAULTS.stageWaitTimeoutMs,
        pollMs: opts.stageWaitPollMs ?? DEFAULTS.stageWaitPollMs,
        failFast: false,
        signal: opts.signal,
      });
      if (!health.healthy) {
        throw new ApplyError([{ ref: "", phase: "wait", message: health.message ?? "Cannot wait for the cluster definitions" }], { entries });
      }
    }
  }
  return { entries };
}

/** Dry-runs every object of one stage, then applies those that drifted. */
async function applyStage(
  client: KubeClient,
  objs: KubeObject[],
  opts: ApplyAllOptions,
  retryDiscovery: boolean,
  before: ChangeSetEntry[],
): Promise<ChangeSetEntry[]> {
  const limit = opts.concurrency ?? DEFAULTS.concurrency;
  const fieldManager = opts.fieldManager ?? DEFAULTS.fieldManager;
  const known = opts.skip ? objs.filter((o) => opts.skip!(o)) : [];
  if (known.length) {
    const rest = objs.filter((o) => !known.includes(o));
    const restEntries = rest.length ? await applyStage(client, rest, { ...opts, skip: undefined }, retryDiscovery, before) : [];
    return [...known.map((o) => changeSetEntry(o, "unchanged")), ...restEntries];
  }
  const cached = new Map<string, KubeObject | undefined>();
  for (const o of objs) {
    if (opts.absent?.(o)) cached.set(idOf(o), undefined);
    else if (opts.appliedCopy?.(o)) cached.set(idOf(o), opts.appliedCopy(o));
  }
  const live = await prefetch(client, objs.filter((o) => !cached.has(idOf(o))), limit);
  for (const [id, o] of cached) live.set(id, o);
  const drift = opts.driftCheck ?? hasDrifted;
  const rules = opts.cleanup === false ? undefined : (opts.cleanup ?? defaultCleanupRules(fieldManager));
  const ctx: PlanContext = { ...opts, fieldManager, drift, rules, retryDiscovery, known: cached };

  const lead = leadOf(objs, cached, ctx);
  const planned = await mapLimit(objs, limit, (obj, i) => (i === lead ? Promise.resolve(leadPlan(obj, cached)) : plan(client, obj, live, ctx)), {
    signal: opts.signal,
  });
  const failures: ApplyFailure[] = [];
  if (planned.some((p) => p && !p.ok) && lead >= 0) {
    // The lead was to be validated by its own apply, which will not happen now: dry-run it to report it.
    planned[lead] = await plan(client, objs[lead]!, live, ctx).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
  }
  planned.forEach((p, i) => {
    if (p && !p.ok) failures.push(failureOf(p.error, formatRef(objs[i]!), "dry-run"));
  });
  if (failures.length) throw new ApplyError(failures, { entries: before });
  const plans = planned.map((p) => (p as { ok: true; value: Planned }).value);

  const toApply = plans.filter((p) => p.apply);
  const first = toApply.find((p) => p.lead);
  // Nothing of the stage is written yet: the lead's failure is its validation failing.
  const leadAnswer = first ? await applyLead(client, first, ctx).catch((err) => {
    throw new ApplyError([failureOf(err, first.ref, "dry-run")], { entries: before });
  }) : undefined;
  const rest = toApply.filter((p) => !p.lead);
  const restApplied = await mapLimit(rest, limit, (p) => client.apply(p.obj, { fieldManager, force: true }), { stopOnError: true, signal: opts.signal });
  const applied = toApply.map((p) => (p.lead ? { ok: true as const, value: leadAnswer! } : restApplied[rest.indexOf(p)]));
  applied.forEach((r, i) => {
    const p = toApply[i]!;
    if (r?.ok && p.unchangedAt !== undefined && r.value.metadata.resourceVersion === p.unchangedAt) p.action = "unchanged";
  });
  if (opts.onApplied) {
    applied.forEach((r, i) => {
      if (r?.ok) opts.onApplied!(r.value, toApply[i]!.obj);
    });
    for (const p of plans) if (p.action === "unchanged" && p.dry) opts.onApplied(p.dry, p.obj);
  }
  applied.forEach((r, i) => {
    if (r && !r.ok) failures.push({ ref: toApply[i]!.ref, phase: "apply", message: `${toApply[i]!.ref} apply failed: ${serverMessage(r.error)}` });
  });
  const entries = plans.map((p) => changeSetEntry(p.obj, p.action));
  if (failures.length) {
    // Report what was applied before the failure: applies that did not run are not in the change set.
    const done = new Set(toApply.filter((_, i) => applied[i]?.ok).map((p) => p.ref));
    const partial = plans.filter((p) => !p.apply || done.has(p.ref)).map((p) => changeSetEntry(p.obj, p.action));
    throw new ApplyError(failures, { entries: [...before, ...partial] });
  }
  if (opts.signal?.aborted) throw new Error("Cannot finish the apply: cancelled", { cause: opts.signal.reason });
  return entries;
}

/** A copy with the owner labels Flux puts on every object it applies. */
export function withOwnerLabels(obj: KubeObject, owner: { name: string; namespace: string }): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [KEYS.ownerName]: owner.name, [KEYS.ownerNamespace]: owner.namespace },
    },
  };
}
