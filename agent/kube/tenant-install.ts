/**
 * The tenant install (deploy/tenant/) placed in a namespace: the same objects a platform team applies
 * with `kubectl apply -k`, with metadata.namespace and ServiceAccount subjects set to the namespace.
 */
import type { KubeObject } from "./types.ts";

export function tenantObjects(docs: KubeObject[], namespace: string): KubeObject[] {
  return docs.map((d) => {
    const o = structuredClone(d);
    o.metadata = { ...o.metadata, namespace };
    if (Array.isArray(o.subjects)) {
      o.subjects = (o.subjects as Array<Record<string, unknown>>).map((s) =>
        s.kind === "ServiceAccount" ? { ...s, namespace } : s,
      );
    }
    return o;
  });
}

/** The files of deploy/tenant/ in the order its kustomization lists them. */
export const TENANT_FILES = ["service-account.yaml", "role-agent.yaml", "role-reconciler.yaml", "role-bindings.yaml"];
