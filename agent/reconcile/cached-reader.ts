/**
 * A KubeClient whose `get` answers from the live cache (agent/diff) when it can, for health checks:
 * polling N objects every half second is most of a Kustomization's API traffic, while the cache already
 * holds what kstatus reads, fed by watches. A cached copy is used only when the kind has listed and the
 * copy is at least as new as what this reconcile applied (its generation); otherwise, and for every
 * other call, the real client answers.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import type { LiveCache } from "../diff/live-cache.ts";
import type { SlimObject } from "../diff/slim-object.ts";

export function cachedReader(client: KubeClient, cache: LiveCache, appliedGeneration: Map<string, number>): KubeClient {
  return {
    ...client,
    async get(key: ObjectKey) {
      if (!cache.synced(key.apiVersion, key.kind)) return client.get(key);
      const slim = cache.get(key);
      const applied = appliedGeneration.get(keyString(key));
      // Not in the cache yet, or older than our apply: the watch has not caught up, ask the server.
      if (!slim || (applied !== undefined && (slim.generation ?? 0) < applied)) return client.get(key);
      return cachedObject(slim);
    },
  };
}

/** The slim copy as an object: what kstatus and the ownership checks read (not a whole object). */
export function cachedObject(slim: SlimObject): KubeObject {
  return {
    apiVersion: slim.apiVersion,
    kind: slim.kind,
    metadata: {
      name: slim.name,
      namespace: slim.namespace,
      uid: slim.uid,
      resourceVersion: slim.resourceVersion,
      generation: slim.generation,
      ...(slim.labels ? { labels: { ...slim.labels } } : {}),
      ...(slim.annotations ? { annotations: { ...slim.annotations } } : {}),
      ...(slim.deleting ? { deletionTimestamp: "deleting" } : {}),
    },
    spec: slim.health?.spec ?? {},
    status: slim.health?.status ?? {},
  };
}

export function keyString(k: { apiVersion: string; kind: string; namespace?: string; name?: string }): string {
  return `${k.apiVersion}/${k.kind}/${k.namespace ?? ""}/${k.name ?? ""}`;
}
