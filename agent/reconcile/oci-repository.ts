/**
 * OCIRepository reconciler (source.toolkit.fluxcd.io/v1): resolve the ref to a manifest digest, stop
 * when it is the stored one, verify the digest's cosign signature before anything is pulled when
 * spec.verify is set (an unverified artifact is never stored, built or applied: SourceVerified=False and
 * the last verified artifact stays), then pull the selected layer, extract (and repack with ignore rules)
 * or copy it, and store it as `sha256:<hex>.tar.gz`, named after the digest part of the revision as Flux.
 */
import { TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import { pack } from "../artifact/pack.ts";
import { digestOf, type Sha256Factory } from "../artifact/digest.ts";
import type { NativeGunzip } from "../artifact/gunzip.ts";
import type { ArtifactStore, StoredArtifact } from "../storage/artifact-store.ts";
import { fetchOciArtifact } from "../source/oci/fetch-oci-artifact.ts";
import { credentialsFromDockerConfig } from "../source/oci/registry-auth.ts";
import { parseOciReference } from "../source/oci/oci-reference.ts";
import { verifyOciArtifact } from "../verify/verify-oci-artifact.ts";
import type { KeylessVerifier } from "../verify/keyless.ts";
import type { Reconciler } from "./controller.ts";
import { readSourceSecret, sourceFailure, sourceSuccess, storeArtifact, tlsFromSecret } from "./source-common.ts";
import type { OCIRepositorySpec } from "../api/oci-repository.ts";

export interface OciRepositoryDeps {
  store: ArtifactStore;
  fetchFor(tls: TlsOptions): Fetch;
  /** Keyless verification with a trusted root (public-good when undefined). */
  keyless(trustedRootJson?: string): KeylessVerifier;
  sha256?: Sha256Factory;
  gunzip?: NativeGunzip;
  onFetched?(bytes: number, seconds: number): void;
}


export function ociRepositoryReconciler(deps: OciRepositoryDeps): Reconciler {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "OCIRepository",
    controllerName: "source-controller",

    async reconcile(obj, ctx) {
      const spec = obj.spec as unknown as OCIRepositorySpec;
      const pull = spec.secretRef ? await readSourceSecret(ctx, obj, spec.secretRef.name) : undefined;
      const host = parseOciReference(spec.url).host;
      const credentials = pull?.[".dockerconfigjson"] ? credentialsFromDockerConfig(pull[".dockerconfigjson"], host) : undefined;
      const tls = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, obj, spec.certSecretRef.name)) : {};
      const verifyConfig = spec.verify ? await verificationInputs(spec.verify) : undefined;

      const current = ctx.status().artifact as StoredArtifact | undefined;
      // Skip the pull only when the stored artifact exists and was verified under the same settings.
      const reusable =
        current !== undefined &&
        (await deps.store.get(current.path)) !== undefined &&
        JSON.stringify(ctx.status().observedLayerSelector ?? null) === JSON.stringify(spec.layerSelector ?? null) &&
        (ctx.status().observedIgnore ?? undefined) === (spec.ignore ?? undefined) &&
        // A verified artifact is reused only if it was verified under this generation's verify settings.
        (!spec.verify ||
          (ctx.status().conditions ?? []).some((c) => c.type === "SourceVerified" && c.status === "True" && c.observedGeneration === obj.metadata.generation));

      await ctx.progress(`fetching ${spec.url}`);
      const started = ctx.now().getTime();
      const result = await fetchOciArtifact({
        url: spec.url,
        ref: spec.ref,
        layerSelector: spec.layerSelector,
        fetch: deps.fetchFor(tls),
        credentials,
        insecure: spec.insecure,
        lastDigest: reusable ? current!.revision.split("@").pop() : undefined,
        sha256: deps.sha256,
        gunzip: deps.gunzip,
        verify: verifyConfig ? (r) => verifyOciArtifact({ client: r.client, digest: r.digest, provider: spec.verify!.provider, ...verifyConfig }) : undefined,
        signal: spec.timeout ? AbortSignal.timeout(parseDuration(spec.timeout)) : undefined,
      });
      const observed = { observedIgnore: spec.ignore, observedLayerSelector: spec.layerSelector };
      const verified = (method: string) => [{ type: "SourceVerified", status: "True" as const, reason: "Succeeded", message: `verified signature of revision ${result.revision} (${method})`, observedGeneration: obj.metadata.generation }];

      if (result.status === "unchanged") return sourceSuccess(current!, observed, spec.verify ? verified("unchanged digest") : []);
      if (result.status === "unverified") {
        const v = result.verification as { verified: false; reason: string; message: string };
        throw new TransientError("VerificationError", `failed to verify the signature of ${result.revision}: ${v.reason}: ${v.message}`);
      }

      let bytes: Uint8Array;
      let digest: string;
      if (result.files) {
        const packed = await pack(result.files, { ignore: spec.ignore, sha256: deps.sha256 });
        bytes = packed.bytes;
        digest = packed.digest;
      } else {
        bytes = result.layer.bytes;
        digest = await digestOf(bytes, deps.sha256);
      }
      const file = `${result.revision.split("@").pop()}.tar.gz`;
      const stored = await storeArtifact(deps.store, obj, file, bytes, { revision: result.revision, digest, metadata: result.metadata });
      deps.onFetched?.(bytes.byteLength, (ctx.now().getTime() - started) / 1000);
      if (current?.revision !== stored.revision) {
        await ctx.events.record(obj, {
          type: "Normal",
          reason: "NewArtifact",
          message: `stored artifact with revision '${stored.revision}' from '${spec.url}'`,
          metadata: { "source.toolkit.fluxcd.io/revision": stored.revision, "source.toolkit.fluxcd.io/digest": stored.digest },
        });
      }
      const v = result.verification as { verified: true; method: string; format: string } | undefined;
      return sourceSuccess(stored, observed, v ? verified(`${v.method}, ${v.format}`) : []);


      async function verificationInputs(verify: NonNullable<OCIRepositorySpec["verify"]>) {
        const keySecret = verify.secretRef ? await readSourceSecret(ctx, obj, verify.secretRef.name) : {};
        const keys = Object.entries(keySecret).filter(([k]) => k.endsWith(".pub")).map(([name, pem]) => ({ name, pem }));
        const root = verify.trustedRootSecretRef ? (await readSourceSecret(ctx, obj, verify.trustedRootSecretRef.name))["trusted_root.json"] : undefined;
        return { keys, identities: verify.matchOIDCIdentity, trustedRootJson: root, keyless: keys.length ? undefined : deps.keyless(root) };
      }
    },

    onFailure: (obj, err, ctx) =>
      sourceFailure(obj, err, ctx, (reason) => (reason === "VerificationError" ? { type: "SourceVerified", status: "False" } : { type: "FetchFailed", status: "True" })),

    async finalize(obj) {
      await deps.store.removeAll({ kind: "OCIRepository", namespace: obj.metadata.namespace!, name: obj.metadata.name! });
    },
  };
}
