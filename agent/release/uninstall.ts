/**
 * `helm uninstall` as Helm 4.2 does it (pkg/action/uninstall.go; read, not copied): the latest revision
 * becomes uninstalling ("Deletion in progress (or silently failed)", `deleted` set), pre-delete hooks
 * run, the manifest's objects are deleted in Helm's uninstall order (those with
 * `helm.sh/resource-policy: keep` in the stored manifest and those not owned by this release stay, and
 * are listed in `info` in Helm's words),
 * their disappearance is waited for unless disableWait, post-delete hooks run; then the revision is
 * uninstalled ("Uninstallation complete") and, with keepHistory, kept (deployed revisions superseded),
 * or every revision's Secret is deleted. An already uninstalled release is purged without keepHistory
 * and refused with it (`the release named "<name>" is already deleted`).
 */
import { messageOf } from "../core/errors.ts";
import { UNINSTALL_ORDER, sortByKind } from "../helm/manifest.ts";
import type { Release } from "../helm/release-codec.ts";
import type { KubeObject } from "../kube/types.ts";
import { guardRelease, nowOf, refOf, type ActionContext } from "./action-context.ts";
import { recordRelease, startAction, type ActionResult } from "./action-result.ts";
import { deleteObjects } from "./apply-release.ts";
import { runHooks, waitForDelete } from "./hooks.ts";
import { isKept } from "./ownership.ts";

/** HelmRelease spec.uninstall. */
export interface UninstallOptions {
  timeoutMs?: number;
  disableHooks?: boolean;
  keepHistory?: boolean;
  disableWait?: boolean;
  /** Default background. */
  deletionPropagation?: "background" | "foreground" | "orphan";
  description?: string;
}

export async function uninstall(ctx: ActionContext, name: string, opts: UninstallOptions = {}): Promise<ActionResult> {
  const { timeoutMs, fail, step, elapsed } = startAction("uninstall", opts.timeoutMs);
  const history = await ctx.store.history(name);
  const last = history.at(-1);
  if (!last) throw fail("no release provided");
  const release = last.release;
  const purge = async () => {
    for (const h of history) await ctx.store.delete(name, h.release.version);
  };
  if (release.info.status === "uninstalled") {
    if (opts.keepHistory) throw fail(`the release named ${JSON.stringify(name)} is already deleted`);
    await purge();
    return { action: "uninstall", release, changeSet: { entries: [] }, crds: [], durationMs: elapsed() };
  }

  const { objects } = await step(() => guardRelease(ctx, release));
  release.info.status = "uninstalling";
  release.info.deleted = nowOf(ctx).toISOString();
  release.info.description = "Deletion in progress (or silently failed)";
  const record = () => ctx.store.update(last);
  if (!opts.disableHooks) await step(() => runHooks(ctx, release, "pre-delete", { timeoutMs, record }), release);
  await recordRelease(ctx, last);

  const errors: string[] = [];
  const ordered = sortByKind(objects, (o) => o.kind, UNINSTALL_ORDER);
  // Helm reads the keep policy from the stored manifest, then deletes only what it verifies is its own.
  const keptByPolicy = ordered.filter((o) => isKept(o));
  const propagation = ({ background: "Background", foreground: "Foreground", orphan: "Orphan" } as const)[opts.deletionPropagation ?? "background"];
  let entries;
  try {
    entries = await deleteObjects(ctx, release, ordered.filter((o) => !isKept(o)), propagation);
  } catch (err) {
    throw fail(`failed to delete release: ${name}`, err, release);
  }
  const info = keptInfo(keptByPolicy, ordered.filter((o) => entries.some((e) => e.action === "skipped" && e.ref === refOf(o))));
  if (!opts.disableWait) {
    const deleted = ordered.filter((o) => entries.some((e) => e.action === "deleted" && e.ref === refOf(o)));
    await waitForDelete(ctx, deleted, timeoutMs).catch((err) => errors.push(messageOf(err)));
  }
  if (!opts.disableHooks) await runHooks(ctx, release, "post-delete", { timeoutMs, record }).catch((err) => errors.push(messageOf(err)));

  release.info.status = "uninstalled";
  release.info.description = opts.description || "Uninstallation complete";
  if (!opts.keepHistory) {
    await purge().catch((err) => errors.push(`uninstall: Failed to purge the release: ${messageOf(err)}`));
  } else {
    await recordRelease(ctx, last);
    for (const d of await ctx.store.deployedAll(name)) {
      d.release.info.status = "superseded";
      await recordRelease(ctx, d);
    }
  }
  if (errors.length) throw fail(`uninstallation completed with ${errors.length} error(s): ${errors.join("; ")}`, undefined, release);
  return { action: "uninstall", release, changeSet: { entries }, crds: [], ...(info ? { info } : {}), durationMs: elapsed() };
}

/** What Helm reports it left behind: objects kept by their resource policy, then objects not its own. */
export function keptInfo(byPolicy: readonly KubeObject[], notOwned: readonly KubeObject[]): string | undefined {
  const line = (o: KubeObject) => `[${o.kind}] ${o.metadata.name}\n`;
  let out = "";
  if (byPolicy.length) out += `These resources were kept due to the resource policy:\n${byPolicy.map(line).join("")}`;
  if (notOwned.length) {
    if (out) out += "\n";
    out += `${notOwned.length} resource(s) were not deleted because they are not owned by this release:\n${notOwned.map(line).join("")}`;
  }
  return out || undefined;
}
