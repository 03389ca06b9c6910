/**
 * agent/diff's live cache as Helm's actions read it (agent/release object-cache.ts), one adapter per
 * reconcile: the kinds of a release are watched in the agent's namespace before its first ownership check
 * (waiting at most DEFAULTS.watchWaitMs for a newly seen kind, then the server answers), every apply's
 * answer goes into the cache at once, and a read returns a copy only when the cache can vouch for it:
 * kind listed, object in the watched namespace, copy at least as new as this reconcile's own apply.
 * A release outside the agent's namespace (it should not exist: targetNamespace is the tenant's) reads
 * from the server.
 */
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import type { ObjectCache } from "../release/object-cache.ts";
import { cachedObject, keyString } from "./cached-reader.ts";

export const DEFAULTS = {
  /** Longest wait for the cache to list a newly seen kind before reading without it. */
  watchWaitMs: 5_000,
};

export function releaseObjectCache(cache: LiveCache, opts: { watchWaitMs?: number } = {}): ObjectCache {
  // The generation of each object as this reconcile applied it: a cached copy below it is stale.
  const appliedGeneration = new Map<string, number>();
  const inNamespace = (ns: string | undefined) => ns !== undefined && ns === cache.namespace;
  return {
    async watch(kinds) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const gaveUp = new Promise<void>((r) => (timer = setTimeout(r, opts.watchWaitMs ?? DEFAULTS.watchWaitMs)));
      // A kind that cannot be watched (not served, cluster-scoped) stays unsynced: its reads go to the server.
      await Promise.race([cache.watchKinds([...kinds]).catch(() => undefined), gaveUp]);
      clearTimeout(timer);
    },
    applied(answer: KubeObject) {
      if (!inNamespace(answer.metadata.namespace)) return;
      cache.observe(answer);
      const key = { apiVersion: answer.apiVersion, kind: answer.kind, namespace: answer.metadata.namespace, name: answer.metadata.name };
      if (answer.metadata.generation !== undefined) appliedGeneration.set(keyString(key), answer.metadata.generation);
    },
    read(key: ObjectKey) {
      if (!inNamespace(key.namespace) || !cache.synced(key.apiVersion, key.kind)) return "unknown";
      const slim = cache.get(key);
      if (!slim) return undefined;
      const applied = appliedGeneration.get(keyString(key));
      if (applied !== undefined && (slim.generation ?? 0) < applied) return "unknown";
      return cachedObject(slim);
    },
  };
}
