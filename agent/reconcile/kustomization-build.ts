/**
 * A Kustomization's build as the reconciler and `rivulet diff kustomization` both run it: the client it
 * acts with (impersonating spec.serviceAccountName), substituteFrom data read with that client, Flux's
 * build of the artifact's files, then the tenant guardrails on every object. Nothing here writes.
 */
import { TransientError, messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { KustomizationSpec as ApiKustomizationSpec, KustomizationStatus } from "../api/kustomization.ts";
import { emitDocuments } from "../yaml/emit.ts";
import type { KindObject } from "./reconciler.ts";
import { guardObjects, kubeObjects } from "../apply/tenant-guard.ts";
import { readSubstituteFrom } from "./substitute-from.ts";

/** The API's spec, read where the build expects its overlay fields. */
export type KustomizationSpec = ApiKustomizationSpec & FluxKustomizationSpec;

/** A Kustomization as its reconciler and `rivulet diff kustomization` see it. */
export type KustomizationObject = KindObject<ApiKustomizationSpec, KustomizationStatus>;

/** The client a Kustomization acts with: impersonating spec.serviceAccountName (or the default) if set. */
export function actingAs(client: KubeClient, ks: KustomizationObject, defaultServiceAccount?: string): KubeClient {
  const sa = ks.spec.serviceAccountName || defaultServiceAccount;
  return sa ? client.impersonate(`system:serviceaccount:${ks.metadata.namespace}:${sa}`) : client;
}

/**
 * Build and guardrails, as the reconciler runs them (and `rivulet diff kustomization`): substituteFrom
 * data read with `client`, the Flux build of `files`, then every object checked for tenancy. Returns the
 * objects to apply (namespaces filled in) and the rendered stream's digest.
 */
export async function buildKustomizationObjects(
  client: KubeClient,
  ks: KustomizationObject,
  files: TreeReader,
  revision: string,
  o: { allowedClusterKinds: string[]; strictSubstitution?: boolean },
): Promise<{ objects: KubeObject[]; digest: string }> {
  const spec: KustomizationSpec = ks.spec;
  const ns = ks.metadata.namespace!;
  const self = formatRef(ks);
  const substituteFrom = await readSubstituteFrom(client, spec, ns, self);
  let built;
  try {
    built = await fluxBuild(files, spec, { emit: emitDocuments, substituteFrom, strict: o.strictSubstitution });
  } catch (err) {
    throw new TransientError("BuildFailed", `${self}: build of revision ${revision} failed: ${messageOf(err)}`, { cause: err });
  }
  const objects = await guardObjects(client, kubeObjects(built.objects, self), { namespace: ns, allowedClusterKinds: o.allowedClusterKinds, self });
  return { objects, digest: built.digest };
}
