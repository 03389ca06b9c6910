/**
 * The release's objects on the cluster: applied with server-side apply through agent/apply (Flux's stages,
 * forced, under helm-controller's field manager, with Helm's ownership metadata), the objects of the
 * previous manifest that the new one no longer has deleted unless `helm.sh/resource-policy: keep` or not
 * this release's, and the wait with kstatus (agent/health) worded as Helm 4's status waiter words it.
 */
import { messageOf } from "../core/errors.ts";
import { applyAll } from "../apply/apply-all.ts";
import type { ChangeSet, ChangeSetEntry } from "../apply/change-set.ts";
import { changeSetEntry } from "../apply/change-set.ts";
import { UNINSTALL_ORDER, sortByKind } from "../helm/manifest.ts";
import { isNotFound } from "../kube/api-error.ts";
import type { KubeObject } from "../kube/types.ts";
import { waitForHealthy } from "../health/wait-for-healthy.ts";
import { fieldManagerOf, identity, keyOf, pollOf, type ActionContext } from "./action-context.ts";
import { isKept, ownershipProblem, withOwnership, type ReleaseId } from "./ownership.ts";
import { notReady } from "./hooks.ts";
import { cacheReader, kindsOf } from "./object-cache.ts";

export interface ApplyReleaseOptions {
  /** Recreate objects whose immutable fields changed (upgrade/rollback `force`). */
  force?: boolean;
}

/**
 * Applies the objects with the release's ownership metadata. Fields the same manager owns through
 * client-side Updates (a release Helm 3 or a Helm-3-based helm-controller wrote) are moved to its
 * server-side Apply entry first, as Helm 4 upgrades a client-side field manager, so that a field the
 * chart no longer renders is removed rather than left behind by the old owner.
 */
export async function applyRelease(ctx: ActionContext, release: ReleaseId, objects: readonly KubeObject[], opts: ApplyReleaseOptions = {}): Promise<ChangeSet> {
  const fieldManager = fieldManagerOf(ctx);
  const cache = ctx.cache;
  await cache?.watch(kindsOf(objects));
  return applyAll(ctx.client, objects.map((o) => withOwnership(o, release)), {
    fieldManager,
    // The read before each dry-run is skipped for objects the cache proves absent (an install's).
    ...(cache ? { absent: (o: KubeObject) => cache.read(keyOf(o)) === undefined, onApplied: (answer: KubeObject) => cache.applied(answer) } : {}),
    force: opts.force,
    cleanup: { annotations: [], labels: [], managers: [{ prefix: fieldManager, operation: "Update" }] },
    waitForStage: (client, keys, o) => waitForHealthy(client, keys, o),
    stageWaitPollMs: pollOf(ctx),
  });
}

/**
 * Deletes what `before` had and `after` does not (Helm's Update): kept objects and objects another
 * release took over stay. Returns the deleted/skipped entries; errors name each object.
 */
export async function deleteRemoved(ctx: ActionContext, release: ReleaseId, before: readonly KubeObject[], after: readonly KubeObject[]): Promise<ChangeSetEntry[]> {
  const wanted = new Set(after.map(identity));
  return deleteObjects(ctx, release, before.filter((o) => !wanted.has(identity(o))), "Background");
}

/** Deletes objects in Helm's uninstall order, each only when it is this release's and not kept. */
export async function deleteObjects(
  ctx: ActionContext,
  release: ReleaseId,
  objects: readonly KubeObject[],
  propagation: "Background" | "Foreground" | "Orphan",
): Promise<ChangeSetEntry[]> {
  const entries: ChangeSetEntry[] = [];
  const errors: string[] = [];
  for (const o of sortByKind(objects, (x) => x.kind, UNINSTALL_ORDER)) {
    try {
      const live = await ctx.client.get(keyOf(o));
      if (!live) continue;
      if (isKept(live) || ownershipProblem(live, release)) {
        entries.push(changeSetEntry(o, "skipped"));
        continue;
      }
      await ctx.client.delete(keyOf(o), { propagationPolicy: propagation });
      entries.push(changeSetEntry(o, "deleted"));
    } catch (err) {
      if (!isNotFound(err)) errors.push(`${keyOf(o).kind}/${o.metadata.name} delete failed: ${messageOf(err)}`);
    }
  }
  if (errors.length) throw new Error(errors.join("; "));
  return entries;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Leave Jobs out of the wait (disableWaitForJobs). */
  skipJobs?: boolean;
}

/** Waits until every object is Current; throws Helm's status waiter error otherwise. */
export async function waitForRelease(ctx: ActionContext, objects: readonly KubeObject[], opts: WaitOptions): Promise<void> {
  const waited = objects.filter((o) => !(opts.skipJobs && o.kind === "Job") && !isPausedDeployment(o));
  if (!waited.length) return;
  // Polls the watch-fed cache (as the Kustomization's health check does), not a GET per object and round.
  const res = await waitForHealthy(cacheReader(ctx.client, ctx.cache), waited.map(keyOf), { timeoutMs: opts.timeoutMs, pollMs: pollOf(ctx), failFast: true });
  if (res.healthy) return;
  const lines = res.statuses.filter((s) => s.status !== "Current").map((s) => notReady(waited[res.statuses.indexOf(s)]!, s));
  if (res.message?.startsWith("timeout")) lines.push("context deadline exceeded");
  throw new Error(lines.join("\n"));
}

// Helm does not wait for a paused Deployment: it would never roll out.
function isPausedDeployment(o: KubeObject): boolean {
  return o.kind === "Deployment" && (o.spec as { paused?: boolean } | undefined)?.paused === true;
}
