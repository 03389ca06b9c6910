/**
 * Rewrites references to renamed resources, once, at the end of a build (after prefixes, suffixes,
 * namespaces and content hashes changed names), over kustomize's built-in name reference table:
 * ConfigMaps and Secrets in pod templates (volumes, env, envFrom, projected volumes, imagePullSecrets),
 * ServiceAccounts in pods and RBAC subjects, Roles in roleRefs, Services in StatefulSets, Ingresses,
 * webhooks and APIServices, PVCs, PVs, StorageClasses, PriorityClasses, IngressClasses, HPA targets.
 * A reference matches a resource whose earlier name equals it, of the right kind, in the referrer's
 * namespace (cluster-scoped kinds and ServiceAccounts match from anywhere). Service selectors are labels,
 * not names, and stay untouched.
 */
import { specApplies, splitPath, visitPath, type FieldSpec } from "./field-spec.ts";
import { curId, isClusterScoped, isObject, nsEquals, splitApiVersion, type ResId, type Resource } from "./resource.ts";

export interface RefSpec extends FieldSpec {
  referralKind: string;
  referralGroup?: string;
}

const WORKLOADS: [string, string][] = [
  ["Pod", "spec"], ["PodTemplate", "template/spec"], ["Deployment", "spec/template/spec"], ["ReplicaSet", "spec/template/spec"],
  ["DaemonSet", "spec/template/spec"], ["StatefulSet", "spec/template/spec"], ["Job", "spec/template/spec"],
  ["CronJob", "spec/jobTemplate/spec/template/spec"], ["ReplicationController", "spec/template/spec"],
];
const CM_WORKLOADS = WORKLOADS.filter(([k]) => k !== "ReplicationController");

function podRefs(): RefSpec[] {
  const out: RefSpec[] = [];
  for (const [kind, base] of CM_WORKLOADS) {
    for (const p of ["volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name", "initContainers/env/valueFrom/configMapKeyRef/name", "containers/envFrom/configMapRef/name", "initContainers/envFrom/configMapRef/name", "volumes/projected/sources/configMap/name"]) {
      out.push({ path: `${base}/${p}`, kind, referralKind: "ConfigMap" });
    }
    for (const p of ["volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name", "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name", "initContainers/envFrom/secretRef/name", "imagePullSecrets/name", "volumes/projected/sources/secret/name"]) {
      out.push({ path: `${base}/${p}`, kind, referralKind: "Secret" });
    }
  }
  for (const [kind, base] of WORKLOADS) {
    if (kind === "ReplicaSet" || kind === "PodTemplate") continue;
    out.push({ path: `${base}/serviceAccountName`, kind, referralKind: "ServiceAccount" });
    out.push({ path: `${base}/volumes/persistentVolumeClaim/claimName`, kind, referralKind: "PersistentVolumeClaim" });
    out.push({ path: `${base}/priorityClassName`, kind, referralKind: "PriorityClass", referralGroup: "scheduling.k8s.io" });
  }
  return out;
}

const rbac = "rbac.authorization.k8s.io";

