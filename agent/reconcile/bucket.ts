/**
 * Bucket reconciler (source.toolkit.fluxcd.io/v1, provider generic): list the bucket, skip the download
 * when the object index (key + etag) gives the stored revision, otherwise fetch the objects, pack them
 * unfiltered (the bucket's ignore rules already applied to its keys, as Flux does), store and report.
 */
import { parseDuration } from "../core/duration.ts";
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import { pack } from "../artifact/pack.ts";
import type { Sha256Factory } from "../artifact/digest.ts";
import type { ArtifactStore, StoredArtifact } from "../storage/artifact-store.ts";
import { fetchBucketArtifact } from "../source/bucket/fetch-bucket-artifact.ts";
import { bucketCredentialsFromSecret } from "../source/bucket/bucket-credentials.ts";
import type { Reconciler } from "./controller.ts";
import { readRawSecret, readSourceSecret, sourceFailure, sourceSuccess, storeArtifact, tlsFromSecret } from "./source-common.ts";
import type { BucketSpec } from "../api/bucket.ts";

export interface BucketDeps {
  store: ArtifactStore;
  fetchFor(tls: TlsOptions): Fetch;
  sha256?: Sha256Factory;
  onFetched?(bytes: number, seconds: number): void;
}


export function bucketReconciler(deps: BucketDeps): Reconciler {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "Bucket",
    controllerName: "source-controller",

    async reconcile(obj, ctx) {
      const spec = obj.spec as unknown as BucketSpec;
      // bucketCredentialsFromSecret reads the Secret object's base64 data, as Flux does.
      const credentials = spec.secretRef ? bucketCredentialsFromSecret(await readRawSecret(ctx, obj, spec.secretRef.name)) : undefined;
      const tls = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, obj, spec.certSecretRef.name)) : {};
      const current = ctx.status().artifact as StoredArtifact | undefined;
      const stillStored = current !== undefined && (await deps.store.get(current.path)) !== undefined;

      await ctx.progress(`listing bucket ${spec.bucketName} at ${spec.endpoint}`);
      const started = ctx.now().getTime();
      const fetched = await fetchBucketArtifact({
        ...spec,
        credentials,
        fetch: deps.fetchFor(tls),
        lastRevision: stillStored ? current!.revision : undefined,
        timeoutMs: spec.timeout ? parseDuration(spec.timeout) : 60_000,
      });
      if (fetched.unchanged) return sourceSuccess(current!, { observedIgnore: spec.ignore });

      const packed = await pack(fetched.files, { rules: fetched.rules, sha256: deps.sha256 });
      const hex = fetched.revision.replace(/^sha256:/, "");
      const stored = await storeArtifact(deps.store, obj, `${hex}.tar.gz`, packed.bytes, { revision: fetched.revision, digest: packed.digest });
      deps.onFetched?.(packed.bytes.byteLength, (ctx.now().getTime() - started) / 1000);
      if (current?.revision !== stored.revision) {
        await ctx.events.record(obj, {
          type: "Normal",
          reason: "NewArtifact",
          message: `stored artifact with ${fetched.objects} fetched files from '${spec.bucketName}' bucket`,
          metadata: { "source.toolkit.fluxcd.io/revision": stored.revision, "source.toolkit.fluxcd.io/digest": stored.digest },
        });
      }
      return sourceSuccess(stored, { observedIgnore: spec.ignore });
    },

    onFailure: (obj, err, ctx) => sourceFailure(obj, err, ctx),

    async finalize(obj) {
      await deps.store.removeAll({ kind: "Bucket", namespace: obj.metadata.namespace!, name: obj.metadata.name! });
    },
  };
}
