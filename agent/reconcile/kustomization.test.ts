import { describe, expect, test } from "bun:test";
import { RivuletError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { FileTree } from "../artifact/file-tree.ts";
import type { KustomizationSpec, KustomizationStatus } from "../api/kustomization.ts";
import { ArtifactStore } from "../storage/artifact-store.ts";
import type { Condition } from "../status/conditions.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactCache } from "./artifact-cache.ts";
import type { ReconcileContext } from "./reconciler.ts";
import type { HistoryEntry } from "./kustomization-history.ts";
import { kustomizationReconciler } from "./kustomization.ts";
import type { KustomizationObject } from "./kustomization-build.ts";

const REVISION = "main@sha1:1111111111111111111111111111111111111111";
const unused = () => Promise.reject(new Error("not used by this test"));

/** A cache that serves one file tree, as if the source had stored it. */
class TreeCache extends ArtifactCache {
  readonly #files: FileTree | undefined;
  constructor(files: FileTree | undefined) {
    const fs = { writeAtomic: unused, read: unused, list: unused, remove: unused, removeDir: unused };
    super(new ArtifactStore(fs, { baseUrl: "http://storage" }));
    this.#files = files;
  }
  override async tree(): Promise<FileTree | undefined> {
    return this.#files;
  }
}

const file = (text: string) => ({ kind: "file" as const, mode: 0o644, data: new TextEncoder().encode(text) });
const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: one\n";

/** Every kind is namespaced; apply answers with the object (or fails); nothing exists before. */
function fakeClient(o: { failApply?: string; live?: KubeObject }, calls: string[] = []): KubeClient {
  const client: KubeClient = {
    async get(key) {
      return o.live && o.live.kind === key.kind ? o.live : undefined;
    },
    async apply(obj, opts) {
      calls.push(`apply${opts.dryRun ? " (dry run)" : ""} ${obj.kind}/${obj.metadata.name}`);
      if (o.failApply) throw new Error(o.failApply);
      if (opts.dryRun) return obj;
      return { ...obj, metadata: { ...obj.metadata, uid: "u1", resourceVersion: "1", generation: 1 } };
    },
    async resource(apiVersion, kind) {
      return { group: "", version: apiVersion, kind, plural: `${kind.toLowerCase()}s`, namespaced: true, verbs: ["get", "list", "watch", "patch"] };
    },
    list: unused,
    watch: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    patch: unused,
    delete: unused,
    impersonate: () => client,
    raw: unused,
  };
  return client;
}

const silent: Logger = { debug() {}, info() {}, error() {}, with: () => silent };

function harness(o: { spec?: Partial<KustomizationSpec>; artifact?: boolean; files?: FileTree; failApply?: string; live?: KubeObject; status?: KustomizationStatus }) {
  const ks: KustomizationObject = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: "app", namespace: "team", generation: 2 },
    spec: { interval: "10m", path: "./", prune: false, sourceRef: { kind: "GitRepository", name: "repo" }, ...o.spec },
  };
  const source: KubeObject = {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: "repo", namespace: "team" },
    status: o.artifact === false ? {} : { artifact: { path: "gitrepository/team/repo/1.tar.gz", url: "http://storage/gitrepository/team/repo/1.tar.gz", revision: REVISION, digest: "sha256:00", lastUpdateTime: "2026-01-01T00:00:00Z" } },
  };
  let status: KustomizationStatus = o.status ?? {};
  let t = Date.UTC(2026, 0, 1);
  const progress: string[] = [];
  const events: EventInput[] = [];
  /** Writes to the cluster and persisted status writes, in order. */
  const calls: string[] = [];
  const ctx: ReconcileContext<KustomizationStatus> = {
    client: fakeClient(o, calls),
    log: silent,
    events: { record: async (_obj, e) => void events.push(e) },
    // Each reading of the clock is a second later, so durations are not zero.
    now: () => new Date((t += 1000)),
    async progress(message, extra, opts) {
      progress.push(message);
      if (opts?.persist) calls.push(`persist inventory ${(extra?.inventory?.entries ?? []).map((e) => e.id).join(" ")}`);
      status = { ...status, ...extra };
    },
    status: () => status,
    read: async (key) => (key.kind === "GitRepository" && key.name === "repo" ? source : undefined),
  };
  const reconciler = kustomizationReconciler({ cache: new TreeCache(o.files ?? new FileTree([["cm.yaml", file(CONFIGMAP)]])), healthPollMs: 10 });
  return { reconciler, ks, ctx, progress, events, calls };
}

