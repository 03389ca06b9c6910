/**
 * The Kustomization's use of drift detection (agent/diff), as one session per apply: which built objects
 * to skip (known unchanged: no request at all), to report (warn mode) or to apply, from the live cache;
 * what the server answered (so the next reconcile can skip), which objects left (pruned); the client
 * health checks read through (the cache, not polling GETs); and, in warn mode, what a dry-run says would
 * change, as a Drifted condition and a warning event. Without a live cache, or before it has started,
 * the session does nothing and every object is dry-run.
 */
import { TerminalError, messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import { driftAction, driftModeOf, type DriftMode } from "../diff/drift-mode.ts";
import { ignoreTrie, type IgnoreRule } from "../diff/drift-ignore.ts";
import { changedPaths, driftReport } from "../diff/changed-paths.ts";
import type { Condition } from "../status/conditions.ts";
import { cachedReader, keyString } from "./cached-reader.ts";

/** JSON list of drift ignore rules ({paths: [JSON pointers], target?: selector}), like Flux's driftIgnoreRules. */
export const DRIFT_IGNORE_ANNOTATION = "rivulet.dev/drift-ignore-rules";

export const DEFAULTS = {
  /** Longest wait for the live cache to list a newly seen kind before deciding without it. */
  cacheSyncMs: 5_000,
};

export interface DriftSessionOptions {
  /** The live cache; undefined when drift detection is off. */
  cache: LiveCache | undefined;
  /** Whether the cache started: a cache that did not start is not asked (every object is dry-run). */
  cacheReady: boolean;
  ks: KubeObject;
  /** The objects about to be applied. */
  objects: KubeObject[];
  /** The revision being applied is the last one applied (warn mode reports drift only then). */
  revisionApplied: boolean;
  /** The client the Kustomization acts with: warn-mode dry-runs and health reads use it. */
  client: KubeClient;
  fieldManager: string;
}

/** What warn mode found: Drifted=True and a warning event, or nothing (Drifted is then cleared). */
export interface DriftOutcome {
  condition?: Omit<Condition, "lastTransitionTime">;
  event?: { reason: string; message: string };
}

export interface DriftSession {
  /** applyAll's skip hook: true for objects that need no request; undefined without a plan. */
  readonly skip?: (desired: KubeObject) => boolean;
  /** applyAll's onApplied hook: remember what the server has now (and the generation health waits for). */
  readonly onApplied?: (answer: KubeObject, desired: KubeObject) => void;
  /** applyAll's absent hook: the cache has listed the kind and holds no such object. */
  readonly absent?: (desired: KubeObject) => boolean;
  /** applyAll's appliedCopy hook: the cached copy of an object this agent applied before. */
  readonly appliedCopy?: (desired: KubeObject) => KubeObject | undefined;
  /** Pruned objects leave the cache (whether or not it started: it may still hold them). */
  forget(deleted: Array<{ apiVersion: string; kind: string; namespace?: string; name: string }>): void;
  /** The client health checks read through: the watch-fed cache when it is current. */
  reader(): KubeClient;
  /** warn mode: dry-runs what was held back and says what differs. */
  report(): Promise<DriftOutcome>;
}

/**
 * Starts the drift session of one apply: reads the Kustomization's drift settings (a bad one is terminal)
 * and lets the cache list the built kinds it has not seen yet.
 */
export async function driftSession(o: DriftSessionOptions): Promise<DriftSession> {
  const plan = o.cache && o.cacheReady ? await driftPlan(o.cache, o.ks, o.objects, o.revisionApplied) : undefined;
  // The generation of each object as applied: a cached copy older than that has not seen our apply.
  const appliedGeneration = new Map<string, number>();
  return {
    skip: plan?.skip,
    absent: plan?.absent,
    appliedCopy: plan ? (d) => o.cache!.appliedCopy({ apiVersion: d.apiVersion, kind: d.kind, namespace: d.metadata.namespace, name: d.metadata.name! }) : undefined,
    onApplied: plan
      ? (answer, desired) => {
          plan.record(answer, desired);
          if (answer.metadata.generation !== undefined) appliedGeneration.set(keyString({ ...answer, name: answer.metadata.name, namespace: answer.metadata.namespace }), answer.metadata.generation);
        }
      : undefined,
    forget(deleted) {
      for (const e of deleted) o.cache?.forget({ apiVersion: e.apiVersion, kind: e.kind, namespace: e.namespace, name: e.name });
    },
    reader() {
      return o.cache && o.cacheReady ? cachedReader(o.client, o.cache, appliedGeneration) : o.client;
    },
    async report() {
      const report = plan?.reported.length ? await reportDrift(o.client, plan.reported, o.fieldManager) : undefined;
      if (!report) return {};
      return {
        condition: { ...report.condition, status: "True", observedGeneration: o.ks.metadata.generation },
        event: { reason: report.event.reason, message: report.event.message },
      };
    },
  };
}

interface DriftPlan {
  /** Objects held back in warn mode: reported, not applied. */
  reported: KubeObject[];
  /** applyAll's skip hook: true for objects that need no request. */
  skip(desired: KubeObject): boolean;
  /** applyAll's onApplied hook: remember what the server has now. */
  record(answer: KubeObject, desired: KubeObject): void;
  /** applyAll's absent hook: the cache has listed the kind and holds no such object. */
  absent(desired: KubeObject): boolean;
}

async function driftPlan(cache: LiveCache, ks: KubeObject, objects: KubeObject[], revisionApplied: boolean): Promise<DriftPlan> {
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
async function reportDrift(client: KubeClient, drifted: KubeObject[], fieldManager: string) {
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
