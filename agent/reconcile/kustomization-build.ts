/**
 * A Kustomization's build as the reconciler and `rivulet diff kustomization` both run it: with the client
 * it acts with (service-account.ts), substituteFrom data and decryption keys read with
 * that client, Flux's build of the artifact's files with decryption in its two places
 * (kustomization-decrypt.ts), then the tenant guardrails on every object. Nothing here writes.
 */
import { TransientError, messageOf } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import { limitDocuments } from "../kustomize/document-limit.ts";
import { DEFAULTS as LIMITS } from "../core/limits.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { KustomizationSpec as ApiKustomizationSpec, KustomizationStatus } from "../api/kustomization.ts";
import { emitDocuments } from "../yaml/emit.ts";
import type { KindObject } from "./reconciler.ts";
import { guardObjects, kubeObjects } from "../apply/tenant-guard.ts";
import { readSubstituteFrom } from "./substitute-from.ts";
import { buildDecryption } from "./kustomization-decrypt.ts";
import { noKeysNote, readDecryptionKeyring } from "./decryption-keys.ts";
import type { SopsKeyring } from "../sops/sops.ts";

/** The API's spec, read where the build expects its overlay fields. */
export type KustomizationSpec = ApiKustomizationSpec & FluxKustomizationSpec;

/** A Kustomization as its reconciler and `rivulet diff kustomization` see it. */
export type KustomizationObject = KindObject<ApiKustomizationSpec, KustomizationStatus>;

/**
 * Build and guardrails, as the reconciler runs them (and `rivulet diff kustomization`): substituteFrom
 * data and the spec.decryption keyring read with `client` (unless `o.keyring` stands in for it, as
 * `--decrypt-key` does), the Flux build of `files`, then every object checked for tenancy. Returns the
 * objects to apply (namespaces filled in) and the rendered stream's digest.
 */
export async function buildKustomizationObjects(
  client: KubeClient,
  ks: KustomizationObject,
  files: TreeReader,
  revision: string,
  o: { allowedClusterKinds: string[]; strictSubstitution?: boolean; keyring?: SopsKeyring; maxDocumentSize?: number },
): Promise<{ objects: KubeObject[]; digest: string }> {
  const spec: KustomizationSpec = ks.spec;
  const ns = ks.metadata.namespace!;
  const self = formatRef(ks);
  const substituteFrom = await readSubstituteFrom(client, spec, ns, self);
  const keyring = o.keyring ?? (ks.spec.decryption ? await readDecryptionKeyring(client, ks, self) : undefined);
  const decryption = buildDecryption(keyring);
  let built;
  try {
    // Documents over the limit are refused as the build reads them, before they are parsed.
    built = await fluxBuild(limitDocuments(files, o.maxDocumentSize ?? LIMITS.maxDocumentSize), spec, { emit: emitDocuments, substituteFrom, strict: o.strictSubstitution, ...decryption.hooks });
  } catch (cause) {
    const err = decryption.safeError(cause);
    const note = keyring && !o.keyring && /key group/.test(messageOf(err)) ? noKeysNote(keyring, ks) : "";
    throw new TransientError("BuildFailed", `${self}: build of revision ${revision} failed: ${messageOf(err)}${note}`, { cause: err });
  }
  const objects = await guardObjects(client, kubeObjects(built.objects, self), { namespace: ns, allowedClusterKinds: o.allowedClusterKinds, self });
  return { objects, digest: built.digest };
}
