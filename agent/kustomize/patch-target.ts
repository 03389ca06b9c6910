/**
 * Which resources a patch or replacement selects: the shared selector (agent/core/selector.ts) applied
 * to a resource's current id (after earlier renames), as kustomize matches targets.
 */
import { selectorMatches, type ResourceSelector } from "../core/selector.ts";
import { curId, isObject, type Resource } from "./resource.ts";

/** True when the selector picks the resource (by its current id). */
export function selects(sel: ResourceSelector, res: Resource): boolean {
  const m = res.obj.metadata;
  return selectorMatches(sel, {
    ...curId(res.obj),
    labels: isObject(m?.labels) ? m.labels : {},
    annotations: isObject(m?.annotations) ? m.annotations : {},
  });
}
