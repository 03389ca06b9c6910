/**
 * `helm install` as helm-controller runs it with Helm 4.2 (pkg/action/install.go and helm-controller's
 * internal/action/install.go; read, not copied):
 *
 * 1. the name must be free: a release whose latest revision is not uninstalled or failed (or any, without
 *    `replace`) stops the install with Helm's "cannot reuse a name that is still in use";
 * 2. the chart is rendered (agent/helm render.ts) for revision 1 (or the next one after a replaced
 *    release), the manifest and every hook pass the tenant guard, and existing objects are checked for
 *    Helm's ownership metadata unless ownership is taken, all before anything is written;
 * 3. the chart's CRDs are applied under the crds policy (default Create);
 * 4. the release is stored as pending-install ("Initial install underway"), pre-install hooks run, the
 *    manifest is applied (server-side apply), waited for unless disableWait, post-install hooks run;
 * 5. the release becomes deployed ("Install complete") or failed (`Release "<name>" failed: <error>`).
 *
 * Limits: server-side apply only (apply_method "ssa", Helm 4's and helm-controller's default); no
 * createNamespace (a tenant installs into its own namespace).
 */
import { messageOf } from "../core/errors.ts";
import type { Chart, Values } from "../helm/chart.ts";
import type { Release } from "../helm/release-codec.ts";
import { renderChart, type ReleaseOptions, type RenderedRelease, type ValidateValues } from "../helm/render.ts";
import type { CapabilitiesInfo, Lookup, TemplateEngine } from "../helm/template-engine.ts";
import { keyOf, nowOf, guardRelease, type ActionContext } from "./action-context.ts";
import { recordRelease, startAction, type ActionResult } from "./action-result.ts";
import { applyCrds, type CrdsPolicy } from "./crds.ts";
import { DeployError, deployRelease, type DeployOptions } from "./deploy-release.ts";
import { ownershipProblem, resourceString } from "./ownership.ts";
import { validateReleaseName, type StoredRelease } from "./release-store.ts";
import { storedChart } from "./stored-chart.ts";
import { kindsOf, liveForOwnership } from "./object-cache.ts";
import type { KubeObject } from "../kube/types.ts";

/** The chart and values to render, and what rendering needs from the cluster. */
export interface RenderInput {
  engine: TemplateEngine;
  chart: Chart;
  /** User-supplied values: stored as the release's `config`, coalesced over the chart's defaults. */
  values?: Values | null;
  capabilities?: CapabilitiesInfo;
  lookup?: Lookup;
  validateValues?: ValidateValues;
  /**
   * Rewrites the rendered release before it is stored and applied: helm-controller's post-renderers
   * (kustomize patches and images, commonMetadata, the origin labels helm.toolkit.fluxcd.io/name and
   * /namespace on every object and CRD). The manifest it returns is what the release records.
   */
  postRender?: (rendered: RenderedRelease) => RenderedRelease | Promise<RenderedRelease>;
}

/** Renders the input for a release, post-rendered when the caller asks. */
export async function renderInput(input: RenderInput, release: ReleaseOptions, values: Values | null | undefined): Promise<RenderedRelease> {
  const rendered = await renderChart(input.engine, input.chart, {
    release,
    values,
    capabilities: input.capabilities,
    lookup: input.lookup,
    validateValues: input.validateValues,
  });
  return input.postRender ? input.postRender(rendered) : rendered;
}

/** What install and upgrade share beyond the deploy step: they render a chart into the cluster. */
export interface ChartActionOptions extends DeployOptions {
  /** Refuse existing objects that are not this release's (Helm's default; helm-controller takes them). */
  disableTakeOwnership?: boolean;
  /** Install default Create, upgrade default Skip. */
  crds?: CrdsPolicy;
  /** The release's own labels, stored beside Helm's on its Secrets. */
  labels?: Record<string, string>;
}

/** HelmRelease spec.install, as far as the action needs it. */
export interface InstallOptions extends ChartActionOptions {
  /** Reuse the name of a release whose latest revision is uninstalled or failed. */
  replace?: boolean;
}

