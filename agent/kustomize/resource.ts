/**
 * A resource in the build: the plain object plus the identities it had before transformers renamed it,
 * which is what kustomize's name-reference and patch lookups match against. Ids compare namespace ""
 * and "default" as equal, as kustomize does.
 */

export type KObject = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> };

export interface ResId {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
}

export interface Resource {
  obj: KObject;
  /** Ids this resource had before renames/namespace changes, oldest first (not including the current one). */
  prevIds: ResId[];
  /** Generated ConfigMap/Secret that gets the content-hash suffix at the end of the build. */
  needsHash: boolean;
  /** For generated resources: how they combine with a resource of the same id from a base. */
  behavior?: "create" | "merge" | "replace";
  /** Name prefixes and suffixes applied, outermost last (kustomize's tie-break for name references). */
  prefixes: string[];
  suffixes: string[];
  /** Names of the vars whose objref names this resource (vars.ts). */
  refVars?: string[];
}

/**
 * The kinds kustomize treats as cluster-scoped, by exact apiVersion: its precomputed scope table (from
 * the Kubernetes 1.21 OpenAPI schema it embeds). Anything else, including newer versions of these kinds
 * (FlowSchema in flowcontrol v1beta3 or v1) and custom resources, is namespaced to kustomize, so the
 * namespace transformer sets a namespace on it.
 */
const CLUSTER_SCOPED_BY_GROUP: Record<string, Record<string, string[]>> = {
  "": { v1: ["ComponentStatus", "Namespace", "Node", "NodeProxyOptions", "PersistentVolume"] },
  "admissionregistration.k8s.io": { v1: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], v1beta1: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"] },
  "apiextensions.k8s.io": { v1: ["CustomResourceDefinition"], v1beta1: ["CustomResourceDefinition"] },
  "apiregistration.k8s.io": { v1: ["APIService"], v1beta1: ["APIService"] },
  "certificates.k8s.io": { v1: ["CertificateSigningRequest"], v1beta1: ["CertificateSigningRequest"] },
  "flowcontrol.apiserver.k8s.io": { v1beta1: ["FlowSchema", "PriorityLevelConfiguration"] },
  "networking.k8s.io": { v1: ["IngressClass"], v1beta1: ["IngressClass"] },
  "node.k8s.io": { v1: ["RuntimeClass"], v1beta1: ["RuntimeClass"] },
  policy: { v1beta1: ["PodSecurityPolicy"] },
  "rbac.authorization.k8s.io": { v1: ["ClusterRole", "ClusterRoleBinding"], v1beta1: ["ClusterRole", "ClusterRoleBinding"] },
  "scheduling.k8s.io": { v1: ["PriorityClass"], v1beta1: ["PriorityClass"] },
  "storage.k8s.io": { v1: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], v1beta1: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"] },
};

export const CLUSTER_SCOPED = new Set(
  Object.entries(CLUSTER_SCOPED_BY_GROUP).flatMap(([group, versions]) =>
    Object.entries(versions).flatMap(([version, kinds]) => kinds.map((kind) => `${group}|${version}|${kind}`)),
  ),
);

export function splitApiVersion(apiVersion: string | undefined): { group: string; version: string } {
  const av = apiVersion ?? "";
  const i = av.indexOf("/");
  return i < 0 ? { group: "", version: av } : { group: av.slice(0, i), version: av.slice(i + 1) };
}

export function meta(obj: KObject): Record<string, unknown> {
  let m = obj.metadata;
  if (!m || typeof m !== "object") obj.metadata = m = {};
  return m;
}

export function nameOf(obj: KObject): string {
  const n = obj.metadata?.name;
  return typeof n === "string" ? n : "";
}

export function namespaceOf(obj: KObject): string {
  const n = obj.metadata?.namespace;
  return typeof n === "string" ? n : "";
}

export function curId(obj: KObject): ResId {
  const { group, version } = splitApiVersion(obj.apiVersion);
  return { group, version, kind: obj.kind ?? "", name: nameOf(obj), namespace: namespaceOf(obj) };
}

export function isClusterScoped(id: { group: string; version: string; kind: string }): boolean {
  return CLUSTER_SCOPED.has(`${id.group}|${id.version}|${id.kind}`);
}

function normNs(ns: string): string {
  return ns === "" ? "default" : ns;
}

export function nsEquals(a: ResId, b: ResId): boolean {
  return normNs(a.namespace) === normNs(b.namespace);
}

/** Key of an id for maps: group, kind, namespace and name (version is ignored, as kustomize's id equality does). */
export function idKey(id: ResId): string {
  return `${id.group}|${id.kind}|${isClusterScoped(id) ? "" : normNs(id.namespace)}|${id.name}`;
}

/** How errors name a resource: `Deployment.v1.apps/web.default` style, like kustomize's messages. */
export function formatId(id: ResId): string {
  return `${id.kind}.${id.version || "[noVer]"}.${id.group || "[noGrp]"}/${id.name}.${id.namespace || "[noNs]"}`;
}

export function makeResource(obj: KObject): Resource {
  return { obj, prevIds: [], needsHash: false, prefixes: [], suffixes: [] };
}

/** Records the current id as a previous one before a transformer changes name, namespace or kind. */
export function rememberId(res: Resource): void {
  const id = curId(res.obj);
  const last = res.prevIds[res.prevIds.length - 1];
  if (last && idKey(last) === idKey(id) && last.version === id.version) return;
  res.prevIds.push(id);
}

/** Current id first, then previous ones. */
export function allIds(res: Resource): ResId[] {
  return [curId(res.obj), ...res.prevIds];
}

/**
 * kustomize keeps its bookkeeping in annotations while it builds, so during a build every object has an
 * annotations map (a JSON patch may add to it or read it), and on output an empty or null one is dropped.
 * Labels have no such bookkeeping and stay as written.
 */
export function withAnnotationsMap(obj: KObject): KObject {
  const m = obj.metadata;
  if (!isObject(m) || isObject(m.annotations)) return obj;
  return { ...obj, metadata: { ...m, annotations: {} } };
}

/** Drops an empty or null `metadata.annotations`, as kustomize's output does. */
export function dropEmptyAnnotations(obj: KObject): void {
  const m = obj.metadata;
  if (!isObject(m) || !("annotations" in m)) return;
  const a = m.annotations;
  if (a === null || a === undefined || (isObject(a) && Object.keys(a).length === 0)) delete m.annotations;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepClone<T>(v: T): T {
  return structuredClone(v);
}
