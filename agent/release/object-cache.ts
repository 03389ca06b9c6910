/**
 * The watch-fed copy of the objects in the release namespace, as Helm's actions read it (the reconciler
 * adapts agent/diff's live cache to it): the wait polls it instead of sending a GET per object and round,
 * and the ownership checks before an install or upgrade (Helm's existingResourceConflict, and the read
 * before each dry-run) take "absent" or the ownership metadata from it. Where it cannot answer (a kind not
 * listed yet, another namespace, a cluster-scoped kind, a copy older than the action's own apply) `read`
 * says "unknown" and the caller asks the API server, as it does without a cache.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";

export interface ObjectCache {
  /** Lists the kinds not watched yet; resolves when they have listed or waiting for them gave up. */
  watch(kinds: ReadonlyArray<{ apiVersion: string; kind: string }>): Promise<void>;
  /** Told the server's answer to each apply, so later reads never return a copy older than it. */
  applied(answer: KubeObject): void;
  /**
   * The cached object (kstatus fields, generation, Helm's ownership label and annotations), undefined when
   * the cache proves it absent, "unknown" when only the server can say.
   */
  read(key: ObjectKey): KubeObject | undefined | "unknown";
}

/** The distinct kinds of `objects`, for ObjectCache.watch. */
export function kindsOf(objects: readonly KubeObject[]): Array<{ apiVersion: string; kind: string }> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
  return [...kinds.values()];
}

/**
 * A client whose `get` answers from the cache when it holds a current copy (the wait's reads); an object
 * the cache does not hold is read from the server (the watch may not have seen it yet), as is every other
 * call.
 */
export function cacheReader(client: KubeClient, cache: ObjectCache | undefined): KubeClient {
  if (!cache) return client;
  return {
    ...client,
    async get(key: ObjectKey) {
      const cached = cache.read(key);
      return cached === "unknown" || cached === undefined ? client.get(key) : cached;
    },
  };
}

/** The live object for an ownership check: from the cache when it can say (absent included), else a GET. */
export async function liveForOwnership(client: KubeClient, cache: ObjectCache | undefined, key: ObjectKey): Promise<KubeObject | undefined> {
  const cached = cache ? cache.read(key) : "unknown";
  return cached === "unknown" ? client.get(key) : cached;
}
