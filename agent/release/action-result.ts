/**
 * What Helm's actions give back (results as data, STYLE.md habit 5): the release record as stored, the
 * change set of the apply, the CRDs written and the time taken; a failure is a ReleaseActionError that
 * carries the release record when one was written (status failed, Helm's description), so a HelmRelease
 * reconciler can put it in its history either way.
 */
import type { ChangeSet } from "../apply/change-set.ts";
import { messageOf, RivuletError } from "../core/errors.ts";
import type { Release } from "../helm/release-codec.ts";
import { DEFAULTS, type ActionContext } from "./action-context.ts";
import type { StoredRelease } from "./release-store.ts";

export type ReleaseAction = "install" | "upgrade" | "rollback" | "uninstall" | "test";

export interface ActionResult {
  action: ReleaseAction;
  release: Release;
  /** Objects applied (install, upgrade, rollback) or deleted (uninstall, upgrade's removed objects). */
  changeSet: ChangeSet;
  /** CRDs created or replaced under the crds policy. */
  crds: string[];
  /** Uninstall: what was kept (resource policy, not owned), in Helm's words. */
  info?: string;
  durationMs: number;
}

/** helm-controller's condition reason for a failed action. */
export const FAILURE_REASONS: Record<ReleaseAction, string> = {
  install: "InstallFailed",
  upgrade: "UpgradeFailed",
  rollback: "RollbackFailed",
  uninstall: "UninstallFailed",
  test: "TestFailed",
};

/**
 * A failed action, classified once (STYLE.md habit 7): a refusal that only a spec change can lift (the
 * tenant guard, CRDs the tenant may not create) stays terminal with its reason; anything else is the
 * action's failure reason and may be retried.
 */
export class ReleaseActionError extends RivuletError {
  readonly action: ReleaseAction;
  /** The release record as last written; undefined when the action stopped before writing one. */
  readonly release?: Release;
  readonly durationMs: number;
  constructor(action: ReleaseAction, message: string, opts: { release?: Release; cause?: unknown; startedAt: number }) {
    const cause = opts.cause;
    const terminal = cause instanceof RivuletError && cause.kind === "terminal";
    super(terminal ? "terminal" : "transient", terminal ? cause.reason : FAILURE_REASONS[action], message, { cause });
    this.action = action;
    this.release = opts.release;
    this.durationMs = Date.now() - opts.startedAt;
  }
}

/** Writes the release back; a failure is only logged, as Helm's recordRelease only logs it. */
export async function recordRelease(ctx: ActionContext, stored: StoredRelease): Promise<void> {
  try {
    await ctx.store.update(stored);
  } catch (err) {
    ctx.log?.(`warning: Failed to update release ${stored.release.name}: ${(err as Error).message}`);
  }
}

/**
 * An action's clock, its timeout and how it words a failure: the first lines of every action. `step`
 * runs one step whose error becomes the action's failure as it is worded (with the release record when
 * one was written), so each action states its steps once instead of wrapping each in the same catch.
 */
export function startAction(action: ReleaseAction, timeoutMs: number | undefined) {
  const startedAt = Date.now();
  const fail = (message: string, cause?: unknown, release?: Release) => new ReleaseActionError(action, message, { cause, release, startedAt });
  return {
    timeoutMs: timeoutMs ?? DEFAULTS.timeoutMs,
    fail,
    async step<T>(fn: () => Promise<T>, release?: Release): Promise<T> {
      try {
        return await fn();
      } catch (err) {
        throw fail(messageOf(err), err, release);
      }
    },
    elapsed: () => Date.now() - startedAt,
  };
}
