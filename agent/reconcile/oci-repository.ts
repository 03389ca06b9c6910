/**
 * OCIRepository (source.toolkit.fluxcd.io/v1) on the source skeleton: resolve the ref to a manifest
 * digest (nothing is pulled when it is the stored one), verify the digest's cosign signature before
 * anything is pulled when spec.verify is set (an unverified artifact is never stored, built or applied:
 * SourceVerified=False and the last verified artifact stays), then pull the selected layer, extract (and
 * repack with ignore rules) and store it as `sha256:<hex>.tar.gz`, or copy it unchanged as
 * `sha256:<hex>.tgz` (how a Helm chart layer becomes a HelmRelease's chartRef), named after the digest
 * part of the revision as Flux.
 */
import { parseDuration } from "../core/duration.ts";
import { ociRepositoryKind, type OCIRepositorySpec, type OCIRepositoryStatus } from "../api/oci-repository.ts";
import { fetchOciArtifact, type ResolvedOciArtifact } from "../source/oci/fetch-oci-artifact.ts";
import { credentialsFromDockerConfig } from "../source/oci/registry-auth.ts";
import { parseOciReference } from "../source/oci/oci-reference.ts";
import { verifyOciArtifact } from "../verify/verify-oci-artifact.ts";
import type { KeylessVerifier } from "../verify/keyless.ts";
import type { Reconciler } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import { sourceReconciler, type SourceDeps } from "./source-reconciler.ts";

export interface OciRepositoryDeps extends SourceDeps {
  /** Keyless verification with a trusted root (public-good when undefined). */
  keyless(trustedRootJson?: string): KeylessVerifier;
}

export function ociRepositoryReconciler(deps: OciRepositoryDeps): Reconciler<OCIRepositorySpec, OCIRepositoryStatus> {
  return sourceReconciler<OCIRepositorySpec, OCIRepositoryStatus, ResolvedOciArtifact>(
    {
      definition: ociRepositoryKind,
      fetching: (spec) => `fetching ${spec.url}`,
      contentKey: (spec) => ({ observedIgnore: spec.ignore, observedLayerSelector: spec.layerSelector }),
      status: (spec, artifact) => ({ artifact, observedIgnore: spec.ignore, observedLayerSelector: spec.layerSelector }),

      async fetch({ obj, ctx, lastRevision, verify }) {
        const spec = obj.spec;
        const pull = spec.secretRef ? await readSourceSecret(ctx, obj, spec.secretRef.name) : undefined;
        const host = parseOciReference(spec.url).host;
        const credentials = pull?.[".dockerconfigjson"] ? credentialsFromDockerConfig(pull[".dockerconfigjson"], host) : undefined;
        const tls = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, obj, spec.certSecretRef.name)) : {};
        const result = await fetchOciArtifact({
          url: spec.url,
          ref: spec.ref,
          layerSelector: spec.layerSelector,
          fetch: deps.fetchFor(tls),
          credentials,
          insecure: spec.insecure,
          lastDigest: lastRevision?.split("@").pop(),
          sha256: deps.sha256,
          gunzip: deps.gunzip,
          // Verified after resolving and before pulling: an unverified layer is never downloaded.
          verify,
          // spec.timeout defaults to 60s in the CRD; an object stored without it still gets a deadline.
          signal: AbortSignal.timeout(parseDuration(spec.timeout ?? "60s")),
          // The agent's one artifact size bounds the layer and what it unpacks to.
          ...(deps.limits ? { maxLayerSize: deps.limits.maxArtifactSize, maxUnpackedSize: deps.limits.maxArtifactSize } : {}),
        });
        if (result.status === "unchanged") {
          const verification = spec.verify ? { verified: true as const, message: `verified signature of revision ${result.revision} (unchanged digest)` } : undefined;
          return { unchanged: true, revision: result.revision, verification };
        }
        if (result.status === "unverified") {
          const v = result.verification;
          return { rejected: v.verified ? { verified: false, reason: "VerificationError", message: v.message } : v, revision: result.revision };
        }
        return {
          unchanged: false,
          revision: result.revision,
          // As source-controller: a copied layer (a Helm chart for chartRef) is `<digest>.tgz`, an extracted one `<digest>.tar.gz`.
          file: `${result.revision.split("@").pop()}.${result.operation === "copy" ? "tgz" : "tar.gz"}`,
          content: result.files ? { files: result.files, ignore: spec.ignore } : { bytes: result.layer.bytes },
          metadata: result.metadata,
          verification: result.verification,
          message: `stored artifact with revision '${result.revision}' from '${spec.url}'`,
        };
      },

      verification: {
        asked: (spec) => spec.verify !== undefined,
        async build(obj, ctx) {
          const verify = obj.spec.verify!;
          const keySecret = verify.secretRef ? await readSourceSecret(ctx, obj, verify.secretRef.name) : {};
          const keys = Object.entries(keySecret).filter(([k]) => k.endsWith(".pub")).map(([name, pem]) => ({ name, pem }));
          const root = verify.trustedRootSecretRef ? (await readSourceSecret(ctx, obj, verify.trustedRootSecretRef.name))["trusted_root.json"] : undefined;
          const keyless = keys.length ? undefined : deps.keyless(root);
          return async (r) => {
            const v = await verifyOciArtifact({ client: r.client, digest: r.digest, provider: verify.provider, keys, identities: verify.matchOIDCIdentity, trustedRootJson: root, keyless });
            return v.verified ? { verified: true, message: `verified signature of revision ${r.revision} (${v.method}, ${v.format})` } : v;
          };
        },
        failed: (v, revision) => `failed to verify the signature of ${revision}: ${v.reason}: ${v.message}`,
      },
    },
    deps,
  );
}
