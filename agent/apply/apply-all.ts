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
import { KubeApiError } from "../kube/api-error.ts";
import { formatRef } from "../core/ref.ts";
import { messageOf } from "../core/errors.ts";
import { anyInMetadata, anySelector, EXCLUDE_SELECTORS, FORCE, IF_NOT_PRESENT, KEYS, MERGE } from "./annotations.ts";
import { ApplyError, dryRunFailure, isImmutableError, serverMessage, type ApplyFailure } from "./apply-error.ts";
import { changeSetEntry, type ChangeAction, type ChangeSet, type ChangeSetEntry } from "./change-set.ts";
import { hasDrifted, type DriftCheck } from "./drift.ts";
import { keyOf } from "./inventory.ts";
import { splitStages, type ApplyStage } from "./kind-order.ts";
import { mapLimit } from "./map-limit.ts";
import { normalizeForApply } from "./normalize.ts";
import { cleanupPatch, defaultCleanupRules, type CleanupRules } from "./metadata-cleanup.ts";

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

interface Planned {
  obj: KubeObject;
  ref: string;
  action: ChangeAction;
  apply: boolean;
  /** The dry-run answer, when one was made. */
  dry?: KubeObject;
  /** Applied without a dry-run, first and alone (see the module comment). */
  lead?: boolean;
  /** The live copy came from appliedCopy: the resourceVersion an apply that changes nothing leaves. */
  unchangedAt?: string;
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

class PhaseError extends Error {
  readonly phase: ApplyFailure["phase"];
  constructor(phase: ApplyFailure["phase"], message: string, cause: unknown) {
    super(message, { cause });
    this.phase = phase;
  }
}

function failureOf(err: unknown, ref: string, phase: ApplyFailure["phase"]): ApplyFailure {
  if (err instanceof PhaseError) return { ref, phase: err.phase, message: err.message };
  return { ref, phase, message: `${ref} ${phase} failed: ${messageOf(err)}` };
}

interface PlanContext extends ApplyAllOptions {
  fieldManager: string;
  drift: DriftCheck;
  rules: CleanupRules | undefined;
  retryDiscovery: boolean;
  /** Objects the caller's cache knows: absent (undefined) or applied before (appliedCopy's stand-in). */
  known: Map<string, KubeObject | undefined>;
}

/**
 * The object of the stage applied without a dry-run, or -1: the first the cache knows (absent, or applied
 * before) that is neither excluded nor left alone by IfNotPresent. None while discovery may still be
 * catching up with CRDs of an earlier stage: the dry-run's retry covers that.
 */
function leadOf(objs: KubeObject[], known: Map<string, KubeObject | undefined>, ctx: PlanContext): number {
  if (ctx.retryDiscovery || ctx.dryRunNew === false) return -1;
  return objs.findIndex((o) => {
    if (!known.has(idOf(o))) return false;
    const live = known.get(idOf(o));
    return !anySelector(o, EXCLUDE_SELECTORS) && !anySelector(live, EXCLUDE_SELECTORS) && !(live && anyInMetadata(o, IF_NOT_PRESENT));
  });
}

function leadPlan(obj: KubeObject, known: Map<string, KubeObject | undefined>): Planned {
  const live = known.get(idOf(obj));
  return { obj, ref: formatRef(obj), action: live ? "configured" : "created", apply: true, lead: true, unchangedAt: live?.metadata.resourceVersion };
}

/**
 * Applies the lead; an immutable-field error recreates it when forced, as a dry-run's would. Errors
 * read as the dry-run's, as they stand for its validation.
 */
async function applyLead(client: KubeClient, p: Planned, ctx: PlanContext): Promise<KubeObject> {
  const live = ctx.known.get(idOf(p.obj));
  const opts = { fieldManager: ctx.fieldManager, force: true };
  try {
    return await client.apply(p.obj, opts);
  } catch (err) {
    const force = ctx.force || anyInMetadata(p.obj, FORCE) || anyInMetadata(live, FORCE);
    if (!live || !force || !isImmutableError(err)) throw new PhaseError("dry-run", dryRunFailure(p.ref, p.obj.metadata.namespace, err), err);
  }
  await recreate(client, p.obj, p.ref, ctx);
  p.action = "created";
  p.unchangedAt = undefined;
  try {
    return await client.apply(p.obj, opts);
  } catch (err) {
    throw new PhaseError("dry-run", dryRunFailure(p.ref, p.obj.metadata.namespace, err), err);
  }
}

async function plan(client: KubeClient, obj: KubeObject, prefetched: Map<string, KubeObject | undefined>, ctx: PlanContext): Promise<Planned> {
  const ref = formatRef(obj);
  const id = idOf(obj);
  let live = prefetched.has(id) ? prefetched.get(id) : await client.get(keyOf(obj)).catch((err) => {
    // Not being allowed to read is not fatal here: the dry-run below reports what matters. Nor is a kind
    // that discovery does not serve yet (a CRD applied moments ago): the dry-run waits for it.
    if (err instanceof KubeApiError && (err.code === 403 || isUnmapped(err))) return undefined;
    throw err;
  });
  if (anySelector(obj, EXCLUDE_SELECTORS) || anySelector(live, EXCLUDE_SELECTORS)) return { obj, ref, action: "skipped", apply: false };
  if (live?.metadata.uid && anyInMetadata(obj, IF_NOT_PRESENT)) return { obj, ref, action: "skipped", apply: false };
  // Known absent (listed, not found) and the caller accepts validation at apply time.
  if (ctx.dryRunNew === false && !live && prefetched.has(id)) return { obj, ref, action: "created", apply: true };

  let dry: KubeObject;
  try {
    dry = await dryRun(client, obj, ctx);
  } catch (err) {
    const force = ctx.force || anyInMetadata(obj, FORCE) || anyInMetadata(live, FORCE);
    if (!live || !force || !isImmutableError(err)) throw new PhaseError("dry-run", dryRunFailure(ref, obj.metadata.namespace, err), err);
    await recreate(client, obj, ref, ctx);
    live = undefined;
    try {
      dry = await dryRun(client, obj, ctx);
    } catch (err2) {
      throw new PhaseError("dry-run", dryRunFailure(ref, obj.metadata.namespace, err2), err2);
    }
  }

  // A stand-in from the cache (applied before, changed since): the server's answer says whether it drifted.
  if (live && ctx.known.get(id) === live) return { obj, ref, action: "configured", apply: true, dry, unchangedAt: dry.metadata.resourceVersion };

  // The live copy may predate the dry-run (a LIST at the start of the stage, controllers writing since,
  // e.g. the Deployment revision annotation): compare against the version the dry-run started from.
  if (live && dry.metadata.resourceVersion && live.metadata.resourceVersion !== dry.metadata.resourceVersion) {
    live = (await client.get(keyOf(obj))) ?? live;
  }

  let patched = false;
  if (live && ctx.rules && !anyInMetadata(obj, MERGE) && !anyInMetadata(live, MERGE)) {
    const ops = cleanupPatch(live, ctx.fieldManager, ctx.rules);
    if (ops) {
      try {
        await client.patch(keyOf(obj), ops, "json");
      } catch (err) {
        throw new PhaseError("cleanup", `${ref} metadata.managedFields cleanup failed: ${serverMessage(err)}`, err);
      }
      patched = true;
    }
  }
  if (!patched && !ctx.drift(live, dry)) return { obj, ref, action: "unchanged", apply: false, dry };
  return { obj, ref, action: dry.metadata.resourceVersion ? "configured" : "created", apply: true };
}

async function dryRun(client: KubeClient, obj: KubeObject, ctx: PlanContext): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.apply(obj, { fieldManager: ctx.fieldManager, force: true, dryRun: true });
    } catch (err) {
      if (!isUnmapped(err) || !ctx.retryDiscovery || attempt >= DEFAULTS.discoveryRetries) throw err;
      await new Promise((r) => setTimeout(r, DEFAULTS.discoveryRetryMs));
    }
  }
}

