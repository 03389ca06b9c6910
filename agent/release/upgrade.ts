/**
 * `helm upgrade` as helm-controller runs it with Helm 4.2 (pkg/action/upgrade.go; read, not copied):
 *
 * 1. the latest revision must not be pending (Helm's "another operation ... is in progress"); the
 *    current release is the deployed one, or the latest when that failed or was superseded and none is
 *    deployed; there must be one (`"<name>" has no deployed releases`);
 * 2. the chart is rendered for the next revision with `.Release.IsUpgrade`; the new manifest and hooks
 *    pass the tenant guard; objects new to the manifest are checked for Helm's ownership metadata
 *    unless ownership is taken (`unable to continue with update: ...`); the CRDs are applied under the
 *    crds policy (default Skip, as for upgrades);
 * 3. the new revision is stored as pending-upgrade ("Preparing upgrade"), pre-upgrade hooks run, the
 *    manifest is applied and the objects the old manifest had and the new one has not are deleted
 *    (`helm.sh/resource-policy: keep` stays), the result is waited for, post-upgrade hooks run;
 * 4. on success the previous release is superseded and the new one deployed ("Upgrade complete"); on
 *    failure the new one is failed (`Upgrade "<name>" failed: <error>`) and the previous stays deployed;
 *    with cleanupOnFail the objects this upgrade created are deleted.
 *
 * A release another tool wrote (helm, helm-controller, a fixture) is upgraded the same way: it is read
 * from its Secrets and its objects are taken over through the ownership metadata they already carry.
 */
import { messageOf } from "../core/errors.ts";
import type { Values } from "../helm/chart.ts";
import type { Release } from "../helm/release-codec.ts";
import { guardRelease, identity, nowOf, releaseObjects, type ActionContext } from "./action-context.ts";
import { recordRelease, startAction, type ActionResult } from "./action-result.ts";
import { deleteRemoved } from "./apply-release.ts";
import { applyCrds } from "./crds.ts";
import { DeployError, deployRelease } from "./deploy-release.ts";
import { refuseForeignObjects, renderInput, type ChartActionOptions, type RenderInput } from "./install.ts";
import { assertNotPending, type StoredRelease } from "./release-store.ts";
import { storedChart } from "./stored-chart.ts";

/** HelmRelease spec.upgrade, as far as the action needs it. */
export interface UpgradeOptions extends ChartActionOptions {
  /** Recreate objects whose immutable fields changed. */
  force?: boolean;
  /** Keep the current release's values under the new ones (helm upgrade --reuse-values). */
  preserveValues?: boolean;
  /** Delete the objects this upgrade created when it fails. */
  cleanupOnFail?: boolean;
}

export async function upgrade(ctx: ActionContext, name: string, input: RenderInput, opts: UpgradeOptions = {}): Promise<ActionResult> {
  const { timeoutMs, fail, step, elapsed } = startAction("upgrade", opts.timeoutMs);

  const history = await ctx.store.history(name);
  const last = history.at(-1);
  if (!last) throw fail(`${JSON.stringify(name)} has no deployed releases`);
  await step(async () => assertNotPending(last.release));
  const current = currentRelease(history);
  if (!current) throw fail(`${JSON.stringify(name)} has no deployed releases`);

  const values = opts.preserveValues ? mergeValues(current.release.config ?? {}, input.values ?? {}) : (input.values ?? {});
  const revision = last.release.version + 1;
  const rendered = await step(() => renderInput(input, { name, namespace: current.release.namespace, revision, isUpgrade: true }, values));
  const release: Release = {
    name,
    info: {
      ...(current.release.info.first_deployed ? { first_deployed: current.release.info.first_deployed } : {}),
      last_deployed: nowOf(ctx).toISOString(),
      description: "Preparing upgrade",
      status: "pending-upgrade",
      ...(rendered.notes ? { notes: rendered.notes } : {}),
    },
    chart: storedChart(input.chart),
    ...(Object.keys(values).length ? { config: values } : {}),
    manifest: rendered.manifest,
    ...(rendered.hooks.length ? { hooks: rendered.hooks } : {}),
    version: revision,
    namespace: current.release.namespace,
    apply_method: "ssa",
  };
  const stored: StoredRelease = { release, labels: { ...last.labels, ...opts.labels } };

  const { before, after } = await step(async () => {
    const { objects: after } = await guardRelease(ctx, release);
    const before = await releaseObjects(ctx, current.release.manifest, `release ${name} revision ${current.release.version}`);
    const known = new Set(before.map(identity));
    const created = after.filter((o) => !known.has(identity(o)));
    if (opts.disableTakeOwnership) await refuseForeignObjects(ctx, release, created, "update");
    return { before, after };
  });
  const crds = await step(async () => {
    const written = await applyCrds(ctx, rendered.crds, opts.crds ?? "Skip", timeoutMs);
    await ctx.store.create(stored, { maxHistory: opts.maxHistory });
    return written;
  });

  try {
    const record = () => ctx.store.update(stored);
    const plan = { release, before, after, hooks: { pre: "pre-upgrade", post: "post-upgrade" } as const, timeoutMs, record, force: opts.force };
    const changeSet = await deployRelease(ctx, plan, opts);
    current.release.info.status = "superseded";
    await recordRelease(ctx, current);
    release.info.status = "deployed";
    release.info.description = opts.description || "Upgrade complete";
    await recordRelease(ctx, stored);
    return { action: "upgrade", release, changeSet, crds, durationMs: elapsed() };
  } catch (err) {
    const step = err instanceof DeployError ? err.step : undefined;
    const message = step === "pre-hooks" ? `pre-upgrade hooks failed: ${messageOf(err)}` : step === "post-hooks" ? `post-upgrade hooks failed: ${messageOf(err)}` : messageOf(err);
    release.info.status = "failed";
    release.info.description = `Upgrade ${JSON.stringify(name)} failed: ${message}`;
    await recordRelease(ctx, stored);
    // What this revision added to the previous one goes again (once the apply was reached).
    if (opts.cleanupOnFail && step !== "pre-hooks") {
      await deleteRemoved(ctx, release, after, before).catch((e) => ctx.log?.(`unable to cleanup resources: ${messageOf(e)}`));
    }
    throw fail(message, err, release);
  }
}

/** Helm's current release: the latest when deployed, else the newest deployed, else a failed or superseded latest. */
export function currentRelease(history: readonly StoredRelease[]): StoredRelease | undefined {
  const last = history.at(-1);
  if (!last) return undefined;
  if (last.release.info.status === "deployed") return last;
  const deployed = history.filter((h) => h.release.info.status === "deployed").at(-1);
  if (deployed) return deployed;
  return last.release.info.status === "failed" || last.release.info.status === "superseded" ? last : undefined;
}

/** Values from `over` win; tables are merged key by key (helm upgrade --reuse-values). */
function mergeValues(under: Values, over: Values): Values {
  const out: Values = { ...under };
  for (const [k, v] of Object.entries(over)) {
    const u = out[k];
    out[k] = isTable(u) && isTable(v) ? mergeValues(u, v) : v;
  }
  return out;
}

const isTable = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
