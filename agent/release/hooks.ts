/**
 * Runs a release's hooks for one event as Helm 4.2's execHook does (pkg/action/hooks.go; read, not
 * copied): the hooks of that event sorted by weight, then name (stable over Helm's kind order); for each,
 * the delete policy defaults to before-hook-creation, an old copy is deleted first under that policy,
 * the hook is recorded as Running and created, then waited for (Jobs until Complete or Failed, Pods until
 * Succeeded or Failed, anything else at once, as Helm's hook waiter reads them). A failure marks the
 * hook Failed, deletes it under hook-failed and the hooks before it under hook-succeeded, and stops the
 * event; when all succeed, each is deleted under hook-succeeded, last first. `last_run` is kept on the
 * release, which is written back (`record`) whenever a hook starts, as Helm records it.
 *
 * CustomResourceDefinitions are never deleted by a hook policy (their deletion cascades to every object).
 */
import { messageOf } from "../core/errors.ts";
import { isNotFound } from "../kube/api-error.ts";
import type { KubeObject } from "../kube/types.ts";
import type { HookDeletePolicy, HookEvent, Release, StoredHook } from "../helm/release-codec.ts";
import { fieldManagerOf, keyOf, nowOf, pollOf, refOf, releaseObjects, sleep, type ActionContext } from "./action-context.ts";

export interface HookRunOptions {
  timeoutMs: number;
  /** Writes the release back (hook phases); errors are the caller's to log, as Helm only logs them. */
  record: () => Promise<void>;
}

/** Helm's order of execution: weight, then name; equal ones keep their kind order. */
export function hooksFor(release: Release, event: HookEvent): StoredHook[] {
  return (release.hooks ?? [])
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.events.includes(event))
    .sort((a, b) => (a.h.weight ?? 0) - (b.h.weight ?? 0) || (a.h.name < b.h.name ? -1 : a.h.name > b.h.name ? 1 : 0) || a.i - b.i)
    .map(({ h }) => h);
}

/** Runs the hooks of `event`; throws Helm's error for the first that fails. */
export async function runHooks(ctx: ActionContext, release: Release, event: HookEvent, opts: HookRunOptions): Promise<void> {
  const hooks = hooksFor(release, event);
  for (const [i, h] of hooks.entries()) {
    if (!h.delete_policies?.length) h.delete_policies = ["before-hook-creation"];
    await deleteByPolicy(ctx, h, "before-hook-creation", opts.timeoutMs);
    const objects = await releaseObjects(ctx, h.manifest, `hook ${h.path}`).catch((err) => {
      throw new Error(`unable to build kubernetes object for ${event} hook ${h.path}: ${messageOf(err)}`, { cause: err });
    });
    h.last_run = { started_at: nowOf(ctx).toISOString(), phase: "Running" };
    await opts.record().catch(() => {});
    h.last_run.phase = "Unknown";
    try {
      for (const o of objects) await ctx.client.apply(o, { fieldManager: fieldManagerOf(ctx) });
    } catch (err) {
      h.last_run.completed_at = nowOf(ctx).toISOString();
      h.last_run.phase = "Failed";
      throw new Error(`warning: Hook ${event} ${h.path} failed: ${messageOf(err)}`, { cause: err });
    }
    const waited = await waitForHook(ctx, objects, opts.timeoutMs);
    h.last_run.completed_at = nowOf(ctx).toISOString();
    if (waited) {
      h.last_run.phase = "Failed";
      await deleteByPolicy(ctx, h, "hook-failed", opts.timeoutMs).catch(() => {});
      for (const before of hooks.slice(0, i)) await deleteByPolicy(ctx, before, "hook-succeeded", opts.timeoutMs);
      throw new Error(waited);
    }
    h.last_run.phase = "Succeeded";
  }
  for (const h of [...hooks].reverse()) await deleteByPolicy(ctx, h, "hook-succeeded", opts.timeoutMs);
}

