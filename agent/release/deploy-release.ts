/**
 * The part install, upgrade and rollback share once the new revision is stored as pending: the `pre-*`
 * hooks, the manifest applied, the objects the previous manifest had and this one has not deleted, the
 * wait, the `post-*` hooks. A failure says at which step it happened (DeployError.step), because Helm
 * words and records each action's failures per step ("failed pre-install: ...", "Rollback ... failed"
 * for an apply but "Release ... failed" for a wait).
 */
import { messageOf } from "../core/errors.ts";
import type { ChangeSet } from "../apply/change-set.ts";
import type { HookEvent, Release } from "../helm/release-codec.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ActionContext } from "./action-context.ts";
import { applyRelease, deleteRemoved, waitForRelease } from "./apply-release.ts";
import { runHooks } from "./hooks.ts";

/** The fields install, upgrade and rollback share (HelmRelease spec.install/upgrade/rollback). */
export interface DeployOptions {
  timeoutMs?: number;
  disableWait?: boolean;
  /** Leave Jobs out of the wait. */
  disableWaitForJobs?: boolean;
  disableHooks?: boolean;
  /** HelmRelease spec.maxHistory (0: unlimited). */
  maxHistory?: number;
  /** Replaces Helm's description of a successful action. */
  description?: string;
}

export type DeployStep = "pre-hooks" | "apply" | "wait" | "post-hooks";

export class DeployError extends Error {
  readonly step: DeployStep;
  constructor(step: DeployStep, cause: unknown) {
    super(messageOf(cause), { cause });
    this.name = "DeployError";
    this.step = step;
  }
}

export interface DeployPlan {
  release: Release;
  /** The previous revision's objects (none for an install). */
  before: readonly KubeObject[];
  after: readonly KubeObject[];
  hooks: { pre: HookEvent; post: HookEvent };
  timeoutMs: number;
  /** Writes the release back while hooks run. */
  record: () => Promise<void>;
  force?: boolean;
}

export async function deployRelease(ctx: ActionContext, plan: DeployPlan, opts: DeployOptions): Promise<ChangeSet> {
  const step = async <T>(name: DeployStep, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new DeployError(name, err);
    }
  };
  const hookOpts = { timeoutMs: plan.timeoutMs, record: plan.record };
  if (!opts.disableHooks) await step("pre-hooks", () => runHooks(ctx, plan.release, plan.hooks.pre, hookOpts));
  const changeSet = await step("apply", async () => {
    const cs = await applyRelease(ctx, plan.release, plan.after, { force: plan.force });
    cs.entries.push(...(await deleteRemoved(ctx, plan.release, plan.before, plan.after)));
    return cs;
  });
  if (!opts.disableWait) await step("wait", () => waitForRelease(ctx, plan.after, { timeoutMs: plan.timeoutMs, skipJobs: opts.disableWaitForJobs }));
  if (!opts.disableHooks) await step("post-hooks", () => runHooks(ctx, plan.release, plan.hooks.post, hookOpts));
  return changeSet;
}