/** The message starts with `prefix` (what the tests pin; the rest comes from the build or the clock). */
function expectPrefix(message: string, prefix: string): void {
  expect(message.slice(0, prefix.length)).toBe(prefix);
}

/** The classified error the reconcile fails with. */
async function failure(p: Promise<unknown>): Promise<RivuletError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (err instanceof RivuletError) return err;
  throw new Error("the reconcile did not fail with a classified error", { cause: err });
}

describe("Kustomization reconcile", () => {
  test("applies the build: progress per stage, Ready message, inventory and a history entry", async () => {
    const h = harness({});
    const result = await h.reconciler.reconcile(h.ks, h.ctx);
    // The inventory written ahead is already the applied one: no second inventory write.
    expect(h.progress).toEqual([`Building manifests for revision ${REVISION}`, `Applying 1 objects for revision ${REVISION}`]);
    expect(result.reason).toBe("ReconciliationSucceeded");
    expect(result.message).toBe(`Applied revision: ${REVISION}`);
    expect(result.status?.lastAppliedRevision).toBe(REVISION);
    expect(result.status?.inventory).toEqual({ entries: [{ id: "team_settings__ConfigMap", v: "v1" }] });
    const history = result.status?.history as HistoryEntry[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ lastReconciledStatus: "ReconciliationSucceeded", totalReconciliations: 1, metadata: { revision: REVISION } });
    expect(result.clearConditions).toEqual(["Drifted", "Healthy"]);
    expect(h.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(["Progressing: ConfigMap/team/settings created", "ReconciliationSucceeded: Reconciliation finished in 3s, next run in 10m0s"]);
    expect(h.events.at(-1)).toMatchObject({ notifyOnly: true, metadata: { "kustomize.toolkit.fluxcd.io/revision": REVISION, "kustomize.toolkit.fluxcd.io/commit_status": "update" } });
  });

  test("a source without an artifact is not ready yet, before any stage runs", async () => {
    const h = harness({ artifact: false });
    const err = await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect([err.kind, err.reason, err.message]).toEqual(["not-ready", "ArtifactFailed", "Source 'GitRepository/team/repo' is not ready, artifact not found"]);
    expect(h.progress).toEqual([]);
  });

  test("an artifact not in storage yet is not ready, after the build progress", async () => {
    const h = harness({ files: undefined });
    const reconciler = kustomizationReconciler({ cache: new TreeCache(undefined) });
    const err = await failure(reconciler.reconcile(h.ks, h.ctx));
    expect([err.kind, err.reason, err.message]).toEqual(["not-ready", "ArtifactFailed", "Source 'GitRepository/team/repo' artifact gitrepository/team/repo/1.tar.gz is not in storage yet"]);
    expect(h.progress).toEqual([`Building manifests for revision ${REVISION}`]);
  });

  test("a build failure is BuildFailed and, with no digest yet, leaves no history", async () => {
    const h = harness({ files: new FileTree([["bad.yaml", file("apiVersion: v1\nkind: [\n")]]) });
    const err = await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect(err.reason).toBe("BuildFailed");
    expectPrefix(err.message, `Kustomization/team/app: build of revision ${REVISION} failed: `);
    expect(h.reconciler.onFailure!(h.ks, err, h.ctx)).toEqual({ conditions: [] });
  });

  test("an apply failure names the Kustomization, and records the failed reconcile in the history (as Flux)", async () => {
    const previous: HistoryEntry = { digest: "sha256:old", firstReconciled: "t", lastReconciled: "t", lastReconciledDuration: "1s", lastReconciledStatus: "ReconciliationSucceeded", totalReconciliations: 4 };
    const h = harness({ failApply: "connection refused", status: { history: [previous] } });
    const err = await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect([err.kind, err.reason]).toEqual(["transient", "ReconciliationFailed"]);
    expectPrefix(err.message, "Kustomization/team/app: ");
    expect(err.message).toContain("ConfigMap/team/settings");
    const extra = h.reconciler.onFailure!(h.ks, err, h.ctx);
    const history = (extra as { history: HistoryEntry[] }).history;
    expect(history.map((e) => [e.lastReconciledStatus, e.totalReconciliations, e.metadata?.revision])).toEqual([
      ["ReconciliationFailed", 1, REVISION],
      ["ReconciliationSucceeded", 4, undefined],
    ]);
    expect(history[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("a failed health check sets Healthy=False, keeping its transition time while it stays False, and records HealthCheckFailed", async () => {
    const stuck: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "team", generation: 1 },
      spec: { replicas: 1 },
      status: { observedGeneration: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "deadline" }] },
    };
    const since = "2025-12-31T00:00:00Z";
    const healthy: Condition = { type: "Healthy", status: "False", reason: "HealthCheckFailed", message: "old", lastTransitionTime: since };
    const h = harness({ spec: { timeout: "1s", healthChecks: [{ kind: "Deployment", name: "web" }] }, live: stuck, status: { conditions: [healthy] } });
    const err = await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect(err.reason).toBe("HealthCheckFailed");
    expectPrefix(err.message, "Kustomization/team/app: health check failed after ");
    const extra = h.reconciler.onFailure!(h.ks, err, h.ctx) as { conditions: Condition[]; history: HistoryEntry[] };
    expect(extra.conditions).toEqual([{ type: "Healthy", status: "False", reason: "HealthCheckFailed", message: err.message, observedGeneration: 2, lastTransitionTime: since }]);
    expect(extra.history[0]!.lastReconciledStatus).toBe("HealthCheckFailed");
  });

  test("a build that adds objects records them in the inventory before the first write, and keeps them when the apply fails", async () => {
    const old = { entries: [{ id: "team_old__ConfigMap", v: "v1" }] };
    const h = harness({ failApply: "connection refused", status: { inventory: old } });
    await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect(h.calls).toEqual(["persist inventory team_old__ConfigMap team_settings__ConfigMap", "apply (dry run) ConfigMap/settings"]);
    expect(h.ctx.status().inventory).toEqual({ entries: [...old.entries, { id: "team_settings__ConfigMap", v: "v1" }] });
  });

  test("the inventory written ahead is settled to the applied set after the apply, in the status the reconcile ends with", async () => {
    const h = harness({ spec: { prune: true }, status: { inventory: { entries: [{ id: "team_old__ConfigMap", v: "v1" }] } } });
    const result = await h.reconciler.reconcile(h.ks, h.ctx);
    // Not persisted on its own (one status write per reconcile, issue 24): the written-ahead superset is
    // what a crash leaves, and pruning an object already gone again is a no-op.
    expect(h.calls).toEqual(["persist inventory team_old__ConfigMap team_settings__ConfigMap", "apply (dry run) ConfigMap/settings", "apply ConfigMap/settings"]);
    expect(h.ctx.status().inventory).toEqual({ entries: [{ id: "team_settings__ConfigMap", v: "v1" }] });
    expect(result.status?.inventory).toEqual({ entries: [{ id: "team_settings__ConfigMap", v: "v1" }] });
  });

  test("a build the inventory already lists costs no write ahead", async () => {
    const h = harness({ status: { inventory: { entries: [{ id: "team_settings__ConfigMap", v: "v1" }] } } });
    await h.reconciler.reconcile(h.ks, h.ctx);
    expect(h.calls).toEqual(["apply (dry run) ConfigMap/settings", "apply ConfigMap/settings"]);
  });

  test.each([
    ["a health check in another namespace", { healthChecks: [{ kind: "Deployment", name: "web", namespace: "team-b" }, { kind: "Deployment", name: "own", namespace: "team" }] },
      "Kustomization/team/app: cross-namespace references are not allowed: healthChecks Deployment/team-b/web is outside namespace team"],
    ["a source and a health check in other namespaces, together", { sourceRef: { kind: "GitRepository" as const, name: "repo", namespace: "x" }, healthChecks: [{ apiVersion: "v1", kind: "Service", name: "s", namespace: "y" }] },
      "Kustomization/team/app: cross-namespace references are not allowed: sourceRef GitRepository/x/repo is outside namespace team; healthChecks Service/y/s is outside namespace team"],
    ["a serviceAccountName naming another namespace's account", { serviceAccountName: "team-b:tb-deployer" },
      'Kustomization/team/app: cannot impersonate spec.serviceAccountName "team-b:tb-deployer": a ServiceAccount is named without a namespace and must be in namespace team'],
  ])("%s is refused before anything is read or written", async (_what, spec, message) => {
    const h = harness({ spec });
    const err = await failure(h.reconciler.reconcile(h.ks, h.ctx));
    expect([err.kind, err.reason, err.message]).toEqual(["terminal", "AccessDenied", message]);
    expect(h.progress).toEqual([]);
    expect(h.calls).toEqual([]);
  });
});

