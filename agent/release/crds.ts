/**
 * The chart's `crds/` files applied before an install or upgrade, as helm-controller does it with its
 * `crds` policy (internal/action/crds.go; read, not copied): `Skip` applies nothing, `Create` creates the
 * CustomResourceDefinitions that do not exist yet and leaves existing ones alone, `CreateReplace` applies
 * all of them (server-side apply, forced). Anything in `crds/` that is not a CRD is ignored with a log
 * line, as helm-controller ignores it. The new CRDs are then waited for (Established), so the manifest's
 * custom resources can be applied.
 *
 * CRDs are cluster-scoped: a tenant whose platform team did not allow the kind (--allow-cluster-kinds)
 * is refused before anything is written, and one whose role does not grant it gets the API server's
 * Forbidden; both errors name every CRD of the chart.
 */
import { TerminalError, messageOf } from "../core/errors.ts";
import { isForbidden } from "../kube/api-error.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ChartFile } from "../helm/chart.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { waitForHealthy } from "../health/wait-for-healthy.ts";
import { fieldManagerOf, keyOf, pollOf, type ActionContext } from "./action-context.ts";

export type CrdsPolicy = "Skip" | "Create" | "CreateReplace";

const CRD_GROUP = "apiextensions.k8s.io";

/** The CRDs in the chart's crds/ files, in file order; other documents are reported in `ignored`. */
export function chartCrds(files: readonly ChartFile[]): { crds: KubeObject[]; ignored: string[] } {
  const crds: KubeObject[] = [];
  const ignored: string[] = [];
  for (const f of files) {
    for (const doc of parseDocuments(new TextDecoder().decode(f.data), f.name)) {
      if (!doc || typeof doc !== "object") continue;
      const o = doc as KubeObject;
      if (o.kind === "CustomResourceDefinition" && o.apiVersion?.startsWith(`${CRD_GROUP}/`)) crds.push(o);
      else ignored.push(`${f.name}: ${o.kind ?? "?"}/${o.metadata?.name ?? "?"}`);
    }
  }
  return { crds, ignored };
}

/** Applies the chart's CRDs under `policy`; returns the names it created or replaced. */
export async function applyCrds(ctx: ActionContext, files: readonly ChartFile[], policy: CrdsPolicy, timeoutMs: number): Promise<string[]> {
  if (policy === "Skip" || !files.length) return [];
  const { crds, ignored } = chartCrds(files);
  if (ignored.length) ctx.log?.(`ignoring non-CRD resources found in the chart's crds/ directory: ${ignored.join(", ")}`);
  if (!crds.length) return [];
  const names = crds.map((c) => c.metadata.name ?? "");
  const listed = `CustomResourceDefinitions ${names.join(", ")}`;
  if (!(ctx.allowedClusterKinds ?? []).includes("CustomResourceDefinition")) {
    throw new TerminalError(
      "AccessDenied",
      `Cannot install ${listed} (crds policy ${policy}): tenants may not apply cluster-scoped objects (a platform admin can allow the kind with --allow-cluster-kinds, or set the crds policy to Skip)`,
    );
  }
  const written: KubeObject[] = [];
  for (const crd of crds) {
    try {
      if (policy === "Create" && (await ctx.client.get(keyOf(crd)))) {
        ctx.log?.(`CustomResourceDefinition ${crd.metadata.name} is already present. Skipping.`);
        continue;
      }
      await ctx.client.apply(crd, { fieldManager: fieldManagerOf(ctx), force: true });
      written.push(crd);
    } catch (err) {
      if (isForbidden(err)) throw new TerminalError("AccessDenied", `Cannot install ${listed}: ${messageOf(err)}`, { cause: err });
      throw new Error(`failed to create CustomResourceDefinition ${crd.metadata.name}: ${messageOf(err)}`, { cause: err });
    }
  }
  if (written.length) {
    const health = await waitForHealthy(ctx.client, written.map(keyOf), { timeoutMs, pollMs: pollOf(ctx), failFast: false });
    if (!health.healthy) throw new Error(`Cannot use the chart's CustomResourceDefinitions: ${health.message}`);
  }
  return written.map((c) => c.metadata.name ?? "");
}
