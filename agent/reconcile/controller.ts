/**
 * One controller per kind: a watch-fed cache of the kind's objects in the agent's namespace, a work
 * queue, and Flux's reconcile choreography around a kind-specific `Reconciler`:
 *
 *   deletion -> finalize, drop the finalizer | add the finalizer | suspended -> stop |
 *   Reconciling=True, Ready=Unknown -> reconciler -> Ready=True or Ready=False (+Stalled when terminal)
 *
 * Errors are classified once, here: terminal (Stalled, no retry until the spec changes), not-ready
 * (requeue after retryInterval or what the error asks), transient (exponential backoff). A success
 * requeues at spec.interval with ±5% jitter, as Flux does.
 */
import { needsReconcile, publishedChanged, REQUESTED_AT, settled } from "./object-changes.ts";
export { REQUESTED_AT } from "./object-changes.ts";
import type { KubeClient } from "../kube/client.ts";
import { watchLoop } from "../kube/watch-loop.ts";
import { olderVersion } from "../kube/resource-version.ts";
import { isConflict, isNotFound } from "../kube/api-error.ts";
import { classify, messageOf, NotReadyError, RivuletError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { formatRef } from "../core/ref.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import { findCondition, REASONS, removeCondition, setCondition, TYPES } from "../status/conditions.ts";
import type { EventRecorder } from "../status/events.ts";
import { batchEvents } from "../status/event-batch.ts";
import type { ControllerMetrics } from "./controller-metrics.ts";
import type { FluxObject, ObjectStatus, ReconcileContext, Reconciler } from "./reconciler.ts";
import { WorkQueue } from "./work-queue.ts";
import type { Gate } from "./fair-share.ts";
import { statusWrites } from "./status-writes.ts";
import { addFinalizer, removeFinalizer } from "./finalizer.ts";

export const FINALIZER = "finalizers.fluxcd.io";

export const DEFAULTS = {
  jitter: 0.05,
  /**
   * Progress writes closer together than this are folded into the next one, so a reconcile that ends
   * within it writes its status once (issue 24: at 1,000 Kustomizations on two cores most reconciles take
   * 1-3 s, and with 1 s each wrote two or three times); a longer one shows Reconciling after it.
   */
  progressIntervalMs: 5_000,
  /** When a not-ready error names no delay and the object no retryInterval. */
  notReadyRequeueMs: 30_000,
  statusFieldManager: "rivulet",
};


export interface ControllerOptions {
  client: KubeClient;
  namespace: string;
  log: Logger;
  events: EventRecorder;
  metrics?: ControllerMetrics;
  labelSelector?: string;
  concurrency?: number;
  now?: () => Date;
  random?: () => number;
  statusFieldManager?: string;
  /**
   * The newest cached copy of a Flux object another controller of this agent watches (kind, name), so
   * reconcilers read sources and dependencies without a request; undefined when not cached.
   */
  lookup?: (apiVersion: string, kind: string, name: string) => FluxObject | undefined;
  /**
   * The cache of this kind's controller in the agent's previous leadership term (nobody else led since).
   * The first list then reconciles only objects that changed since, or that were not settled (Ready at
   * their generation with any reconcile request handled); the settled ones are due at their interval.
   */
  seed?: ReadonlyMap<string, FluxObject>;
  /** The tenant's share of a process hosting several (fair-share.ts): every reconcile runs through it. */
  gate?: Gate;
}

export class Controller {
  readonly reconciler: Reconciler;
  readonly cache = new Map<string, FluxObject>();
  readonly #o: ControllerOptions;
  readonly #queue: WorkQueue;
  readonly #now: () => Date;
  readonly #random: () => number;
  /** Called when an object's status.artifact changes, so its users run now (wired by the manager). */
  onArtifactChanged: (obj: FluxObject) => void = () => {};
  /**
   * Called when an object became Ready or applied a new revision, so the objects that depend on it run
   * now instead of at their dependency requeue (wired by the manager).
   */
  onReady: (obj: FluxObject) => void = () => {};
  /** Called whenever the cached copy of `name` changes (undefined: dropped), for the manager's index. */
  onCacheChange: (name: string, obj: FluxObject | undefined) => void = () => {};
  #synced!: Promise<void>;
  #markSynced!: () => void;
  /** Names taken over from a previous term's cache and not listed yet. */
  readonly #seeded = new Set<string>();

  constructor(reconciler: Reconciler, o: ControllerOptions) {
    this.reconciler = reconciler;
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
    this.#random = o.random ?? Math.random;
    this.#queue = new WorkQueue((name) => this.#process(name), { concurrency: o.concurrency, gate: o.gate });
    this.#synced = new Promise((res) => (this.#markSynced = res));
    for (const [name, obj] of o.seed ?? []) {
      this.cache.set(name, obj);
      this.#seeded.add(name);
    }
  }

  get kind(): string {
    return this.reconciler.kind;
  }

  get queueDepth(): number {
    return this.#queue.depth;
  }

  /** The object's place in the work queue: running, queued, or due in some ms. */
  pending(name: string): ReturnType<WorkQueue["state"]> {
    return this.#queue.state(name);
  }

  /** Resolves once the first list has filled the cache. */
  synced(): Promise<void> {
    return this.#synced;
  }

  enqueue(name: string): void {
    this.#queue.add(name);
  }

  /** Runs until the signal aborts: watches the kind and processes the queue. */
  async run(signal: AbortSignal): Promise<void> {
    const ref = { apiVersion: this.reconciler.apiVersion, kind: this.reconciler.kind, namespace: this.#o.namespace };
    signal.addEventListener("abort", () => void this.#queue.stop(), { once: true });
    await this.reconciler.start?.({ client: this.#o.client, namespace: this.#o.namespace, signal, log: this.#o.log });
    await watchLoop(this.#o.client, ref, {
      signal,
      labelSelector: this.#o.labelSelector,
      onSync: (items) => {
        const seen = new Set<string>();
        for (const it of items as FluxObject[]) {
          const name = it.metadata.name!;
          seen.add(name);
          const old = this.cache.get(name);
          const seeded = this.#seeded.delete(name);
          if (!this.#remember(it)) continue; // our own write is newer than this list
          if (seeded && !needsReconcile(old, it) && settled(it)) this.#queue.addAfter(name, jittered(safeDuration(it.spec?.interval, 10 * 60_000), this.#random()));
          else if (needsReconcile(old, it) || seeded) this.#queue.add(name);
          // A relist after 410 Gone replaces the events missed meanwhile: a new artifact among them
          // still reaches its users (and nothing else is queued: unchanged objects are not reconciled).
          if (old && publishedChanged(old, it)) this.onArtifactChanged(it);
        }
        for (const name of [...this.cache.keys()]) if (!seen.has(name)) this.#forget(name);
        this.#seeded.clear();
        this.#markSynced();
      },
      onEvent: (ev) => {
        const obj = ev.object as FluxObject;
        const name = obj.metadata.name!;
        if (ev.type === "DELETED") return this.#forget(name);
        const old = this.cache.get(name);
        if (!this.#remember(obj)) return;
        if (needsReconcile(old, obj)) this.#queue.add(name);
        if (publishedChanged(old, obj)) this.onArtifactChanged(obj);
      },
      onError: (err, attempt, retryInMs) => {
        // A 404 on the list means the kind's CRD is not installed (or an older crds/ is): say what fixes it.
        if (isNotFound(err)) {
          const { apiVersion } = this.reconciler;
          return this.#o.log.error(`${this.kind} (${apiVersion}) is not served by the API server: its CRD is missing, a cluster admin applies crds/ (or Flux's CRDs); retrying`, { attempt, retryInMs });
        }
        this.#o.log.error(`watch of ${this.kind} failed, retrying`, { attempt, retryInMs, error: messageOf(err) });
      },
    });
    await this.#queue.stop();
  }

  /**
   * Caches `obj` unless the cache holds a newer copy (watch events can trail the answers to our own
   * writes, which are cached at once); returns whether it was stored.
   */
  #remember(obj: FluxObject): boolean {
    const name = obj.metadata.name!;
    const old = this.cache.get(name);
    if (old && olderVersion(obj.metadata.resourceVersion, old.metadata.resourceVersion)) return false;
    this.cache.set(name, obj);
    this.onCacheChange(name, obj);
    return true;
  }

  #forget(name: string): void {
    this.cache.delete(name);
    this.onCacheChange(name, undefined);
    this.#queue.remove(name);
    const labels = { kind: this.kind, name, namespace: this.#o.namespace };
    this.#o.metrics?.condition.deleteMatching(labels);
    this.#o.metrics?.suspended.deleteMatching(labels);
  }

  async #process(name: string): Promise<void> {
    // The cache holds the newest copy known: watch events never replace a newer one and our own writes
    // store the server's answer, so no read is needed. A change we have not seen yet arrives as a watch
    // event and queues the object again.
    const cached = this.cache.get(name);
    if (!cached) return;
    let obj: FluxObject = cached;
    const started = this.#now().getTime();
    const log = this.#o.log.with({ [this.kind.toLowerCase()]: `${this.#o.namespace}/${name}` });
    const interval = safeDuration(obj.spec?.interval, 10 * 60_000);
    const retryInterval = safeDuration(obj.spec?.retryInterval, interval);

    let status: ObjectStatus = structuredClone(obj.status ?? {});
    // The status as the server has it: a write that would change nothing is not sent (Flux's patch helper
    // sends only a diff), so a periodic reconcile that finds everything as it was writes nothing.
    let written = JSON.stringify(status);
    const send = async () => {
      const body = JSON.stringify(status);
      if (body === written) return;
      const updated = await this.#o.client.apply(
        { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace: this.#o.namespace }, status },
        { fieldManager: this.#o.statusFieldManager ?? DEFAULTS.statusFieldManager, subresource: "status", force: true },
      );
      written = body;
      const prev = this.cache.get(name);
      this.#remember(updated as FluxObject);
      // The answer may carry a change this reconcile did not act on (a reconcile request or a new
      // generation written meanwhile); its watch event, arriving after this newer copy, is then dropped as
      // stale, so queue the object again here or the request would be lost.
      if (needsReconcile(obj, updated as FluxObject)) this.#queue.add(name);
      // Our own status write is the first to know of a new artifact; the watch echo then sees no change.
      if (publishedChanged(prev, updated as FluxObject)) this.onArtifactChanged(updated as FluxObject);
    };
    const now = this.#now;
    const writes = statusWrites({
      send,
      now: () => now().getTime(),
      intervalMs: DEFAULTS.progressIntervalMs,
      onDelayedError: (err) => log.error(`${formatRef(obj)} progress status update failed`, { error: messageOf(err) }),
    });
    const writeStatus = writes.write;
    const events = batchEvents(this.#o.events);
    const ctx: ReconcileContext = {
      client: this.#o.client,
      log,
      // One Kubernetes Event per reason and reconcile (the notifications still go out one by one).
      events,
      now: this.#now,
      status: () => status,
      read: async (key) => {
        const cached = (key.namespace ?? this.#o.namespace) === this.#o.namespace ? this.#o.lookup?.(key.apiVersion, key.kind, key.name) : undefined;
        return cached ?? (await this.#o.client.get({ ...key, namespace: key.namespace ?? this.#o.namespace }));
      },
      cached: (key) => this.#o.lookup?.(key.apiVersion, key.kind, key.name),
      async progress(message, extra, opts) {
        status = { ...status, ...extra };
        status.conditions = setCondition(status.conditions, { type: TYPES.Reconciling, status: "True", reason: REASONS.Progressing, message, observedGeneration: obj.metadata.generation }, now());
        status.conditions = setCondition(status.conditions, { type: TYPES.Ready, status: "Unknown", reason: REASONS.Progressing, message: "Reconciliation in progress", observedGeneration: obj.metadata.generation }, now());
        await writes.progress(opts?.persist ?? false);
      },
    };
    const finish = writes.finish;

    try {
      if (obj.metadata.deletionTimestamp) {
        if (obj.metadata.finalizers?.includes(FINALIZER)) {
          await this.reconciler.finalize?.(obj, ctx);
          await removeFinalizer(this.#o.client, obj, FINALIZER);
        }
        log.info(`${formatRef(obj)} finalized`);
        return;
      }
      if (!obj.metadata.finalizers?.includes(FINALIZER)) {
        obj = await addFinalizer(this.#o.client, obj, FINALIZER);
        this.#remember(obj);
      }
      this.#o.metrics?.suspended.set({ kind: this.kind, name, namespace: this.#o.namespace }, obj.spec?.suspend ? 1 : 0);
      if (obj.spec?.suspend) {
        log.info(`${formatRef(obj)} is suspended, skipping reconciliation`);
        return;
      }

      await ctx.progress(`reconciliation in progress`);
      const result = await this.reconciler.reconcile(obj, ctx);
      const now = this.#now();
      status = { ...status, ...result.status, observedGeneration: obj.metadata.generation };
      const requestedAt = obj.metadata.annotations?.[REQUESTED_AT];
      if (requestedAt) status.lastHandledReconcileAt = requestedAt;
      let conds = removeCondition(removeCondition(status.conditions, TYPES.Reconciling), TYPES.Stalled);
      for (const t of result.clearConditions ?? []) conds = removeCondition(conds, t);
      for (const c of result.conditions ?? []) conds = setCondition(conds, c, now);
      conds = setCondition(conds, { type: TYPES.Ready, status: "True", reason: result.reason, message: result.message, observedGeneration: obj.metadata.generation }, now);
      status.conditions = conds;
      finish();
      // The reconcile's Events before its Ready: whoever sees Ready finds them written.
      await events.flush();
      await writeStatus();
      const before = obj.status;
      const wasReady = findCondition(before?.conditions, TYPES.Ready)?.status === "True" && before?.observedGeneration === obj.metadata.generation;
      if (!wasReady || before?.lastAppliedRevision !== status.lastAppliedRevision) this.onReady(this.cache.get(name) ?? obj);
      this.#queue.forget(name);
      const next = result.requeueAfterMs ?? jittered(interval, this.#random());
      this.#queue.addAfter(name, next);
      log.info(`${formatRef(obj)} reconciled: ${result.message}`, { durationMs: this.#now().getTime() - started, nextRunIn: formatDuration(next) });
    } catch (err) {
      finish();
      await this.#fail(obj, err, ctx, status, (s) => (status = s), writeStatus, retryInterval, log).catch((e) =>
        log.error(`${formatRef(obj)} status update failed`, { error: messageOf(e) }),
      );
    } finally {
      finish();
      await events.flush();
      const seconds = (this.#now().getTime() - started) / 1000;
      this.#o.metrics?.reconcileDuration.observe({ kind: this.kind, name, namespace: this.#o.namespace }, seconds);
      const ready = findCondition(status.conditions, TYPES.Ready)?.status ?? "Unknown";
      for (const s of ["True", "False", "Unknown"]) {
        this.#o.metrics?.condition.set({ kind: this.kind, name, namespace: this.#o.namespace, type: "Ready", status: s }, s === ready ? 1 : 0);
      }
    }
  }

  async #fail(
    obj: FluxObject,
    err: unknown,
    ctx: ReconcileContext,
    status: ObjectStatus,
    setStatus: (s: ObjectStatus) => void,
    writeStatus: () => Promise<void>,
    retryInterval: number,
    log: Logger,
  ): Promise<void> {
    const name = obj.metadata.name!;
    const kind = classify(err);
    const reason = err instanceof RivuletError ? err.reason : REASONS.ReconciliationFailed;
    const message = messageOf(err);
    const now = this.#now();
    const extra = this.reconciler.onFailure?.(obj, err, ctx) ?? {};
    let s: ObjectStatus = { ...status, ...extra, conditions: extra.conditions ?? status.conditions };
    const requestedAt = obj.metadata.annotations?.[REQUESTED_AT];
    if (requestedAt) s.lastHandledReconcileAt = requestedAt;
    let conds = setCondition(s.conditions, { type: TYPES.Ready, status: "False", reason, message, observedGeneration: obj.metadata.generation }, now);
    if (kind === "terminal") {
      conds = removeCondition(conds, TYPES.Reconciling);
      conds = setCondition(conds, { type: TYPES.Stalled, status: "True", reason, message, observedGeneration: obj.metadata.generation }, now);
      s.observedGeneration = obj.metadata.generation;
    } else {
      conds = removeCondition(conds, TYPES.Stalled);
      conds = setCondition(conds, { type: TYPES.Reconciling, status: "True", reason: REASONS.ProgressingWithRetry, message: `retrying: ${message}`, observedGeneration: obj.metadata.generation }, now);
    }
    s = { ...s, conditions: conds };
    setStatus(s);
    await writeStatus();

    if (kind === "not-ready") {
      const wait = err instanceof NotReadyError && err.retryAfterMs !== undefined ? err.retryAfterMs : retryInterval;
      this.#queue.addAfter(name, wait);
      log.info(`${formatRef(obj)} not ready: ${message}`, { retryIn: formatDuration(wait) });
      if (!(err instanceof NotReadyError && err.quiet)) await ctx.events.record(obj, { type: "Normal", reason, message });
      return;
    }
    await ctx.events.record(obj, { type: "Warning", reason, message });
    if (kind === "terminal") {
      log.error(`${formatRef(obj)} stalled: ${message}`);
      return;
    }
    // Flux requeues failures after retryInterval; a conflict on our own write retries at once (backoff).
    const wait = isConflict(err) || isNotFound(err) ? this.#queue.addRateLimited(name) : retryInterval;
    if (!(isConflict(err) || isNotFound(err))) this.#queue.addAfter(name, wait);
    log.error(`${formatRef(obj)} reconciliation failed: ${message}`, { retryIn: formatDuration(wait) });
  }
}

function safeDuration(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  try {
    return parseDuration(text);
  } catch {
    return fallback;
  }
}

/** interval ± jitter, as Flux's --interval-jitter-percentage (5%). */
export function jittered(intervalMs: number, random: number): number {
  return Math.round(intervalMs * (1 - DEFAULTS.jitter + 2 * DEFAULTS.jitter * random));
}

