/**
 * One object's part of a staged apply (apply-all.ts sequences the stages): what the live copy is
 * (the caller's cache, one LIST per kind and namespace, or a GET), the dry-run that validates it and
 * tells whether it drifted, the lead that is applied without one, and the recreate of an object whose
 * immutable fields changed. Failures carry the phase (lookup, dry-run, apply) they belong to.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { KubeApiError } from "../kube/api-error.ts";
import { formatRef } from "../core/ref.ts";
import { messageOf } from "../core/errors.ts";
import { anyInMetadata, anySelector, EXCLUDE_SELECTORS, FORCE, IF_NOT_PRESENT, MERGE } from "./annotations.ts";
import { dryRunFailure, isImmutableError, serverMessage, type ApplyFailure } from "./apply-error.ts";
import type { ChangeAction } from "./change-set.ts";
import type { DriftCheck } from "./drift.ts";
import { keyOf } from "./inventory.ts";
import { mapLimit } from "./map-limit.ts";
import { cleanupPatch, type CleanupRules } from "./metadata-cleanup.ts";
import { DEFAULTS, type ApplyAllOptions } from "./apply-all.ts";

export interface Planned {
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

class PhaseError extends Error {
  readonly phase: ApplyFailure["phase"];
  constructor(phase: ApplyFailure["phase"], message: string, cause: unknown) {
    super(message, { cause });
    this.phase = phase;
  }
}

export function failureOf(err: unknown, ref: string, phase: ApplyFailure["phase"]): ApplyFailure {
  if (err instanceof PhaseError) return { ref, phase: err.phase, message: err.message };
  return { ref, phase, message: `${ref} ${phase} failed: ${messageOf(err)}` };
}

export interface PlanContext extends ApplyAllOptions {
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
export function leadOf(objs: KubeObject[], known: Map<string, KubeObject | undefined>, ctx: PlanContext): number {
  if (ctx.retryDiscovery || ctx.dryRunNew === false) return -1;
  return objs.findIndex((o) => {
    if (!known.has(idOf(o))) return false;
    const live = known.get(idOf(o));
    return !anySelector(o, EXCLUDE_SELECTORS) && !anySelector(live, EXCLUDE_SELECTORS) && !(live && anyInMetadata(o, IF_NOT_PRESENT));
  });
}

export function leadPlan(obj: KubeObject, known: Map<string, KubeObject | undefined>): Planned {
  const live = known.get(idOf(obj));
  return { obj, ref: formatRef(obj), action: live ? "configured" : "created", apply: true, lead: true, unchangedAt: live?.metadata.resourceVersion };
}

/**
 * Applies the lead; an immutable-field error recreates it when forced, as a dry-run's would. Errors
 * read as the dry-run's, as they stand for its validation.
 */
export async function applyLead(client: KubeClient, p: Planned, ctx: PlanContext): Promise<KubeObject> {
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

export async function plan(client: KubeClient, obj: KubeObject, prefetched: Map<string, KubeObject | undefined>, ctx: PlanContext): Promise<Planned> {
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

export function idOf(o: KubeObject): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ""}|${o.metadata.name ?? ""}`;
}

/**
 * Live objects of the kinds this stage has many of, from one LIST per kind and namespace. A kind that
 * cannot be listed (not allowed, not served yet) is left out: those objects are read one by one.
 */
export async function prefetch(client: KubeClient, objs: KubeObject[], limit: number): Promise<Map<string, KubeObject | undefined>> {
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

