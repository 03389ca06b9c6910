/**
 * Bucket (source.toolkit.fluxcd.io/v1, provider generic) on the source skeleton: list the bucket (no
 * download when the object index, key + etag, gives the stored revision), otherwise fetch the objects
 * and pack them with the rules the fetch applied to their keys (so ignored objects are never downloaded, as
 * in Flux).
 */
import { parseDuration } from "../core/duration.ts";
import { bucketKind, type BucketSpec, type BucketStatus } from "../api/bucket.ts";
import { fetchBucketArtifact } from "../source/bucket/fetch-bucket-artifact.ts";
import { bucketCredentialsFromSecret } from "../source/bucket/bucket-credentials.ts";
import type { Reconciler } from "./reconciler.ts";
import { readRawSecret, readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import { sourceReconciler, type SourceDeps } from "./source-reconciler.ts";

export function bucketReconciler(deps: SourceDeps): Reconciler<BucketSpec, BucketStatus> {
  return sourceReconciler<BucketSpec, BucketStatus>(
    {
      definition: bucketKind,
      fetching: (spec) => `listing bucket ${spec.bucketName} at ${spec.endpoint}`,
      // The revision hashes the keys the ignore rules keep, so the stored file is the only condition.
      contentKey: () => ({}),
      status: (spec, artifact) => ({ artifact, observedIgnore: spec.ignore }),

      async fetch({ obj, ctx, lastRevision }) {
        const spec = obj.spec;
        // bucketCredentialsFromSecret reads the Secret object's base64 data, as Flux does.
        const credentials = spec.secretRef ? bucketCredentialsFromSecret(await readRawSecret(ctx, obj, spec.secretRef.name)) : undefined;
        const tls = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, obj, spec.certSecretRef.name)) : {};
        const fetched = await fetchBucketArtifact({
          ...spec,
          credentials,
          fetch: deps.fetchFor(tls),
          lastRevision,
          timeoutMs: spec.timeout ? parseDuration(spec.timeout) : 60_000,
          // The agent's one set of limits, checked on the listing before anything is downloaded.
          ...(deps.limits ? { limits: { maxSize: deps.limits.maxArtifactSize, maxObjects: deps.limits.maxEntries } } : {}),
        });
        if (fetched.unchanged) return { unchanged: true, revision: fetched.revision };
        return {
          unchanged: false,
          revision: fetched.revision,
          file: `${fetched.revision.replace(/^sha256:/, "")}.tar.gz`,
          content: { files: fetched.files, rules: fetched.rules },
          message: `stored artifact with ${fetched.objects} fetched files from '${spec.bucketName}' bucket`,
        };
      },
    },
    deps,
  );
}
