/**
 * The tenant install (deploy/tenant/) placed in a namespace: the same objects a platform team applies
 * with `kubectl apply -k`, with metadata.namespace and ServiceAccount subjects set to the namespace;
 * and a token for the agent's ServiceAccount from the TokenRequest API (what a pod would mount).
 */
import type { KubeClient } from "./client.ts";
import type { KubeObject } from "./types.ts";
import { requestToken } from "./service-account-token.ts";

/** The files of deploy/tenant/ in the order its kustomization lists them. */
export const TENANT_FILES = ["service-account.yaml", "role-agent.yaml", "role-reconciler.yaml", "role-bindings.yaml", "network-policy.yaml"];

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

/** Creates the namespace if needed and applies the tenant objects in it. */
export async function installTenant(client: KubeClient, namespace: string, docs: KubeObject[], fieldManager: string): Promise<KubeObject[]> {
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, { fieldManager });
  const applied: KubeObject[] = [];
  for (const o of tenantObjects(docs, namespace)) applied.push(await client.apply(o, { fieldManager }));
  return applied;
}

/** A bearer token for system:serviceaccount:NS:NAME (the ServiceAccount is created if missing). */
export async function serviceAccountToken(client: KubeClient, namespace: string, name: string, fieldManager: string, expirationSeconds = 3600): Promise<string> {
  await client.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }, { fieldManager });
  return (await requestToken(client, namespace, name, expirationSeconds)).token;
}

interface KubeconfigDoc {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string } }>;
  "current-context": string;
}

/** A kubeconfig (JSON text) for `token` on the cluster of `base`'s current context. */
export function kubeconfigForToken(base: KubeconfigDoc, user: string, token: string, namespace: string): string {
  const clusterName = base.contexts.find((x) => x.name === base["current-context"])?.context.cluster ?? base.clusters[0]?.name;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: base.clusters.filter((x) => x.name === clusterName),
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: clusterName, user, namespace } }],
      "current-context": user,
    },
    null,
    2,
  );
}
