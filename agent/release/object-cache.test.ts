import { describe, expect, test } from "bun:test";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import type { ActionContext } from "./action-context.ts";
import { waitForRelease } from "./apply-release.ts";
import { refuseForeignObjects } from "./install.ts";
import type { ObjectCache } from "./object-cache.ts";
import type { Release } from "../helm/release-codec.ts";

const deployment = (name: string, status: Record<string, unknown>, meta: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "team", generation: 1, ...meta },
  spec: { replicas: 0 },
  status,
});
const available = { observedGeneration: 1, replicas: 0, updatedReplicas: 0, availableReplicas: 0, conditions: [{ type: "Available", status: "True" }] };

/** A client that answers GETs from `server` and records them; any other call fails the test. */
function serverClient(server: Record<string, KubeObject>) {
  const gets: string[] = [];
  const client = new Proxy({} as KubeClient, {
    get(_t, method) {
      if (method !== "get") throw new Error(`unexpected call ${String(method)}`);
      return async (key: ObjectKey) => (gets.push(key.name), server[key.name]);
    },
  });
  return { client, gets };
}

/** A cache holding `objects`, proving everything else absent, except names in `unknown`. */
function fakeCache(objects: Record<string, KubeObject>, unknown: string[] = []): ObjectCache {
  return {
    watch: async () => {},
    applied: () => {},
    read: (key) => (unknown.includes(key.name) ? "unknown" : objects[key.name]),
  };
}

const ctxOf = (client: KubeClient, cache?: ObjectCache): ActionContext => ({ client, cache, namespace: "team", pollMs: 10, store: undefined as never });
const release = { name: "web", namespace: "team" } as Release;

describe("Helm's wait reads the watch-fed cache", () => {
  test("an object the cache holds as Current costs no GET", async () => {
    const { client, gets } = serverClient({});
    await waitForRelease(ctxOf(client, fakeCache({ a: deployment("a", available) })), [deployment("a", {})], { timeoutMs: 1_000 });
    expect(gets).toEqual([]);
  });

  test("an object the cache does not hold yet is read from the server", async () => {
    const { client, gets } = serverClient({ a: deployment("a", available) });
    await waitForRelease(ctxOf(client, fakeCache({})), [deployment("a", {})], { timeoutMs: 1_000 });
    expect(gets).toEqual(["a"]);
  });

  test("a timeout is worded as Helm's status waiter words it, from the cached status", async () => {
    const { client } = serverClient({});
    const cache = fakeCache({ a: deployment("a", { observedGeneration: 0 }) });
    await expect(waitForRelease(ctxOf(client, cache), [deployment("a", {})], { timeoutMs: 50 })).rejects.toThrow(
      "resource Deployment/team/a not ready. status: InProgress, message: Deployment generation is 1, but latest observed generation is 0\ncontext deadline exceeded",
    );
  });

  test("without a cache every poll is a GET", async () => {
    const { client, gets } = serverClient({ a: deployment("a", available) });
    await waitForRelease(ctxOf(client), [deployment("a", {})], { timeoutMs: 1_000 });
    expect(gets).toEqual(["a"]);
  });
});

describe("the ownership check before an install reads the cache where it can answer", () => {
  const foreign = deployment("a", {}, { labels: { "app.kubernetes.io/managed-by": "kustomize" } });
  const refusal =
    'unable to continue with install: Deployment "a" in namespace "team" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: key "app.kubernetes.io/managed-by" must equal "Helm": current value is "kustomize"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "web"; annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "team"';

  test.each([
    ["absent in the cache: no GET, no refusal", fakeCache({}), {}, [], undefined],
    ["foreign in the cache: Helm's refusal without a GET", fakeCache({ a: foreign }), {}, [], refusal],
    ["unknown to the cache: the server answers", fakeCache({}, ["a"]), { a: foreign }, ["a"], refusal],
    ["no cache: the server answers", undefined, { a: foreign }, ["a"], refusal],
  ] as const)("%s", async (_name, cache, server, wantGets, error) => {
    const { client, gets } = serverClient({ ...server });
    const check = refuseForeignObjects(ctxOf(client, cache), release, [deployment("a", {})], "install");
    if (error) await expect(check).rejects.toThrow(error);
    else await check;
    expect(gets).toEqual([...wantGets]);
  });
});
