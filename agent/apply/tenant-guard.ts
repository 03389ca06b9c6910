/**
 * Tenant guardrails, checked on the whole build before the first write (the reason rivulet exists): a
 * tenant's Kustomization or Helm release may only create namespaced objects in its own namespace. Objects without a
 * namespace are placed in it; cluster-scoped kinds are refused unless the platform team allowed them
 * (--allow-cluster-kinds). Every violation is reported at once, naming each object, so one fix suffices.
 */
import { TerminalError, messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";

export interface GuardOptions {
  namespace: string;
  allowedClusterKinds: string[];
  /** The Kustomization or release, for messages. */
  self: string;
}

/** A namespace an object names (a reference, a target or a storage namespace), for refuseOtherNamespaces. */
export interface NamespaceUse {
  /** How the message names the use, e.g. `dependsOn other/app` or `spec.targetNamespace other`. */
  what: string;
  /** The namespace named; unset means the object's own. */
  namespace?: string;
}

/**
 * Refuses, before anything is written, every use of a namespace other than the tenant's own (and those a
 * platform admin allowed), with one TerminalError naming each, so one fix suffices.
 */
export function refuseOtherNamespaces(self: string, namespace: string, uses: readonly NamespaceUse[], allowed: readonly string[] = []): void {
  const problems = uses
    .filter((u) => u.namespace !== undefined && u.namespace !== "" && u.namespace !== namespace && !allowed.includes(u.namespace))
    .map((u) => `${u.what} is outside namespace ${namespace}`);
  if (problems.length) throw new TerminalError("AccessDenied", `${self}: cross-namespace references are not allowed: ${problems.join("; ")}`);
}

/** A built object the API server can take: apiVersion, kind and metadata.name present. */
function isKubeObject(o: { apiVersion?: unknown; kind?: unknown; metadata?: unknown }): o is KubeObject {
  const meta = o.metadata;
  return typeof o.apiVersion === "string" && typeof o.kind === "string" && typeof meta === "object" && meta !== null && "name" in meta && typeof meta.name === "string";
}

/**
 * The build's objects as Kubernetes objects. kustomize refuses a resource without kind or name, so this
 * holds for every build; checking it here keeps a malformed object from reaching an apply as a vague
 * error from the API server.
 */
export function kubeObjects(objects: ReadonlyArray<{ apiVersion?: unknown; kind?: unknown; metadata?: unknown }>, self: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const [i, o] of objects.entries()) {
    if (!isKubeObject(o)) throw new TerminalError("BuildFailed", `${self}: object ${i + 1} of the build has no apiVersion, kind or metadata.name`);
    out.push(o);
  }
  return out;
}

/** Returns the objects with namespaces filled in, or throws one TerminalError listing every violation. */
export async function guardObjects(client: KubeClient, objects: KubeObject[], o: GuardOptions): Promise<KubeObject[]> {
  // Kinds defined by CRDs in the same build are not in discovery yet.
  const crdScopes = new Map<string, boolean>();
  for (const obj of objects) {
    if (obj.kind !== "CustomResourceDefinition") continue;
    const spec = obj.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
    if (spec?.group && spec.names?.kind) crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === "Namespaced");
  }
  const problems: string[] = [];
  const out: KubeObject[] = [];
  for (const obj of objects) {
    const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0]! : "";
    let namespaced: boolean | undefined = crdScopes.get(`${group}/${obj.kind}`);
    if (namespaced === undefined) {
      try {
        namespaced = (await client.resource(obj.apiVersion, obj.kind)).namespaced;
      } catch (err) {
        problems.push(`${formatRef(obj)}: ${messageOf(err)}`);
        continue;
      }
    }
    if (!namespaced) {
      if (!o.allowedClusterKinds.includes(obj.kind)) {
        problems.push(`${formatRef({ kind: obj.kind, metadata: { name: obj.metadata.name } })} is cluster-scoped: tenants may not apply cluster-scoped objects (a platform admin can allow the kind with --allow-cluster-kinds)`);
        continue;
      }
      const { namespace: _drop, ...meta } = obj.metadata;
      out.push({ ...obj, metadata: meta });
      continue;
    }
    const ns = obj.metadata.namespace;
    if (ns && ns !== o.namespace) {
      problems.push(`${formatRef(obj)} targets namespace ${ns}: this agent only applies to namespace ${o.namespace} (remove metadata.namespace or set spec.targetNamespace: ${o.namespace})`);
      continue;
    }
    out.push(ns ? obj : { ...obj, metadata: { ...obj.metadata, namespace: o.namespace } });
  }
  if (problems.length) {
    throw new TerminalError("AccessDenied", `${o.self}: refused before applying anything: ${problems.join("; ")}`);
  }
  return out;
}
