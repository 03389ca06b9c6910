/**
 * The transformers that change metadata: `namespace`, `namePrefix`/`nameSuffix`, `commonLabels`,
 * `labels` and `commonAnnotations`, each over kustomize's built-in field specs (selectors and pod template
 * labels of the workload kinds, template annotations, ...). Renames record the previous id so the name
 * reference pass at the end of the build can rewrite references.
 */
import type { Kustomization, LabelEntry } from "./kustomization-file.ts";
import { specs, visitPath, visitSpecs, type FieldSpec } from "./field-spec.ts";
import { curId, isClusterScoped, isObject, meta, rememberId, splitApiVersion, type Resource } from "./resource.ts";

const METADATA_LABELS = specs(`
metadata/labels create
spec/template/metadata/labels create version=v1 kind=ReplicationController
spec/template/metadata/labels create kind=Deployment
spec/template/metadata/labels create kind=ReplicaSet
spec/template/metadata/labels create kind=DaemonSet
spec/template/metadata/labels create group=apps kind=StatefulSet
spec/template/metadata/labels create group=batch kind=Job
spec/jobTemplate/metadata/labels create group=batch kind=CronJob
spec/jobTemplate/spec/template/metadata/labels create group=batch kind=CronJob
spec/volumeClaimTemplates[]/metadata/labels create group=apps kind=StatefulSet
`);

const AFFINITY = ["podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm", "podAffinity/requiredDuringSchedulingIgnoredDuringExecution", "podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm", "podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution"];

const SELECTOR_LABELS: FieldSpec[] = [
  ...specs(`
spec/selector create version=v1 kind=Service
spec/selector create version=v1 kind=ReplicationController
spec/selector/matchLabels create kind=Deployment
spec/selector/matchLabels create kind=ReplicaSet
spec/selector/matchLabels create kind=DaemonSet
spec/selector/matchLabels create group=apps kind=StatefulSet
spec/selector/matchLabels group=batch kind=Job
spec/jobTemplate/spec/selector/matchLabels group=batch kind=CronJob
spec/selector/matchLabels group=policy kind=PodDisruptionBudget
spec/podSelector/matchLabels group=networking.k8s.io kind=NetworkPolicy
spec/ingress/from/podSelector/matchLabels group=networking.k8s.io kind=NetworkPolicy
spec/egress/to/podSelector/matchLabels group=networking.k8s.io kind=NetworkPolicy
`),
  ...["Deployment", "StatefulSet"].flatMap((kind) => [
    ...AFFINITY.map((a) => ({ path: `spec/template/spec/affinity/${a}/labelSelector/matchLabels`, group: "apps", kind })),
    { path: "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", group: "apps", kind },
  ]),
];

/** Field specs for commonLabels (and labels with includeSelectors). */
export const COMMON_LABEL_SPECS: FieldSpec[] = [...SELECTOR_LABELS, ...METADATA_LABELS];

export const COMMON_ANNOTATION_SPECS = specs(`
metadata/annotations create
spec/template/metadata/annotations create version=v1 kind=ReplicationController
spec/template/metadata/annotations create kind=Deployment
spec/template/metadata/annotations create kind=ReplicaSet
spec/template/metadata/annotations create kind=DaemonSet
spec/template/metadata/annotations create kind=StatefulSet
spec/template/metadata/annotations create group=batch kind=Job
spec/jobTemplate/metadata/annotations create group=batch kind=CronJob
spec/jobTemplate/spec/template/metadata/annotations create group=batch kind=CronJob
`);

export function addPairs(resources: Resource[], pairs: Record<string, string>, fieldSpecs: FieldSpec[]): void {
  for (const r of resources) {
    visitSpecs(r.obj, fieldSpecs, (parent, key) => {
      const m = parent[key];
      if (isObject(m)) Object.assign(m, pairs);
      else parent[key] = { ...pairs };
    });
  }
}

export function applyCommonLabels(resources: Resource[], labels: Record<string, string>): void {
  addPairs(resources, labels, COMMON_LABEL_SPECS);
}

export function applyLabels(resources: Resource[], entry: LabelEntry): void {
  const pairs = entry.pairs ?? {};
  const extra: FieldSpec[] = (entry.fields ?? []).map((f) => ({ ...f }));
  if (entry.includeSelectors) addPairs(resources, pairs, [...COMMON_LABEL_SPECS, ...extra]);
  else if (entry.includeTemplates) addPairs(resources, pairs, [...METADATA_LABELS, ...extra]);
  else addPairs(resources, pairs, [{ path: "metadata/labels", create: true }, ...extra]);
}

export function applyCommonAnnotations(resources: Resource[], annotations: Record<string, string>): void {
  addPairs(resources, annotations, COMMON_ANNOTATION_SPECS);
}

export function applyNamespace(resources: Resource[], ns: string): void {
  for (const r of resources) {
    const o = r.obj;
    const { group } = splitApiVersion(o.apiVersion);
    if (o.kind === "Namespace") {
      if (meta(o).name !== ns) {
        rememberId(r);
        meta(o).name = ns;
      }
      continue;
    }
    if (!isClusterScoped(curId(o))) {
      if (meta(o).namespace !== ns) {
        rememberId(r);
        meta(o).namespace = ns;
      }
    }
    if ((o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") && Array.isArray(o.subjects)) {
      for (const s of o.subjects) if (isObject(s) && s.name === "default") s.namespace = ns;
    }
    // kustomize's namespace field spec for APIServices creates spec.service.namespace when it is missing.
    if (o.kind === "APIService" && group === "apiregistration.k8s.io") {
      visitPath(o, ["spec", "service", "namespace"], true, (parent, key) => (parent[key] = ns));
    }
    if (o.kind === "CustomResourceDefinition") {
      const cc = ((((o.spec as Record<string, unknown> | undefined)?.conversion as Record<string, unknown> | undefined)?.webhook as Record<string, unknown> | undefined)?.clientConfig as Record<string, unknown> | undefined)?.service;
      if (isObject(cc)) cc.namespace = ns;
    }
  }
}

const NO_RENAME = (r: Resource) => {
  const k = r.obj.kind;
  return k === "CustomResourceDefinition" || k === "Namespace" || (k === "APIService" && splitApiVersion(r.obj.apiVersion).group === "apiregistration.k8s.io");
};

export function applyPrefixSuffix(resources: Resource[], prefix: string, suffix: string): void {
  if (!prefix && !suffix) return;
  for (const r of resources) {
    if (NO_RENAME(r)) continue;
    rememberId(r);
    const m = meta(r.obj);
    m.name = `${prefix}${String(m.name ?? "")}${suffix}`;
    if (prefix) r.prefixes.push(prefix);
    if (suffix) r.suffixes.push(suffix);
  }
}

/** Runs the metadata transformers of one kustomization in kustomize's order (namespace, prefix, suffix, labels, annotations). */
export function runMetadataTransformers(k: Kustomization, resources: Resource[]): void {
  if (k.namespace) applyNamespace(resources, k.namespace);
  applyPrefixSuffix(resources, k.namePrefix ?? "", k.nameSuffix ?? "");
  if (k.commonLabels) applyCommonLabels(resources, k.commonLabels);
  for (const l of k.labels) applyLabels(resources, l);
  if (k.commonAnnotations) applyCommonAnnotations(resources, k.commonAnnotations);
}