export const NAME_REFERENCES: RefSpec[] = [
  ...["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"].map((k) => ({ path: "spec/scaleTargetRef/name", kind: "HorizontalPodAutoscaler", referralKind: k })),
  ...podRefs(),
  { path: "spec/configSource/configMap", kind: "Node", referralKind: "ConfigMap" },
  { path: "rules/resourceNames", kind: "Role", referralKind: "ConfigMap" },
  { path: "rules/resourceNames", kind: "ClusterRole", referralKind: "ConfigMap" },
  { path: "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", kind: "Ingress", referralKind: "ConfigMap" },
  { path: "spec/tls/secretName", kind: "Ingress", referralKind: "Secret" },
  ...["ingress.kubernetes.io\\/auth-secret", "nginx.ingress.kubernetes.io\\/auth-secret", "nginx.ingress.kubernetes.io\\/auth-tls-secret"].map((a) => ({ path: `metadata/annotations/${a}`, kind: "Ingress", referralKind: "Secret" })),
  { path: "imagePullSecrets/name", kind: "ServiceAccount", referralKind: "Secret" },
  ...["secretName", "adminSecretName", "userSecretName", "secretRef"].map((p) => ({ path: `parameters/${p}`, kind: "StorageClass", referralKind: "Secret" })),
  { path: "rules/resourceNames", kind: "Role", referralKind: "Secret" },
  { path: "rules/resourceNames", kind: "ClusterRole", referralKind: "Secret" },
  { path: "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", kind: "Service", group: "serving.knative.dev", version: "v1", referralKind: "Secret" },
  { path: "spec/azureFile/secretName", kind: "PersistentVolume", referralKind: "Secret" },
  { path: "spec/serviceName", kind: "StatefulSet", group: "apps", referralKind: "Service" },
  ...["spec/rules/http/paths/backend/serviceName", "spec/backend/serviceName", "spec/rules/http/paths/backend/service/name", "spec/defaultBackend/service/name"].map((p) => ({ path: p, kind: "Ingress", referralKind: "Service" })),
  { path: "spec/service/name", kind: "APIService", group: "apiregistration.k8s.io", referralKind: "Service" },
  { path: "webhooks/clientConfig/service", kind: "ValidatingWebhookConfiguration", group: "admissionregistration.k8s.io", referralKind: "Service" },
  { path: "webhooks/clientConfig/service", kind: "MutatingWebhookConfiguration", group: "admissionregistration.k8s.io", referralKind: "Service" },
  { path: "roleRef/name", kind: "RoleBinding", group: rbac, referralKind: "Role", referralGroup: rbac },
  { path: "roleRef/name", kind: "RoleBinding", group: rbac, referralKind: "ClusterRole", referralGroup: rbac },
  { path: "roleRef/name", kind: "ClusterRoleBinding", group: rbac, referralKind: "ClusterRole", referralGroup: rbac },
  { path: "subjects", kind: "RoleBinding", group: rbac, referralKind: "ServiceAccount" },
  { path: "subjects", kind: "ClusterRoleBinding", group: rbac, referralKind: "ServiceAccount" },
  { path: "spec/volumeName", kind: "PersistentVolumeClaim", referralKind: "PersistentVolume" },
  { path: "rules/resourceNames", kind: "ClusterRole", referralKind: "PersistentVolume" },
  { path: "spec/storageClassName", kind: "PersistentVolume", referralKind: "StorageClass", referralGroup: "storage.k8s.io" },
  { path: "spec/storageClassName", kind: "PersistentVolumeClaim", referralKind: "StorageClass", referralGroup: "storage.k8s.io" },
  { path: "spec/volumeClaimTemplates/spec/storageClassName", kind: "StatefulSet", referralKind: "StorageClass", referralGroup: "storage.k8s.io" },
  // kustomize's table spells this referral group "networking.k8s.io/v1", so it never matches: Ingress
  // class names stay as written, and so they do here.
  { path: "spec/ingressClassName", kind: "Ingress", referralKind: "IngressClass", referralGroup: "networking.k8s.io/v1" },
  { path: "spec/policyName", kind: "ValidatingAdmissionPolicyBinding", group: "admissionregistration.k8s.io", referralKind: "ValidatingAdmissionPolicy", referralGroup: "admissionregistration.k8s.io" },
];

const BY_REFERRER = new Map<string, RefSpec[]>();
for (const s of NAME_REFERENCES) {
  const list = BY_REFERRER.get(s.kind!) ?? [];
  list.push(s);
  BY_REFERRER.set(s.kind!, list);
}

