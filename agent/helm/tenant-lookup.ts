/**
 * The tenant boundary around Helm's `lookup`: a tenant's agent reads, from its chart templates, only
 * objects in the release's namespace. A lookup in another namespace, across all namespaces (namespace
 * "") or of a cluster-scoped kind fails the render before any request is made, naming the object, unless
 * allowClusterRead is set (a platform agent's flag). Helm itself would read them with the user's rights;
 * the agent's identity may see more than the tenant should, so the refusal is ours.
 *
 * Whether a kind is namespaced comes from discovery (cluster-capabilities.ts kindScope); a kind the
 * cluster does not serve is refused too, with that reason, instead of guessing its scope.
 */
import { formatRef } from "../core/ref.ts";
import type { Lookup } from "./template-engine.ts";

export const DEFAULTS = {
  /** Reads outside the release namespace are a platform agent's, never a tenant's by default. */
  allowClusterRead: false,
} as const;

export interface TenantLookupOptions {
  /** The release's namespace: the only one a tenant's templates may read. */
  namespace: string;
  /** Allows other namespaces, all namespaces and cluster-scoped kinds. */
  allowClusterRead?: boolean;
  /** Whether the cluster serves the kind namespaced (true), cluster-scoped (false), or not at all. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined>;
}

/** Wraps `lookup` so that it answers only what a tenant's agent may read; other calls reject. */
export function tenantLookup(options: TenantLookupOptions, lookup: Lookup): Lookup {
  const allowClusterRead = options.allowClusterRead ?? DEFAULTS.allowClusterRead;
  return async (apiVersion, kind, namespace, name) => {
    if (allowClusterRead) return lookup(apiVersion, kind, namespace, name);
    const ref = lookupRef(kind, namespace, name);
    const namespaced = await options.isNamespaced(apiVersion, kind);
    if (namespaced === undefined) throw new Error(`${ref}: cannot look up: the cluster serves no kind ${kind} in ${apiVersion}`);
    if (!namespaced) throw new Error(`${ref}: cannot look up: cluster-scoped kinds are not readable by a tenant's agent`);
    if (namespace !== options.namespace) {
      throw new Error(`${ref}: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace ${options.namespace})`);
    }
    return lookup(apiVersion, kind, namespace, name);
  };
}

/** The object a lookup names; a list (name "") shows as `*`, all namespaces (namespace "") as none. */
function lookupRef(kind: string, namespace: string, name: string): string {
  return formatRef({ kind, metadata: { name: name === "" ? "*" : name, namespace: namespace === "" ? undefined : namespace } });
}
