/**
 * Helm's ownership metadata (pkg/action/validate.go; read, not copied): every object of a release carries
 * the label `app.kubernetes.io/managed-by: Helm` and the annotations `meta.helm.sh/release-name` and
 * `meta.helm.sh/release-namespace`. An existing object may join a release only when it already carries
 * exactly these values for that release (or when the caller takes ownership, as helm-controller does
 * unless `disableTakeOwnership`); otherwise the action stops before writing anything, with Helm's text.
 */
import type { KubeObject } from "../kube/types.ts";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_HELM = "Helm";
export const RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name";
export const RELEASE_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace";
/** `helm.sh/resource-policy: keep` keeps an object when an upgrade drops it or the release is uninstalled. */
export const RESOURCE_POLICY_ANNOTATION = "helm.sh/resource-policy";
export const KEEP_POLICY = "keep";

export interface ReleaseId {
  name: string;
  namespace: string;
}

/** A copy of the object carrying the release's ownership metadata (Helm's values win). */
export function withOwnership(obj: KubeObject, release: ReleaseId): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_HELM },
      annotations: { ...obj.metadata.annotations, [RELEASE_NAME_ANNOTATION]: release.name, [RELEASE_NAMESPACE_ANNOTATION]: release.namespace },
    },
  };
}

/** Why a live object is not this release's, in Helm's words; undefined when it is. */
export function ownershipProblem(live: KubeObject, release: ReleaseId): string | undefined {
  const problems: string[] = [];
  const label = requireValue(live.metadata.labels, MANAGED_BY_LABEL, MANAGED_BY_HELM);
  if (label) problems.push(`label validation error: ${label}`);
  for (const [key, value] of [
    [RELEASE_NAME_ANNOTATION, release.name],
    [RELEASE_NAMESPACE_ANNOTATION, release.namespace],
  ] as const) {
    const p = requireValue(live.metadata.annotations, key, value);
    if (p) problems.push(`annotation validation error: ${p}`);
  }
  return problems.length ? `invalid ownership metadata; ${problems.join("; ")}` : undefined;
}

function requireValue(meta: Record<string, string> | undefined, key: string, want: string): string | undefined {
  const actual = meta?.[key];
  if (actual === undefined) return `missing key ${JSON.stringify(key)}: must be set to ${JSON.stringify(want)}`;
  if (actual !== want) return `key ${JSON.stringify(key)} must equal ${JSON.stringify(want)}: current value is ${JSON.stringify(actual)}`;
  return undefined;
}

/** How Helm names an object in these errors: `Deployment "web" in namespace "team"`. */
export function resourceString(obj: KubeObject): string {
  return `${obj.kind} ${JSON.stringify(obj.metadata.name ?? "")} in namespace ${JSON.stringify(obj.metadata.namespace ?? "")}`;
}

export function isKept(obj: KubeObject | undefined): boolean {
  // Helm reads the policy trimmed and lower-cased.
  return obj?.metadata.annotations?.[RESOURCE_POLICY_ANNOTATION]?.trim().toLowerCase() === KEEP_POLICY;
}
