/**
 * The client a Kustomization or a HelmRelease acts with: the agent's own, or one impersonating
 * `system:serviceaccount:<namespace>:<name>` for spec.serviceAccountName (or --default-service-account).
 * The name is checked first, as the API server checks a ServiceAccount's name: it becomes part of the
 * impersonated user, where `team-b:tb-deployer` would read as another namespace's account, so a name
 * that is not a DNS-1123 subdomain is refused with the reason, before anything is read or written.
 */
import { TerminalError } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";

/** Kubernetes' limit on a DNS-1123 subdomain, which a ServiceAccount's name must be. */
export const MAX_NAME = 253;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` cannot name a ServiceAccount in `namespace`, or undefined when it can. */
export function serviceAccountNameProblem(name: string, namespace: string): string | undefined {
  if (name.includes(":")) return `a ServiceAccount is named without a namespace and must be in namespace ${namespace}`;
  if (name.length > MAX_NAME) return `a ServiceAccount's name is at most ${MAX_NAME} characters, not ${name.length}`;
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return "a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  }
  return undefined;
}

interface Owner {
  kind: string;
  metadata: { name?: string; namespace?: string };
  spec: { serviceAccountName?: string };
}

/**
 * The client `owner` acts with; a TerminalError (AccessDenied) when the ServiceAccount's name is not one,
 * naming where it came from.
 */
export function actingClient(client: KubeClient, owner: Owner, defaultServiceAccount?: string): KubeClient {
  const namespace = owner.metadata.namespace ?? "";
  const fromSpec = Boolean(owner.spec.serviceAccountName);
  const name = owner.spec.serviceAccountName || defaultServiceAccount;
  if (!name) return client;
  const problem = serviceAccountNameProblem(name, namespace);
  if (problem) {
    const field = fromSpec ? "spec.serviceAccountName" : "--default-service-account";
    throw new TerminalError("AccessDenied", `${formatRef(owner)}: cannot impersonate ${field} ${JSON.stringify(name)}: ${problem}`);
  }
  return client.impersonate(`system:serviceaccount:${namespace}:${name}`);
}