/** Deletes an object whose immutable fields changed and waits until it is gone (finalizers may hold it). */
async function recreate(client: KubeClient, obj: KubeObject, ref: string, ctx: PlanContext): Promise<void> {
  try {
    await client.delete(keyOf(obj), { propagationPolicy: "Background" });
  } catch (err) {
    throw new PhaseError("recreate", `${ref} immutable field detected, failed to delete object: ${serverMessage(err)}`, err);
  }
  const deadline = Date.now() + DEFAULTS.recreateTimeoutMs;
  const poll = ctx.stageWaitPollMs ?? DEFAULTS.stageWaitPollMs;
  while (await client.get(keyOf(obj))) {
    if (Date.now() > deadline || ctx.signal?.aborted) {
      throw new PhaseError("recreate", `${ref} immutable field detected, failed to wait for object to be deleted: timeout`, undefined);
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}

/** The REST mapper's "not served" answer (a kind discovery does not list, e.g. a CRD not yet served). */
function isUnmapped(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404 && err.message.startsWith("Cannot map");
}

function idOf(o: KubeObject): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ""}|${o.metadata.name ?? ""}`;
}

/**
 * Live objects of the kinds this stage has many of, from one LIST per kind and namespace. A kind that
 * cannot be listed (not allowed, not served yet) is left out: those objects are read one by one.
 */
async function prefetch(client: KubeClient, objs: KubeObject[], limit: number): Promise<Map<string, KubeObject | undefined>> {
  const groups = new Map<string, KubeObject[]>();
  for (const o of objs) {
    const g = `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ""}`;
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  const out = new Map<string, KubeObject | undefined>();
  const big = [...groups.values()].filter((g) => g.length >= DEFAULTS.listThreshold);
  await mapLimit(big, limit, async (group) => {
    const first = group[0]!;
    const ns = first.metadata.namespace;
    let items: KubeObject[];
    try {
      // A namespaced kind without a namespace would list every namespace: leave those to the dry-run.
      if (!ns && (await client.resource(first.apiVersion, first.kind)).namespaced) return;
      items = (await client.list({ apiVersion: first.apiVersion, kind: first.kind, ...(ns ? { namespace: ns } : {}) })).items;
    } catch {
      return;
    }
    const byName = new Map(items.map((i) => [i.metadata.name, i]));
    for (const o of group) out.set(idOf(o), byName.get(o.metadata.name));
  });
  return out;
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
