/**
 * `helm test` as Helm 4.2 does it (pkg/action/release_testing.go; read, not copied): the latest
 * revision's `test` hooks run like any other hook event (weight order, delete policies, wait for their
 * Pods or Jobs), narrowed by filters as HelmRelease spec.test.filters say: with any `exclude: false`
 * filter only those names run, `exclude: true` names never do. Each hook's `last_run` (started,
 * completed, phase) is written back into the revision, the skipped ones kept as they were.
 */
import { messageOf } from "../core/errors.ts";
import type { Release, StoredHook } from "../helm/release-codec.ts";
import { guardRelease, type ActionContext } from "./action-context.ts";
import { startAction, type ActionResult } from "./action-result.ts";
import { runHooks } from "./hooks.ts";

export interface TestFilter {
  name: string;
  /** Default false: the filter selects the hook; true: it leaves it out. */
  exclude?: boolean;
}

/** HelmRelease spec.test. */
export interface TestOptions {
  timeoutMs?: number;
  filters?: TestFilter[];
}

/** Which test hooks run: Helm applies the exclude filter, then the include filter. */
export function selectTests(hooks: readonly StoredHook[], filters: readonly TestFilter[] = []): { run: StoredHook[]; skipped: StoredHook[] } {
  const exclude = filters.filter((f) => f.exclude).map((f) => f.name);
  const include = filters.filter((f) => !f.exclude).map((f) => f.name);
  let run = hooks.filter((h) => !exclude.includes(h.name));
  const skipped = hooks.filter((h) => exclude.includes(h.name));
  if (include.length) {
    skipped.push(...run.filter((h) => !include.includes(h.name)));
    run = run.filter((h) => include.includes(h.name));
  }
  return { run, skipped };
}

export async function releaseTest(ctx: ActionContext, name: string, opts: TestOptions = {}): Promise<ActionResult> {
  const { timeoutMs, fail, step, elapsed } = startAction("test", opts.timeoutMs);
  const last = await ctx.store.last(name);
  if (!last) throw fail(`no revision for release ${JSON.stringify(name)}`);
  const release = last.release;
  await step(() => guardRelease(ctx, release));
  const all = release.hooks ?? [];
  const { run, skipped } = selectTests(all, opts.filters);
  // Helm runs on a copy whose hooks are the selected ones, then stores the skipped ones first.
  const running: Release = { ...release, hooks: run };
  const write = async () => {
    release.hooks = [...skipped, ...run];
    if (!all.length) delete release.hooks;
    await ctx.store.update(last);
  };
  try {
    await runHooks(ctx, running, "test", { timeoutMs, record: write });
  } catch (err) {
    await write().catch(() => {});
    throw fail(messageOf(err), err, release);
  }
  await write().catch((err) => ctx.log?.(`warning: Failed to update release ${name}: ${messageOf(err)}`));
  return { action: "test", release, changeSet: { entries: [] }, crds: [], durationMs: elapsed() };
}
