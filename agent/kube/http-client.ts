/**
 * The KubeClient port over a plain HTTP Transport: REST paths from discovery, pagination, watch streams,
 * server-side apply, delete with propagation, impersonation headers. Every request is counted by verb
 * for the metrics endpoint and the benchmarks (fewer API calls is one of rivulet's goals).
 */
import type { ApplyOptions, DeleteOptions, KubeClient, ListOptions, WatchOptions } from "./client.ts";
import { errorFromResponse, KubeApiError } from "./api-error.ts";
import { RestMapper } from "./rest-mapper.ts";
import type { KubeRequest, Transport } from "./transport.ts";
import type { KindRef, KubeObject, ListResult, ObjectKey, ResourceInfo, WatchEvent } from "./types.ts";
import { formatRef } from "../core/ref.ts";

export const DEFAULTS = {
  pageSize: 500,
};

/** Called once per request with the Kubernetes verb (get, list, watch, apply, delete, ...) and the request's path. */
export type RequestCounter = (verb: string, path: string) => void;

/**
 * The resource a request path addresses: the plural after the namespace (or after the group version for
 * cluster-scoped paths), with its subresource ("secrets", "helmreleases/status"); "" for discovery.
 */
export function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  const rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : [];
  const r = rest[0] === "namespaces" && rest.length > 2 ? rest.slice(2) : rest;
  return r.length === 0 ? "" : r.length >= 3 ? `${r[0]}/${r[2]}` : r[0]!;
}

export interface HttpClientOptions {
  transport: Transport;
  onRequest?: RequestCounter;
  impersonate?: { user: string; groups?: string[] };
  /** Shared between a client and its impersonating copies: discovery does not depend on identity. */
  mapper?: RestMapper;
}