/** Helm's hook readers: a Job or a Pod until it is done, anything else ready once created. */
export function hookStatus(obj: KubeObject | undefined): { status: "Current" | "Failed" | "InProgress" | "NotFound"; message: string } {
  if (!obj) return { status: "NotFound", message: "Resource not found" };
  const status = (obj.status ?? {}) as { conditions?: Array<{ type: string; status: string }>; phase?: string; succeeded?: number; failed?: number };
  if (obj.kind === "Job") {
    const spec = (obj.spec ?? {}) as { parallelism?: number; completions?: number };
    const completions = spec.completions ?? spec.parallelism ?? 1;
    for (const c of status.conditions ?? []) {
      if (c.type === "Complete" && c.status === "True") return { status: "Current", message: `Job Completed. succeeded: ${status.succeeded ?? 0}/${completions}` };
      if (c.type === "Failed" && c.status === "True") return { status: "Failed", message: `Job Failed. failed: ${status.failed ?? 0}/${completions}` };
    }
    return { status: "InProgress", message: "Job in progress" };
  }
  if (obj.kind === "Pod") {
    if (status.phase === "Succeeded") return { status: "Current", message: `pod ${obj.metadata.name} succeeded` };
    if (status.phase === "Failed") return { status: "Failed", message: `pod ${obj.metadata.name} failed` };
    return { status: "InProgress", message: "Pod in progress" };
  }
  return { status: "Current", message: "Resource is current" };
}

/** Waits for a hook's objects; returns Helm's error text, or undefined when all are done. */
async function waitForHook(ctx: ActionContext, objects: KubeObject[], timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const waited = objects.filter((o) => o.kind === "Job" || o.kind === "Pod");
  for (;;) {
    const statuses = await Promise.all(waited.map(async (o) => ({ o, s: hookStatus(await ctx.client.get(keyOf(o))) })));
    // Helm stops waiting on a Failed object (it needs intervention) and ends once the rest are Current.
    const pending = statuses.filter(({ s }) => s.status !== "Current" && s.status !== "Failed");
    const timedOut = Date.now() >= deadline;
    if (!pending.length || timedOut) {
      const bad = statuses.filter(({ s }) => s.status !== "Current").map(({ o, s }) => notReady(o, s));
      if (timedOut && pending.length) bad.push("context deadline exceeded");
      return bad.length ? bad.join("\n") : undefined;
    }
    await sleep(Math.min(pollOf(ctx), Math.max(0, deadline - Date.now())));
  }
}

/** Helm's wait error for one object. */
export function notReady(obj: KubeObject, s: { status: string; message: string }): string {
  return `resource ${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name} not ready. status: ${s.status}, message: ${s.message}`;
}

/** Deletes the hook's objects when it has `policy`, and waits until they are gone. */
async function deleteByPolicy(ctx: ActionContext, h: StoredHook, policy: HookDeletePolicy, timeoutMs: number): Promise<void> {
  if (h.kind === "CustomResourceDefinition" || !h.delete_policies?.includes(policy)) return;
  const objects = await releaseObjects(ctx, h.manifest, `hook ${h.path}`);
  for (const o of objects) await ctx.client.delete(keyOf(o), { propagationPolicy: "Background" });
  await waitForDelete(ctx, objects, timeoutMs);
}

/** Waits until every object is gone; throws Helm's error naming those still there at the deadline. */
export async function waitForDelete(ctx: ActionContext, objects: readonly KubeObject[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = [...objects];
  for (;;) {
    const still = await Promise.all(left.map((o) => ctx.client.get(keyOf(o)).catch((err) => (isNotFound(err) ? undefined : o))));
    left = left.filter((_, i) => still[i] !== undefined);
    if (!left.length) return;
    if (Date.now() >= deadline) {
      throw new Error(
        [...left.map((o) => `resource ${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name} still exists. status: Terminating, message: ${refOf(o)} is being deleted`), "context deadline exceeded"].join("\n"),
      );
    }
    await sleep(Math.min(pollOf(ctx), Math.max(0, deadline - Date.now())));
  }
}
