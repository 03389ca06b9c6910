/**
 * The failure path of a reconcile, written once (STYLE.md habit 7): a reconciler names its stages and
 * their Flux reasons in one table, then runs each with `stage(name, fn)`, which
 *   1. publishes the stage's progress message (Reconciling=True) through `ctx.progress`, if it has one;
 *   2. runs the stage;
 *   3. on failure, classifies the error once: an error that is already a RivuletError (Terminal,
 *      Transient, NotReady) goes up unchanged, class, reason and message alike, because it was classified
 *      where its cause was known, which is at least as specific as the stage (AccessDenied inside the
 *      source stage, a BuildFailed raised by a helper); any other error becomes a TransientError with the
 *      stage's reason, the original as its `cause`, and its own message unless the stage rewords it. An
 *      error that is already classified is never wrapped again, so nested stages and rethrows are safe;
 *   4. records what a failure leaves in the status (Flux's kustomize-controller upserts a history entry
 *      for failed reconciles once the build's digest is known), for the reconciler's `onFailure` to
 *      return: see `failureStatus`.
 * The controller then turns the error into Ready=False / Stalled and the event (controller.ts).
 *
 * Writes of our own status (progress) are not part of a stage's work: an error from one goes up as it
 * is, so the controller still sees an API conflict as a conflict and retries it at once.
 */
import { messageOf, RivuletError, TransientError } from "../core/errors.ts";
import type { ObjectStatus, ReconcileContext } from "./reconciler.ts";

/** What one stage is, declared once per kind. */
export interface StageDefinition {
  /** The condition reason an unclassified error of this stage gets, as Flux's (e.g. "BuildFailed"). */
  reason: string;
  /** The message an unclassified error gets; default its own (conditions and events show it). */
  describe?: (err: unknown) => string;
}

/** A progress update: the Reconciling message and status fields merged in; `persist` writes at once. */
export interface StageProgress {
  message: string;
  status?: Partial<ObjectStatus>;
  persist?: boolean;
}

export interface StageOptions {
  /** Published before the stage runs; none when undefined. */
  progress?: string | StageProgress;
  /**
   * Published when the stage fails, before the error goes up: what must survive the failure (e.g. an
   * inventory that still lists the objects that could not be deleted).
   */
  onError?: (err: RivuletError) => StageProgress | undefined;
}

export interface Stages<N extends string> {
  stage<T>(name: N, fn: () => Promise<T>): Promise<T>;
  stage<T>(name: N, options: StageOptions, fn: () => Promise<T>): Promise<T>;
  /**
   * From now on, a failed stage also sets these status fields (e.g. a history entry once the build's
   * digest is known; before that Flux records nothing). The error passed is the classified one.
   */
  recordFailures(record: (err: RivuletError) => Partial<ObjectStatus>): void;
}

/** Status fields recorded by the stage that failed with `err` (its classified error), if any. */
export function failureStatus(err: unknown): Partial<ObjectStatus> | undefined {
  return err instanceof RivuletError ? recorded.get(err) : undefined;
}

// Keyed by the error that goes up: the reconciler's onFailure gets that same object, and a reconciler
// is shared by concurrent reconciles, so the error is the only thing that belongs to this one.
const recorded = new WeakMap<RivuletError, Partial<ObjectStatus>>();

/** The stage runner for one reconcile. */
export function stages<N extends string>(ctx: Pick<ReconcileContext, "progress">, table: Record<N, StageDefinition>): Stages<N> {
  let record: ((err: RivuletError) => Partial<ObjectStatus>) | undefined;

  async function publish(p: string | StageProgress | undefined): Promise<void> {
    if (p === undefined) return;
    if (typeof p === "string") return ctx.progress(p);
    await ctx.progress(p.message, p.status, { persist: p.persist ?? false });
  }

  async function stage<T>(name: N, a: StageOptions | (() => Promise<T>), b?: () => Promise<T>): Promise<T> {
    const options = typeof a === "function" ? {} : a;
    const fn = typeof a === "function" ? a : b!;
    const def = table[name];
    await publish(options.progress);
    try {
      return await fn();
    } catch (err) {
      const classified = classify(err, def);
      await publish(options.onError?.(classified));
      // An inner stage already recorded this failure: a second entry would count one reconcile twice.
      if (record && !recorded.has(classified)) recorded.set(classified, record(classified));
      throw classified;
    }
  }

  return {
    stage,
    recordFailures(r) {
      record = r;
    },
  };
}

/** The error a stage's failure goes up as (see the module comment). */
function classify(err: unknown, def: StageDefinition): RivuletError {
  if (err instanceof RivuletError) return err;
  return new TransientError(def.reason, def.describe ? def.describe(err) : messageOf(err), { cause: err });
}
