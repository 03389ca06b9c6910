/**
 * Which resources a patch or replacement selects, as kustomize v5 matches them. A patch target (the shared
 * regex selector, agent/core/selector.ts) matches a resource's name and namespace as first loaded or as
 * they are now, and its current group, version, kind, labels and annotations. A replacement source or
 * target matches any id the resource has had in the build (every earlier name, namespace and kind) by
 * exact value, not by regex. Namespaces compare as kustomize's effective namespace: "" is "default".
 */
import { selectorMatches, type ResourceSelector } from "../core/selector.ts";
import { curId, isClusterScoped, isObject, type ResId, type Resource } from "./resource.ts";

// kustomize's stand-in namespace for cluster-scoped ids, which no real namespace equals.
const NO_NAMESPACE = "~X";

function effectiveNs(id: ResId): string {
  if (isClusterScoped(id)) return NO_NAMESPACE;
  return id.namespace || "default";
}

function labelsAndAnnotations(res: Resource): { labels: Record<string, unknown>; annotations: Record<string, unknown> } {
  const m = res.obj.metadata;
  return { labels: isObject(m?.labels) ? m.labels : {}, annotations: isObject(m?.annotations) ? m.annotations : {} };
}

/** True when the patch target picks the resource (by its original or current name and namespace). */
export function selects(sel: ResourceSelector, res: Resource): boolean {
  const cur = curId(res.obj);
  const org = res.prevIds[0] ?? cur;
  const extra = labelsAndAnnotations(res);
  const names = org.name === cur.name ? [cur.name] : [org.name, cur.name];
  const namespaces = [...new Set([effectiveNs(org), effectiveNs(cur)])];
  return names.some((name) => namespaces.some((namespace) => selectorMatches(sel, { ...cur, name, namespace, ...extra })));
}

/** kustomize's ResId.IsSelectedBy: every field the selector sets equals the id's. */
function idSelectedBy(id: ResId, sel: ResourceSelector): boolean {
  if (sel.name && sel.name !== id.name) return false;
  if (sel.namespace) {
    const selNs = isClusterScoped({ group: sel.group ?? "", version: sel.version ?? "", kind: sel.kind ?? "" }) ? NO_NAMESPACE : sel.namespace;
    if (selNs !== effectiveNs(id)) return false;
  }
  if (sel.group && sel.group !== id.group) return false;
  if (sel.version && sel.version !== id.version) return false;
  if (sel.kind && sel.kind !== id.kind) return false;
  return true;
}

function hasIdSelector(sel: ResourceSelector): boolean {
  return !!(sel.name || sel.namespace || sel.group || sel.version || sel.kind);
}

/** Every id the resource has had, current first; earlier ids carry the current group and version. */
function buildIds(res: Resource): ResId[] {
  const cur = curId(res.obj);
  return [cur, ...res.prevIds.map((p) => ({ ...p, group: cur.group, version: cur.version }))];
}

/** True when a replacement source or target selector picks the resource by any of its ids. */
export function selectsById(sel: ResourceSelector, res: Resource): boolean {
  const extra = labelsAndAnnotations(res);
  const any = { group: "", version: "", kind: "", name: "", namespace: "", ...extra };
  if (!selectorMatches({ labelSelector: sel.labelSelector, annotationSelector: sel.annotationSelector }, any)) return false;
  return buildIds(res).some((id) => idSelectedBy(id, sel));
}

/** True when a replacement's `reject` entry excludes the resource (by id, or by labels/annotations). */
export function rejectsById(sel: ResourceSelector, res: Resource): boolean {
  if (hasIdSelector(sel) && buildIds(res).some((id) => idSelectedBy(id, sel))) return true;
  if (!sel.labelSelector && !sel.annotationSelector) return false;
  const any = { group: "", version: "", kind: "", name: "", namespace: "", ...labelsAndAnnotations(res) };
  return selectorMatches({ labelSelector: sel.labelSelector, annotationSelector: sel.annotationSelector }, any);
}
