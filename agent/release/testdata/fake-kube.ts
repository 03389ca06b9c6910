/**
 * An in-memory API server for the release unit tests: objects by kind, namespace and name; list with
 * equality label selectors; server-side apply as a plain replace (with the field manager recorded);
 * POST/PUT on Secrets through raw() as Helm's storage driver sends them, with 409 on an existing name.
 * Every call is recorded so tests can check what was written and in which order.
 */
import { KubeApiError } from "../../kube/api-error.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { KubeObject, ObjectKey } from "../../kube/types.ts";
import { parseLabelSelector } from "../../core/selector.ts";

const CLUSTER_KINDS = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]);

export interface FakeKube extends KubeClient {
  objects: Map<string, KubeObject>;
  calls: string[];
  /** Called after every write: tests play the kubelet (set a Pod's phase) from here. */
  onWrite?: (obj: KubeObject) => void;
  /** Refuse writes of these kinds with 403, as RBAC would. */
  forbidden: Set<string>;
  put(obj: KubeObject): void;
}

const idOf = (k: { kind: string; namespace?: string; name: string }) => `${k.kind}|${k.namespace ?? ""}|${k.name}`;

export function fakeKube(): FakeKube {
  const objects = new Map<string, KubeObject>();
  const calls: string[] = [];
  let rv = 1;
  const store = (obj: KubeObject) => {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(rv++);
    copy.metadata.uid ??= `uid-${rv}`;
    objects.set(idOf({ kind: copy.kind, namespace: copy.metadata.namespace, name: copy.metadata.name! }), copy);
    fake.onWrite?.(copy);
    return copy;
  };
  const forbid = (kind: string, verb: string, name: string) => {
    if (fake.forbidden.has(kind)) throw new KubeApiError(403, "Forbidden", `Cannot ${verb} ${kind}/${name}: forbidden: User "tenant" cannot ${verb} resource`);
  };
  const fake: FakeKube = {
    objects,
    calls,
    forbidden: new Set(),
    put: (obj) => void store(obj),
    async get(key: ObjectKey) {
      calls.push(`get ${key.kind}/${key.name}`);
      const o = objects.get(idOf(key));
      return o && structuredClone(o);
    },
    async list(ref, opts = {}) {
      calls.push(`list ${ref.kind}${opts.labelSelector ? ` ${opts.labelSelector}` : ""}`);
      const match = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : () => true;
      const items = [...objects.values()].filter(
        (o) => o.kind === ref.kind && (ref.namespace === undefined || o.metadata.namespace === ref.namespace) && match(o.metadata.labels ?? {}),
      );
      return { items: structuredClone(items), resourceVersion: String(rv) };
    },
    watch() {
      throw new Error("watch is not faked");
    },
    async apply(obj, opts) {
      calls.push(`apply${opts.dryRun ? " dry-run" : ""} ${obj.kind}/${obj.metadata.name}`);
      forbid(obj.kind, "patch", obj.metadata.name!);
      const live = objects.get(idOf({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! }));
      const merged: KubeObject = { ...structuredClone(obj), status: live?.status, metadata: { ...obj.metadata, uid: live?.metadata.uid, managedFields: [{ manager: opts.fieldManager }] } };
      if (merged.status === undefined) delete merged.status;
      if (opts.dryRun) return { ...merged, metadata: { ...merged.metadata, resourceVersion: live?.metadata.resourceVersion ?? "" } };
      return structuredClone(store(merged));
    },
    async patch() {
      throw new Error("patch is not faked");
    },
    async delete(key) {
      calls.push(`delete ${key.kind}/${key.name}`);
      forbid(key.kind, "delete", key.name);
      return objects.delete(idOf(key));
    },
    async resource(apiVersion, kind) {
      const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
      return { group: group!, version: version!, kind, plural: `${kind.toLowerCase()}s`, namespaced: !CLUSTER_KINDS.has(kind), verbs: [] };
    },
    impersonate() {
      return fake;
    },
    async raw(method, path, body) {
      calls.push(`${method} ${path}`);
      const obj = body as KubeObject;
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/?]+))?(?:\?.*)?$/.exec(path);
      if (!m) throw new Error(`raw ${method} ${path} is not faked`);
      const key = idOf({ kind: "Secret", namespace: m[1], name: obj.metadata.name! });
      if (method === "POST") {
        if (objects.has(key)) throw new KubeApiError(409, "AlreadyExists", `secrets "${obj.metadata.name}" already exists`);
        return store({ ...obj, metadata: { ...obj.metadata, namespace: m[1] } });
      }
      if (method === "PUT") {
        if (!objects.has(key)) throw new KubeApiError(404, "NotFound", `secrets "${obj.metadata.name}" not found`);
        return store({ ...obj, metadata: { ...obj.metadata, namespace: m[1] } });
      }
      throw new Error(`raw ${method} is not faked`);
    },
  };
  return fake;
}
