import { describe, expect, test } from "bun:test";
import { TerminalError } from "../core/errors.ts";
import { LiveCache } from "../diff/live-cache.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import { driftSession, type DriftSessionOptions } from "./kustomization-drift.ts";

const unused = () => Promise.reject(new Error("not used by the drift session"));

/** Answers get from `live` and a dry-run with the desired object (what the apply would make it). */
function fakeClient(live: Map<string, KubeObject>, calls: string[]): KubeClient {
  const client: KubeClient = {
    async get(key: ObjectKey) {
      calls.push(`get ${key.kind}/${key.name}`);
      return live.get(key.name);
    },
    async apply(obj, opts) {
      calls.push(`apply ${obj.kind}/${obj.metadata.name} dryRun=${opts.dryRun ?? false}`);
      return obj;
    },
    list: unused,
    watch: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    patch: unused,
    delete: unused,
    resource: unused,
    impersonate: () => client,
    raw: unused,
  };
  return client;
}

/** A started cache without watches: every kind counts as listed (or, with false, as not listed yet). */
class ListedCache extends LiveCache {
  readonly #listed: boolean;
  constructor(listed = true) {
    super();
    this.#listed = listed;
  }
  override async watchKinds(): Promise<void> {}
  override synced(): boolean {
    return this.#listed;
  }
}

const ks = (annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "app", namespace: "team", generation: 3, annotations },
});

const configMap = (value: string, rv = ""): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "team", ...(rv ? { resourceVersion: rv, uid: "u1", generation: 1 } : {}) },
  data: { value },
});

async function session(o: Partial<DriftSessionOptions> & { live?: Map<string, KubeObject> }) {
  const calls: string[] = [];
  const client = fakeClient(o.live ?? new Map(), calls);
  const s = await driftSession({ cache: undefined, cacheReady: false, ks: ks(), objects: [configMap("a")], revisionApplied: false, client, fieldManager: "kustomize-controller", ...o });
  return { s, calls, client };
}

describe("drift session", () => {
  test("without a live cache it does nothing: no hooks, health reads from the client, nothing to report", async () => {
    const { s, client, calls } = await session({});
    expect(s.skip).toBeUndefined();
    expect(s.onApplied).toBeUndefined();
    expect(s.absent).toBeUndefined();
    expect(s.reader()).toBe(client);
    expect(await s.report()).toEqual({});
    s.forget([{ apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "settings" }]);
    expect(calls).toEqual([]);
  });

  test("a cache that did not start is not asked, but pruned objects still leave it", async () => {
    const cache = new LiveCache();
    await cache.init();
    cache.record(configMap("a", "5"), configMap("a"));
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "settings" };
    const { s, client } = await session({ cache, cacheReady: false });
    expect(s.skip).toBeUndefined();
    expect(s.reader()).toBe(client);
    expect(cache.entry(configMap("a")).record).toBeDefined();
    s.forget([ref]);
    expect(cache.entry(configMap("a")).record).toBeUndefined();
  });

  test("an object recorded as applied is skipped next time, and health reads come from the cache", async () => {
    const cache = new ListedCache();
    await cache.init();
    const first = await session({ cache, cacheReady: true });
    first.s.onApplied!(configMap("a", "5"), configMap("a"));
    const second = await session({ cache, cacheReady: true, revisionApplied: true });
    expect(second.s.skip!(configMap("a"))).toBe(true);
    expect(second.s.skip!(configMap("b"))).toBe(false);
    const read = await second.s.reader().get({ apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "settings" });
    expect(read?.metadata.resourceVersion).toBe("5");
    expect(second.calls).toEqual([]);
  });

  test("the cache says which objects are absent, so their read before the dry-run is skipped", async () => {
    const cache = new ListedCache();
    await cache.init();
    const { s } = await session({ cache, cacheReady: true });
    expect(s.absent!(configMap("a"))).toBe(true);
    s.onApplied!(configMap("a", "5"), configMap("a"));
    expect(s.absent!(configMap("a"))).toBe(false);
  });

  test("warn mode holds back an object it cannot vouch for and reports what a dry-run would change", async () => {
    // The kind has not listed, so the object is "unknown"; the revision was applied, so only drift can differ.
    const cache = new ListedCache(false);
    await cache.init();
    const live = new Map([["settings", configMap("edited-by-hand", "7")]]);
    const { s, calls } = await session({ cache, cacheReady: true, ks: ks({ "rivulet.dev/drift-detection": "warn" }), revisionApplied: true, live });
    expect(s.skip!(configMap("a"))).toBe(true);
    const outcome = await s.report();
    expect(calls).toEqual(["get ConfigMap/settings", "apply ConfigMap/settings dryRun=true"]);
    expect(outcome.condition).toEqual({
      type: "Drifted",
      status: "True",
      reason: "DriftDetected",
      message: "Drift detected in 1 object: ConfigMap/team/settings (/data/value)",
      observedGeneration: 3,
    });
    expect(outcome.event).toEqual({ reason: "DriftDetected", message: "Drift detected in 1 object: ConfigMap/team/settings (/data/value)" });
  });

  test("a bad drift setting is terminal and names the Kustomization", async () => {
    const cache = new ListedCache();
    await cache.init();
    let err: unknown;
    await session({ cache, cacheReady: true, ks: ks({ "rivulet.dev/drift-detection": "sometimes" }) }).catch((e) => (err = e));
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).reason).toBe("InvalidDriftSettings");
    expect((err as Error).message).toMatch(/^Kustomization\/team\/app: Cannot read the drift mode/);
  });
});
