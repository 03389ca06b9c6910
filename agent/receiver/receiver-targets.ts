/**
 * The objects a Receiver's spec.resources name, resolved as notification-controller resolves them:
 * the namespace defaults to the Receiver's, the apiVersion to Flux's for the kinds it knows, and `*`
 * selects by matchLabels. A per-tenant agent holds the tenant boundary here, before any request: an
 * entry in another namespace is refused (Flux's --no-cross-namespace-refs), never read or written.
 */

/** The apiVersion notification-controller assumes when an entry names none (defaultFluxAPIVersions). */
export const DEFAULT_API_VERSIONS: Readonly<Record<string, string>> = {
  Bucket: "source.toolkit.fluxcd.io/v1",
  HelmChart: "source.toolkit.fluxcd.io/v1",
  HelmRepository: "source.toolkit.fluxcd.io/v1",
  GitRepository: "source.toolkit.fluxcd.io/v1",
  OCIRepository: "source.toolkit.fluxcd.io/v1",
  ImageRepository: "image.toolkit.fluxcd.io/v1",
  ArtifactGenerator: "source.extensions.fluxcd.io/v1beta1",
};

export interface ResourceEntry {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  matchLabels?: Record<string, string>;
}

/** One object (name) or a label selection (`*`) to annotate, always in the tenant's namespace. */
export type Target =
  | { apiVersion: string; kind: string; namespace: string; name: string }
  | { apiVersion: string; kind: string; namespace: string; labelSelector: string };

export interface TargetPlan {
  targets: Target[];
  /** Entries refused, each as `<entry>: <why>`; nothing is done for them. */
  refused: string[];
}

export function planTargets(resources: readonly ResourceEntry[], receiverNamespace: string): TargetPlan {
  const plan: TargetPlan = { targets: [], refused: [] };
  for (const r of resources) {
    const label = `${r.kind}/${r.namespace ?? receiverNamespace}/${r.name}`;
    const namespace = r.namespace || receiverNamespace;
    if (namespace !== receiverNamespace) {
      plan.refused.push(`${label}: cross-namespace references are not allowed`);
      continue;
    }
    const apiVersion = r.apiVersion || DEFAULT_API_VERSIONS[r.kind];
    if (!apiVersion) {
      plan.refused.push(`${label}: apiVersion must be specified for kind "${r.kind}"`);
      continue;
    }
    if (r.name !== "*") {
      plan.targets.push({ apiVersion, kind: r.kind, namespace, name: r.name });
      continue;
    }
    if (!r.matchLabels) {
      plan.refused.push(`${label}: matchLabels field not set when using wildcard '*' as name`);
      continue;
    }
    const labelSelector = Object.keys(r.matchLabels)
      .sort()
      .map((k) => `${k}=${r.matchLabels![k]}`)
      .join(",");
    plan.targets.push({ apiVersion, kind: r.kind, namespace, labelSelector });
  }
  return plan;
}
