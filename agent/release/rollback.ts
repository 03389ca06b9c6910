/**
 * `helm rollback` as Helm 4.2 does it (pkg/action/rollback.go; read, not copied): a new revision (latest
 * + 1) carrying the target revision's chart, values, manifest, hooks and notes, stored as
 * pending-rollback with the description "Rollback to N" and `rollback_revision: N`; pre-rollback hooks,
 * the target manifest applied and what it lacks deleted, the wait, post-rollback hooks; then every
 * deployed revision is superseded and the new one deployed. An apply failure marks it failed
 * (`Rollback "<name>" failed: <error>`, the previous one superseded), a wait failure too
 * (`Release "<name>" failed: <error>`). A failed pre- or post-rollback hook leaves the revision
 * pending-rollback, as Helm leaves it (its last write was the hook starting); the HelmRelease reconciler
 * unlocks such a stale revision as helm-controller does. The target defaults to the revision before the
 * latest.
 */
import { messageOf } from "../core/errors.ts";
import type { Release } from "../helm/release-codec.ts";
import { guardRelease, nowOf, releaseObjects, type ActionContext } from "./action-context.ts";
import { recordRelease, startAction, type ActionResult } from "./action-result.ts";
import { deleteRemoved } from "./apply-release.ts";
import { DeployError, deployRelease, type DeployOptions } from "./deploy-release.ts";
import type { StoredRelease } from "./release-store.ts";

/** HelmRelease spec.rollback, and the revision to go back to. */
export interface RollbackOptions extends DeployOptions {
  /** The revision to roll back to; default the one before the latest. */
  version?: number;
  force?: boolean;
  cleanupOnFail?: boolean;
}

export async function rollback(ctx: ActionContext, name: string, opts: RollbackOptions = {}): Promise<ActionResult> {
  const { timeoutMs, fail, step, elapsed } = startAction("rollback", opts.timeoutMs);

  const history = await ctx.store.history(name);
  const current = history.at(-1);
  if (!current) throw fail(`no revision for release ${JSON.stringify(name)}`);
  const to = opts.version || current.release.version - 1;
  const previous = history.find((h) => h.release.version === to);
  if (!previous) throw fail(`release has no ${to} version`);

  const p = previous.release;
  const release: Release = {
    name,
    info: {
      ...(current.release.info.first_deployed ? { first_deployed: current.release.info.first_deployed } : {}),
      last_deployed: nowOf(ctx).toISOString(),
      description: opts.description || `Rollback to ${to}`,
      status: "pending-rollback",
      rollback_revision: to,
      ...(p.info.notes ? { notes: p.info.notes } : {}),
    },
    chart: p.chart,
    ...(p.config && Object.keys(p.config).length ? { config: p.config } : {}),
    manifest: p.manifest,
    ...(p.hooks?.length ? { hooks: structuredClone(p.hooks) } : {}),
    version: current.release.version + 1,
    namespace: current.release.namespace,
    apply_method: "ssa",
  };
  const stored: StoredRelease = { release, labels: { ...previous.labels } };

  const { before, after } = await step(async () => {
    const { objects: after } = await guardRelease(ctx, release);
    const before = await releaseObjects(ctx, current.release.manifest, `release ${name} revision ${current.release.version}`);
    await ctx.store.create(stored, { maxHistory: opts.maxHistory });
    return { before, after };
  });
  let changeSet;
  try {
    const record = () => ctx.store.update(stored);
    const plan = { release, before, after, hooks: { pre: "pre-rollback", post: "post-rollback" } as const, timeoutMs, record, force: opts.force };
    changeSet = await deployRelease(ctx, plan, opts);
  } catch (err) {
    const step = err instanceof DeployError ? err.step : undefined;
    // Helm returns a hook's error without recording the release: it stays pending-rollback.
    if (step === "pre-hooks" || step === "post-hooks") throw fail(messageOf(err), err, release);
    if (step === "apply") {
      current.release.info.status = "superseded";
      await recordRelease(ctx, current);
      // What this revision added to the current one goes again.
      if (opts.cleanupOnFail) await deleteRemoved(ctx, release, after, before).catch((e) => ctx.log?.(`unable to cleanup resources: ${messageOf(e)}`));
    }
    release.info.status = "failed";
    release.info.description = `${step === "wait" ? "Release" : "Rollback"} ${JSON.stringify(name)} failed: ${messageOf(err)}`;
    await recordRelease(ctx, stored);
    throw fail(messageOf(err), err, release);
  }
  for (const d of await ctx.store.deployedAll(name)) {
    d.release.info.status = "superseded";
    await recordRelease(ctx, d);
  }
  release.info.status = "deployed";
  await recordRelease(ctx, stored);
  return { action: "rollback", release, changeSet, crds: [], durationMs: elapsed() };
}