export function createHttpClient(opts: HttpClientOptions): KubeClient {
  const count = opts.onRequest ?? (() => {});
  const headers: Record<string, string> = {};
  if (opts.impersonate) {
    headers["Impersonate-User"] = opts.impersonate.user;
    // One header value per group is what the apiserver expects; a transport joining them with ", " is
    // read as separate values as well.
    if (opts.impersonate.groups?.length) headers["Impersonate-Group"] = opts.impersonate.groups.join(", ");
  }
  const send = async (req: KubeRequest, verb: string) => {
    count(verb, req.path);
    return opts.transport({ ...req, headers: { ...headers, ...req.headers } });
  };
  const json = async (req: KubeRequest, verb: string, doing: string): Promise<unknown> => {
    const res = await send(req, verb);
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, text, doing);
    return text ? JSON.parse(text) : undefined;
  };
  const mapper =
    opts.mapper ??
    new RestMapper(async (path) => {
      const res = await send({ method: "GET", path }, "discovery");
      const text = await res.text();
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw errorFromResponse(res.status, text, `Cannot discover ${path}`);
      return JSON.parse(text);
    });

  const pathFor = (info: ResourceInfo, namespace?: string, name?: string, sub?: string) => {
    const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    const tail = name ? `/${encodeURIComponent(name)}${sub ? `/${sub}` : ""}` : "";
    return `${base}${ns}/${info.plural}${tail}`;
  };

  const client: KubeClient = {
    async get(key) {
      const info = await mapper.resource(key.apiVersion, key.kind);
      const res = await send({ method: "GET", path: pathFor(info, key.namespace, key.name) }, "get");
      const text = await res.text();
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw errorFromResponse(res.status, text, `Cannot get ${refOf(key)}`);
      return JSON.parse(text) as KubeObject;
    },

    async list(ref, lo: ListOptions = {}): Promise<ListResult> {
      const info = await mapper.resource(ref.apiVersion, ref.kind);
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let resourceVersion = "";
      do {
        const page = (await json(
          {
            method: "GET",
            path: pathFor(info, ref.namespace),
            query: {
              labelSelector: lo.labelSelector,
              fieldSelector: lo.fieldSelector,
              limit: String(lo.limit ?? DEFAULTS.pageSize),
              continue: cont,
            },
          },
          "list",
          `Cannot list ${ref.kind}${ref.namespace ? ` in namespace ${ref.namespace}` : ""}`,
        )) as { items: KubeObject[]; metadata: { continue?: string; resourceVersion: string } };
        // List items carry no apiVersion/kind; fill them so every object is self-describing.
        for (const it of page.items) items.push({ ...it, apiVersion: ref.apiVersion, kind: ref.kind });
        cont = page.metadata.continue || undefined;
        resourceVersion = page.metadata.resourceVersion;
      } while (cont);
      return { items, resourceVersion };
    },

    watch(ref, wo: WatchOptions = {}): AsyncIterable<WatchEvent> {
      return {
        async *[Symbol.asyncIterator]() {
          const info = await mapper.resource(ref.apiVersion, ref.kind);
          const res = await send(
            {
              method: "GET",
              path: pathFor(info, ref.namespace),
              query: {
                watch: "true",
                allowWatchBookmarks: "true",
                resourceVersion: wo.resourceVersion,
                labelSelector: wo.labelSelector,
                fieldSelector: wo.fieldSelector,
                timeoutSeconds: wo.timeoutSeconds === undefined ? undefined : String(wo.timeoutSeconds),
              },
              signal: wo.signal,
            },
            "watch",
          );
          if (res.status !== 200) throw errorFromResponse(res.status, await res.text(), `Cannot watch ${ref.kind}`);
          for await (const line of res.lines()) {
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string; reason?: string } };
            if (ev.type === "ERROR") {
              const st = ev.object;
              throw new KubeApiError(st.code ?? 500, st.reason ?? "Unknown", `Watch of ${ref.kind} failed: ${st.message ?? "unknown error"}`);
            }
            yield ev as WatchEvent;
          }
        },
      };
    },

    async apply(obj, ao: ApplyOptions) {
      const info = await mapper.resource(obj.apiVersion, obj.kind);
      const { name, namespace } = obj.metadata;
      if (!name) throw new Error(`Cannot apply ${formatRef(obj)}: metadata.name is empty`);
      return (await json(
        {
          method: "PATCH",
          path: pathFor(info, namespace, name, ao.subresource),
          query: {
            fieldManager: ao.fieldManager,
            force: ao.force ? "true" : undefined,
            dryRun: ao.dryRun ? "All" : undefined,
          },
          headers: { "Content-Type": "application/apply-patch+yaml" },
          // JSON is YAML: the apply-patch content type accepts it as is.
          body: JSON.stringify(obj),
        },
        ao.dryRun ? "dry-run" : "apply",
        `Cannot apply ${formatRef(obj)}${ao.subresource ? ` ${ao.subresource}` : ""}`,
      )) as KubeObject;
    },

    async patch(key, body, type, po = {}) {
      const info = await mapper.resource(key.apiVersion, key.kind);
      return (await json(
        {
          method: "PATCH",
          path: pathFor(info, key.namespace, key.name, po.subresource),
          headers: { "Content-Type": type === "json" ? "application/json-patch+json" : "application/merge-patch+json" },
          body: JSON.stringify(body),
        },
        "patch",
        `Cannot patch ${refOf(key)}`,
      )) as KubeObject;
    },

    async delete(key, d: DeleteOptions = {}) {
      const info = await mapper.resource(key.apiVersion, key.kind);
      const res = await send(
        {
          method: "DELETE",
          path: pathFor(info, key.namespace, key.name),
          query: { dryRun: d.dryRun ? "All" : undefined },
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: d.propagationPolicy }),
        },
        "delete",
      );
      const text = await res.text();
      if (res.status === 404) return false;
      if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, text, `Cannot delete ${refOf(key)}`);
      return true;
    },

    resource: (apiVersion, kind) => mapper.resource(apiVersion, kind),

    impersonate(user, groups) {
      return createHttpClient({ ...opts, mapper, impersonate: { user, groups } });
    },

    raw(method, path, body) {
      return json(
        {
          method: method as KubeRequest["method"],
          path,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: body === undefined ? undefined : { "Content-Type": "application/json" },
        },
        method.toLowerCase(),
        `Cannot ${method} ${path}`,
      );
    },
  };
  return client;
}

function refOf(key: ObjectKey | KindRef & { name?: string }): string {
  return formatRef({ kind: key.kind, metadata: { name: key.name, namespace: key.namespace } });
}