interface Candidate {
  res: Resource;
  prev: ResId;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function effectiveNs(id: ResId): string {
  return isClusterScoped(id) ? "" : id.namespace || "default";
}

/** The id a resource had when it was loaded (kustomize's OrgId). */
function originalId(res: Resource): ResId {
  return res.prevIds[0] ?? curId(res.obj);
}

/**
 * kustomize's first cut of what a referrer may point at: anything when the referrer is cluster-scoped,
 * otherwise cluster-scoped resources, resources in the referrer's namespace and, for a RoleBinding, those
 * in a namespace one of its ServiceAccount subjects names.
 */
function reachableFrom(referrer: Resource): (c: Candidate) => boolean {
  const rid = curId(referrer.obj);
  if (isClusterScoped(rid)) return () => true;
  const subjectNs = new Set<string>();
  if (referrer.obj.kind === "RoleBinding" && Array.isArray(referrer.obj.subjects)) {
    for (const s of referrer.obj.subjects) {
      if (isObject(s) && s.kind === "ServiceAccount" && typeof s.namespace === "string") subjectNs.add(s.namespace);
    }
  }
  return (c) => {
    const cid = curId(c.res.obj);
    return isClusterScoped(cid) || nsEquals(rid, cid) || subjectNs.has(cid.namespace);
  };
}

/**
 * For a `{name, namespace}` map (RBAC subjects, webhook services): with a namespace, only candidates
 * whose original namespace is that one (or, when none is, whose current one is), as kustomize narrows them.
 */
function byMapNamespace(cands: Candidate[], ns: unknown): Candidate[] {
  if (typeof ns !== "string") return cands;
  const orig = cands.filter((c) => effectiveNs(originalId(c.res)) === ns && !isClusterScoped(originalId(c.res)));
  if (orig.length > 0) return orig;
  return cands.filter((c) => {
    const cid = curId(c.res.obj);
    return !isClusterScoped(cid) && effectiveNs(cid) === ns;
  });
}

/** Rewrites every reference in `resources` to a resource that was renamed or moved during the build. */
export function fixNameReferences(resources: Resource[], extra: RefSpec[] = []): void {
  // Index resources with an earlier id by (kind, earlier name): only those can make a reference stale.
  const index = new Map<string, Candidate[]>();
  for (const res of resources) {
    const seen = new Set<string>();
    for (const prev of res.prevIds) {
      if (seen.has(prev.name)) continue;
      seen.add(prev.name);
      const key = `${prev.kind}|${prev.name}`;
      const list = index.get(key) ?? [];
      list.push({ res, prev });
      index.set(key, list);
    }
    // An RBAC subject takes its ServiceAccount's namespace even when the account was never renamed or
    // moved (kustomize's nameReference sets both fields from the referral it finds).
    if (res.obj.kind === "ServiceAccount" && res.prevIds.length === 0) {
      const cur = curId(res.obj);
      const key = `ServiceAccount|${cur.name}`;
      index.set(key, [...(index.get(key) ?? []), { res, prev: cur }]);
    }
  }
  if (index.size === 0) return;
  for (const referrer of resources) {
    // `extra`: the nameReference specs of `configurations:` files (transformer-config.ts).
    const kind = referrer.obj.kind ?? "";
    const own = BY_REFERRER.get(kind);
    const refSpecs = extra.length ? [...(own ?? []), ...extra.filter((s) => !s.kind || s.kind === kind)] : own;
    if (!refSpecs?.length) continue;
    const rid = curId(referrer.obj);
    const reachable = reachableFrom(referrer);
    for (const spec of refSpecs) {
      if (!specApplies(spec, referrer.obj)) continue;
      const pick = (name: string, narrow?: (cands: Candidate[]) => Candidate[]): Resource | undefined => {
        let cands = (index.get(`${spec.referralKind}|${name}`) ?? []).filter((c) => {
          if (spec.referralGroup !== undefined && splitApiVersion(c.res.obj.apiVersion).group !== spec.referralGroup) return false;
          return reachable(c);
        });
        if (narrow) cands = narrow(cands);
        cands = cands.filter((c) => {
          if (isClusterScoped(rid)) return true;
          const cid = curId(c.res.obj);
          return isClusterScoped(cid) || cid.kind === "ServiceAccount" || nsEquals(rid, cid);
        });
        if (cands.length > 1) {
          const same = cands.filter((c) => sameList(c.res.prefixes, referrer.prefixes) && sameList(c.res.suffixes, referrer.suffixes));
          if (same.length > 0) cands = same;
        }
        return cands[0]?.res;
      };
      // A `{name, namespace}` map takes both from the referral; an empty namespace is not written, since
      // kustomize treats it as "any", not as "default".
      const setMap = (m: Record<string, unknown>) => {
        if (typeof m.name !== "string") return;
        const target = pick(m.name, (cands) => byMapNamespace(cands, m.namespace));
        if (!target) return;
        const cid = curId(target.obj);
        if (cid.name === m.name && cid.namespace === "") return;
        m.name = cid.name;
        if (cid.namespace) m.namespace = cid.namespace;
      };
      visitPath(referrer.obj, splitPath(spec.path), false, (parent, key) => {
        const v = parent[key];
        if (spec.path === "roleRef/name") {
          const rr = parent as Record<string, unknown>;
          if (rr.kind !== spec.referralKind) return;
        }
        if (typeof v === "string") {
          const target = pick(v);
          if (target) parent[key] = curId(target.obj).name;
        } else if (Array.isArray(v)) {
          parent[key] = v.map((x) => {
            if (isObject(x)) setMap(x);
            if (typeof x !== "string") return x;
            const target = pick(x);
            return target ? curId(target.obj).name : x;
          });
        } else if (isObject(v)) setMap(v);
      });
    }
  }
}
