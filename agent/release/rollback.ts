/**
 * `helm rollback` as Helm 4.2 does it (pkg/action/rollback.go; read, not copied): a new revision (latest
 * + 1) carrying the target revision's chart, values, manifest, hooks and notes, stored as
 * pending-rollback with the description "Rollback to N" and `rollback_revision: N`; pre-rollback hooks,
 * the target manifest applied and what it lacks deleted, the wait, post-rollback hooks; then every
 * deployed revision is superseded and the new one deployed. An apply failure marks it failed
 * (`Rollback "<name>" failed: <error>`, the previous one superseded), a wait failure too
 * (`Release "<name>" failed: <error>`). A failed hook marks it failed as well: Helm leaves that revision
 * pending-rollback, which refuses every later operation until someone edits the Secret by hand. The
 * target defaults to the revision before the latest.
 */
import { messageOf } from "../core/errors.ts";
import type { Release } from "../helm/release-codec.ts";
import type { KubeObject } from "../kube/types.ts";
import { DEFAULTS, guardRelease, identity, nowOf, releaseObjects, type ActionContext } from "./action-context.ts";
import { ReleaseActionError, recordRelease, type ActionResult } from "./action-result.ts";
import { applyRelease, deleteObjects, deleteRemoved, waitForRelease } from "./apply-release.ts";
import { runHooks } from "./hooks.ts";
import type { StoredRelease } from "./release-store.ts";

/** HelmRelease spec.rollback, and the revision to go back to. */
export interface RollbackOptions {
  /** The revision to roll back to; default the one before the latest. */
  version?: number;
  timeoutMs?: number;
  disableWait?: boolean;
  disableWaitForJobs?: boolean;
  disableHooks?: boolean;
  force?: boolean;
  cleanupOnFail?: boolean;
  maxHistory?: number;
  description?: string;
}

export async function rollback(ctx: ActionContext, name: string, opts: RollbackOptions = {}): Promise<ActionResult> {
  const startedAt = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const fail = (message: string, cause?: unknown, release?: Release) => new ReleaseActionError("rollback", message, { cause, release, startedAt });

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

  let before: KubeObject[];
  let after: KubeObject[];
  try {
    ({ objects: after } = await guardRelease(ctx, release));
    before = await releaseObjects(ctx, current.release.manifest, `release ${name} revision ${current.release.version}`);
    await ctx.store.create(stored, { maxHistory: opts.maxHistory });
  } catch (err) {
    throw fail(messageOf(err), err);
  }
  const record = () => ctx.store.update(stored);
  const failWith = async (description: string, err: unknown) => {
    release.info.status = "failed";
    release.info.description = description;
    await recordRelease(ctx, stored);
    return fail(messageOf(err), err, release);
  };

  if (!opts.disableHooks) {
    try {
      await runHooks(ctx, release, "pre-rollback", { timeoutMs, record });
    } catch (err) {
      throw await failWith(`Rollback ${JSON.stringify(name)} failed: ${messageOf(err)}`, err);
    }
  }
  let changeSet;
  try {
    changeSet = await applyRelease(ctx, release, after, { force: opts.force });
    changeSet.entries.push(...(await deleteRemoved(ctx, release, before, after)));
  } catch (err) {
    current.release.info.status = "superseded";
    await recordRelease(ctx, current);
    if (opts.cleanupOnFail) {
      const known = new Set(before.map(identity));
      await deleteObjects(ctx, release, after.filter((o) => !known.has(identity(o))), "Background").catch(() => {});
    }
    throw await failWith(`Rollback ${JSON.stringify(name)} failed: ${messageOf(err)}`, err);
  }
  try {
    if (!opts.disableWait) await waitForRelease(ctx, after, { timeoutMs, skipJobs: opts.disableWaitForJobs });
  } catch (err) {
    throw await failWith(`Release ${JSON.stringify(name)} failed: ${messageOf(err)}`, err);
  }
  if (!opts.disableHooks) {
    try {
      await runHooks(ctx, release, "post-rollback", { timeoutMs, record });
    } catch (err) {
      throw await failWith(`Rollback ${JSON.stringify(name)} failed: ${messageOf(err)}`, err);
    }
  }
  for (const d of await ctx.store.deployedAll(name)) {
    d.release.info.status = "superseded";
    await recordRelease(ctx, d);
  }
  release.info.status = "deployed";
  await recordRelease(ctx, stored);
  return { action: "rollback", release, changeSet, crds: [], durationMs: Date.now() - startedAt };
}
