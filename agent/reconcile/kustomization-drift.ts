/**
 * The Kustomization's use of drift detection (agent/diff): which built objects to skip (known
 * unchanged: no request at all), to report (warn mode) or to apply, from the live cache; and, in warn
 * mode, what a dry-run says would change, as a Drifted condition and a warning event.
 */
import { TerminalError, messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import { driftAction, driftModeOf, type DriftMode } from "../diff/drift-mode.ts";
import { ignoreTrie, type IgnoreRule } from "../diff/drift-ignore.ts";
import { changedPaths, driftReport } from "../diff/changed-paths.ts";
import type { FluxObject } from "./controller.ts";

/** JSON list of drift ignore rules ({paths: [JSON pointers], target?: selector}), like Flux's driftIgnoreRules. */
export const DRIFT_IGNORE_ANNOTATION = "rivulet.dev/drift-ignore-rules";

export const DEFAULTS = {
  /** Longest wait for the live cache to list a newly seen kind before deciding without it. */
  cacheSyncMs: 5_000,
};

export interface DriftPlan {
  /** Objects held back in warn mode: reported, not applied. */
  reported: KubeObject[];
  /** applyAll's skip hook: true for objects that need no request. */
  skip(desired: KubeObject): boolean;
  /** applyAll's onApplied hook: remember what the server has now. */
  record(answer: KubeObject, desired: KubeObject): void;
  /** applyAll's absent hook: the cache has listed the kind and holds no such object. */
  absent(desired: KubeObject): boolean;
}

export async function driftPlan(cache: LiveCache, ks: FluxObject, objects: KubeObject[], revisionApplied: boolean): Promise<DriftPlan> {
  let mode: DriftMode;
  let rules: IgnoreRule[];
  try {
    mode = driftModeOf(ks);
    rules = JSON.parse(ks.metadata.annotations?.[DRIFT_IGNORE_ANNOTATION] ?? "[]") as IgnoreRule[];
    if (!Array.isArray(rules)) throw new Error(`${DRIFT_IGNORE_ANNOTATION} must be a JSON list of {paths, target} rules`);
  } catch (err) {
    throw new TerminalError("InvalidDriftSettings", `${formatRef(ks)}: ${messageOf(err)}`);
  }
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) if (o.metadata.namespace) kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
  // A kind seen for the first time is listed before deciding; if that takes too long, decide without it
  // (unknown -> dry-run), never block the reconcile.
  await Promise.race([cache.watchKinds([...kinds.values()]), new Promise((r) => setTimeout(r, DEFAULTS.cacheSyncMs))]);
  const reported: KubeObject[] = [];
  return {
    reported,
    skip(desired) {
      const action = driftAction(cache.decide(desired, ignoreTrie(rules, desired)), mode, { revisionApplied });
      if (action === "report") reported.push(desired);
      return action !== "apply";
    },
    record(answer, desired) {
      cache.record(answer, desired, ignoreTrie(rules, desired));
    },
    absent(desired) {
      const ref = { apiVersion: desired.apiVersion, kind: desired.kind, namespace: desired.metadata.namespace, name: desired.metadata.name! };
      return cache.synced(desired.apiVersion, desired.kind) && !cache.get(ref);
    },
  };
}

/** warn mode: what a dry-run says would change in each drifted object, as a condition and an event. */
export async function reportDrift(client: KubeClient, drifted: KubeObject[], fieldManager: string) {
  const paths = new Map<string, string[]>();
  for (const desired of drifted) {
    const key = { apiVersion: desired.apiVersion, kind: desired.kind, namespace: desired.metadata.namespace, name: desired.metadata.name! };
    const live = await client.get(key);
    const dry = await client.apply(desired, { fieldManager, force: true, dryRun: true });
    const changed = live ? changedPaths(withoutServerFields(live), withoutServerFields(dry)) : ["/"];
    if (changed.length) paths.set(formatRef(desired), changed);
  }
  return driftReport(paths);
}

function withoutServerFields(o: KubeObject): KubeObject {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...meta } = o.metadata;
  const { status: _s, ...rest } = o;
  return { ...rest, metadata: meta } as KubeObject;
}
