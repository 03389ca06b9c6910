/**
 * Maps a kind to its REST resource through discovery, one group-version document at a time, cached.
 * An unknown kind triggers one re-read of its group-version (a CRD installed since the last read), so
 * new CRDs are found without restarting and without re-reading all of discovery on every miss.
 */
import { KubeApiError } from "./api-error.ts";
import type { ResourceInfo } from "./types.ts";
import { splitApiVersion } from "../core/ref.ts";

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/** Reads a discovery document (e.g. /apis/apps/v1); undefined when the group-version is not served. */
export type DiscoveryFetch = (path: string) => Promise<unknown | undefined>;

export const DEFAULTS = {
  /** A miss re-reads discovery at most this often per group-version, so a typo cannot flood the server. */
  minRefreshMs: 1_000,
};

export class RestMapper {
  #fetch: DiscoveryFetch;
  #cache = new Map<string, { at: number; kinds: Map<string, ResourceInfo> | undefined }>();
  #now: () => number;

  constructor(fetch: DiscoveryFetch, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let entry = this.#cache.get(apiVersion);
    let info = entry?.kinds?.get(kind);
    if (info) return info;
    if (!entry || this.#now() - entry.at >= DEFAULTS.minRefreshMs) {
      entry = { at: this.#now(), kinds: await this.#read(apiVersion) };
      this.#cache.set(apiVersion, entry);
      info = entry.kinds?.get(kind);
      if (info) return info;
    }
    const hint = entry.kinds
      ? `the API server serves ${apiVersion} but has no kind ${kind} in it`
      : `the API server does not serve ${apiVersion} (is its CRD installed?)`;
    throw new KubeApiError(404, "NotFound", `Cannot map ${kind} (${apiVersion}) to a resource: ${hint}`);
  }

  /** Forget everything (e.g. after installing CRDs). */
  reset(): void {
    this.#cache.clear();
  }

  async #read(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    const doc = (await this.#fetch(group ? `/apis/${group}/${version}` : `/api/${version}`)) as ApiResourceList | undefined;
    if (!doc) return undefined;
    const kinds = new Map<string, ResourceInfo>();
    for (const r of doc.resources) {
      if (r.name.includes("/")) continue; // subresources such as deployments/status
      kinds.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs });
    }
    return kinds;
  }
}