export async function install(ctx: ActionContext, name: string, input: RenderInput, opts: InstallOptions = {}): Promise<ActionResult> {
  const { timeoutMs, fail, step, elapsed } = startAction("install", opts.timeoutMs);

  try {
    validateReleaseName(name);
  } catch (err) {
    throw fail(`release name ${JSON.stringify(name)}: ${messageOf(err)}`, err);
  }
  const history = await ctx.store.history(name);
  const last = history.at(-1)?.release;
  if (last && !(opts.replace && (last.info.status === "uninstalled" || last.info.status === "failed"))) {
    throw fail("cannot reuse a name that is still in use");
  }

  const rendered = await step(() => renderInput(input, { name, namespace: ctx.namespace, revision: 1 }, input.values));
  const now = nowOf(ctx).toISOString();
  const release: Release = {
    name,
    info: { first_deployed: now, last_deployed: now, description: "Initial install underway", status: "pending-install", ...(rendered.notes ? { notes: rendered.notes } : {}) },
    chart: storedChart(input.chart),
    ...(input.values && Object.keys(input.values).length ? { config: input.values } : {}),
    manifest: rendered.manifest,
    ...(rendered.hooks.length ? { hooks: rendered.hooks } : {}),
    version: last ? last.version + 1 : 1,
    namespace: ctx.namespace,
    apply_method: "ssa",
  };
  const stored: StoredRelease = { release, labels: opts.labels ?? {} };

  const { objects } = await step(async () => {
    const guarded = await guardRelease(ctx, release);
    if (opts.disableTakeOwnership) await refuseForeignObjects(ctx, release, guarded.objects, "install");
    return guarded;
  });
  const crds = await step(() => applyCrds(ctx, rendered.crds, opts.crds ?? "Create", timeoutMs));

  // A replaced release that did not fail is superseded by the new one.
  if (last && last.info.status !== "failed") {
    const prev = history.at(-1)!;
    prev.release.info.status = "superseded";
    prev.release.info.description = "superseded by new release";
    await recordRelease(ctx, prev);
  }
  await step(() => ctx.store.create(stored, { maxHistory: opts.maxHistory }));

  try {
    const record = () => ctx.store.update(stored);
    const plan = { release, before: [], after: objects, hooks: { pre: "pre-install", post: "post-install" } as const, timeoutMs, record };
    const changeSet = await deployRelease(ctx, plan, opts);
    release.info.status = "deployed";
    release.info.description = opts.description || "Install complete";
    await recordRelease(ctx, stored);
    return { action: "install", release, changeSet, crds, durationMs: elapsed() };
  } catch (err) {
    const step = err instanceof DeployError ? err.step : undefined;
    const message = step === "pre-hooks" ? `failed pre-install: ${messageOf(err)}` : step === "post-hooks" ? `failed post-install: ${messageOf(err)}` : messageOf(err);
    release.info.status = "failed";
    release.info.description = `Release ${JSON.stringify(name)} failed: ${message}`;
    await recordRelease(ctx, stored);
    throw fail(message, err, release);
  }
}

/**
 * Helm's existingResourceConflict: every object that exists must already be this release's; the error
 * names the first that is not, as Helm's visitor stops at it. The live cache answers where it has listed
 * the kind (absent, or the ownership metadata it keeps); a GET only where it cannot.
 */
export async function refuseForeignObjects(ctx: ActionContext, release: Release, objects: readonly KubeObject[], action: "install" | "update"): Promise<void> {
  await ctx.cache?.watch(kindsOf(objects));
  for (const o of objects) {
    let live: KubeObject | undefined;
    try {
      live = await liveForOwnership(ctx.client, ctx.cache, keyOf(o));
    } catch (err) {
      throw new Error(`unable to continue with ${action}: could not get information about the resource ${resourceString(o)}: ${messageOf(err)}`, { cause: err });
    }
    const problem = live && ownershipProblem(live, release);
    if (problem) throw new Error(`unable to continue with ${action}: ${resourceString(o)} exists and cannot be imported into the current release: ${problem}`);
  }
}
