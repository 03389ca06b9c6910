/**
 * `.Capabilities` from the cluster, as Helm 4.2's action.Configuration.getCapabilities builds it (read,
 * not copied): the server's version as it reports it (GitVersion, Major, Minor: "1" and "30+" on some
 * managed clusters), and the API version set of every served group version plus one `group/version/Kind`
 * entry per kind it serves, so templates can test `.Capabilities.APIVersions.Has "apps/v1/Deployment"`.
 *
 * Discovery arrives through a small port the agent's Kubernetes client satisfies: this folder does no I/O.
 * A group version whose discovery failed is simply absent from its answer (Helm warns about the orphaned
 * API service and carries on). An empty answer gives Helm's default version set, as Helm's does.
 */
import { DEFAULTS as RENDER_DEFAULTS } from "./render.ts";
import type { CapabilitiesInfo } from "./template-engine.ts";

/** The server's /version answer. */
export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
}

/** One served group version and its resources, as an APIResourceList (/api/v1, /apis/apps/v1) has them. */
export interface ApiResourceList {
  /** `v1`, `apps/v1`. */
  groupVersion: string;
  /** Subresources (`deployments/scale`) included, as discovery lists them. */
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/** What `.Capabilities` needs from the cluster. */
export interface DiscoveryPort {
  serverVersion(): Promise<ServerVersion>;
  /** Every served group version with its resources; a group version that failed discovery is left out. */
  serverResources(): Promise<ApiResourceList[]>;
}

/** Asks the cluster for its version and API resources and returns `.Capabilities` as Helm would. */
export async function clusterCapabilities(discovery: DiscoveryPort): Promise<CapabilitiesInfo> {
  let version: ServerVersion;
  try {
    version = await discovery.serverVersion();
  } catch (err) {
    throw new Error(`could not get server version from Kubernetes: ${(err as Error).message}`, { cause: err });
  }
  let lists: ApiResourceList[];
  try {
    lists = await discovery.serverResources();
  } catch (err) {
    throw new Error(`could not get apiVersions from Kubernetes: ${(err as Error).message}`, { cause: err });
  }
  return {
    kubeVersion: { version: version.gitVersion, major: version.major, minor: version.minor },
    apiVersions: versionSet(lists),
    helmVersion: { version: RENDER_DEFAULTS.helmVersion },
  };
}

/**
 * Helm's version set: each group version, and `group/version/Kind` once per kind (a kind served by
 * several resources, such as Scale, appears once). Sorted, so equal clusters give equal requests.
 */
export function versionSet(lists: readonly ApiResourceList[]): string[] {
  if (lists.length === 0) return [...RENDER_DEFAULTS.apiVersions];
  const set = new Set<string>();
  for (const list of lists) {
    set.add(list.groupVersion);
    for (const r of list.resources) set.add(`${list.groupVersion}/${r.kind}`);
  }
  return [...set].sort();
}

/**
 * Whether a kind is namespaced in the served group version, from the same discovery answer; undefined
 * when the cluster does not serve it. Subresources are skipped: their kind (Scale) says nothing of the
 * kind that owns them.
 */
export function kindScope(lists: readonly ApiResourceList[], apiVersion: string, kind: string): boolean | undefined {
  const list = lists.find((l) => l.groupVersion === apiVersion);
  return list?.resources.find((r) => r.kind === kind && !r.name.includes("/"))?.namespaced;
}
