/**
 * What a HelmRelease's render reads from the cluster, as helm-controller's renders do: `.Capabilities`
 * (the server's version and every served API version, from discovery) and `lookup` (objects, read with
 * the identity the release acts as, bounded to the release's namespace by helm/tenant-lookup.ts).
 *
 * Discovery costs one request per served group version (about 30 on a small cluster), so its answer is
 * kept for a while and shared by every HelmRelease of the agent: a new CRD shows in `.Capabilities`
 * within `capabilitiesTtlMs`, as with helm-controller's cached discovery client.
 */
import type { KubeClient } from "../kube/client.ts";
import { clusterCapabilities, type ApiResourceList, type DiscoveryPort, type ServerVersion } from "../helm/cluster-capabilities.ts";
import type { CapabilitiesInfo } from "../helm/template-engine.ts";
import type { Lookup } from "../helm/template-engine.ts";
import { tenantLookup } from "../helm/tenant-lookup.ts";
import { isNotFound } from "../kube/api-error.ts";

export const DEFAULTS = {
  capabilitiesTtlMs: 5 * 60_000,
};

interface ResourceListDoc {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Discovery through the client's raw GETs: /version, /api, /apis, then each group version's resources. */
export function kubeDiscovery(client: KubeClient): DiscoveryPort {
  return {
    serverVersion: async () => (await client.raw("GET", "/version")) as ServerVersion,
    async serverResources() {
      const core = (await client.raw("GET", "/api")) as { versions?: string[] };
      const apis = (await client.raw("GET", "/apis")) as { groups?: { versions?: { groupVersion: string }[] }[] };
      const groupVersions = [...(core.versions ?? []), ...(apis.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion))];
      const lists = await Promise.all(
        groupVersions.map(async (gv): Promise<ApiResourceList | undefined> => {
          try {
            const doc = (await client.raw("GET", gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`)) as ResourceListDoc;
            return { groupVersion: gv, resources: (doc.resources ?? []).map((r) => ({ name: r.name, kind: r.kind, namespaced: r.namespaced })) };
          } catch {
            // As Helm's discovery: a group version that fails (an aggregated API that is down) is left out.
            return undefined;
          }
        }),
      );
      return lists.filter((l): l is ApiResourceList => l !== undefined);
    },
  };
}

/** `.Capabilities` from discovery, asked again only after `ttlMs`; concurrent renders share one request. */
export function cachedCapabilities(discovery: DiscoveryPort, o: { ttlMs?: number; now?: () => number } = {}): () => Promise<CapabilitiesInfo> {
  const ttlMs = o.ttlMs ?? DEFAULTS.capabilitiesTtlMs;
  const now = o.now ?? Date.now;
  let cached: { at: number; value: Promise<CapabilitiesInfo> } | undefined;
  return () => {
    if (!cached || now() - cached.at >= ttlMs) {
      const value = clusterCapabilities(discovery);
      cached = { at: now(), value };
      // A failed discovery is not kept: the next render asks again.
      value.catch(() => (cached?.value === value ? (cached = undefined) : undefined));
    }
    return cached.value;
  };
}

/**
 * Helm's `lookup` over the client: one object (undefined when it does not exist), or with an empty name
 * a List of every object of the kind in the namespace. Wrapped in the tenant boundary: only the release's
 * namespace, unless a platform admin allows cluster reads.
 */
export function kubeLookup(client: KubeClient, o: { namespace: string; allowClusterRead?: boolean }): Lookup {
  const read: Lookup = async (apiVersion, kind, namespace, name) => {
    const ns = namespace === "" ? undefined : namespace;
    if (name !== "") return client.get({ apiVersion, kind, namespace: ns, name });
    const list = await client.list({ apiVersion, kind, namespace: ns });
    return { apiVersion, kind: `${kind}List`, metadata: { resourceVersion: list.resourceVersion }, items: list.items };
  };
  return tenantLookup(
    {
      namespace: o.namespace,
      allowClusterRead: o.allowClusterRead,
      async isNamespaced(apiVersion, kind) {
        try {
          return (await client.resource(apiVersion, kind)).namespaced;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    },
    read,
  );
}
