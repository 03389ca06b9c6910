/**
 * Checks, before the agent starts, that its identity can do what it needs in its namespace, using
 * SelfSubjectAccessReview (every authenticated identity may ask). One message lists everything missing,
 * so a platform team fixes the Role once instead of meeting Forbidden errors one at a time.
 */
import type { KubeClient } from "./client.ts";

export interface Permission {
  verb: string;
  group: string;
  resource: string;
}

/** What `rivulet run` needs at minimum: its Lease, Events, and reading the Flux objects it serves. */
export const AGENT_PERMISSIONS: Permission[] = [
  { verb: "get", group: "coordination.k8s.io", resource: "leases" },
  { verb: "create", group: "coordination.k8s.io", resource: "leases" },
  { verb: "update", group: "coordination.k8s.io", resource: "leases" },
  { verb: "create", group: "", resource: "events" },
  { verb: "list", group: "source.toolkit.fluxcd.io", resource: "gitrepositories" },
  { verb: "watch", group: "source.toolkit.fluxcd.io", resource: "gitrepositories" },
  { verb: "list", group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations" },
  { verb: "watch", group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations" },
  { verb: "get", group: "", resource: "secrets" },
];

export function describePermission(p: Permission): string {
  return `${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}`;
}

/** Returns the permissions the identity lacks in the namespace (empty when all are granted). */
export async function missingPermissions(client: KubeClient, namespace: string, wanted: Permission[]): Promise<Permission[]> {
  const answers = await Promise.all(
    wanted.map(async (p) => {
      const review = (await client.raw("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { namespace, verb: p.verb, group: p.group, resource: p.resource } },
      })) as { status?: { allowed?: boolean } };
      return review.status?.allowed === true;
    }),
  );
  return wanted.filter((_, i) => !answers[i]);
}
