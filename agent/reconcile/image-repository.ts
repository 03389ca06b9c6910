/**
 * ImageRepository (image.toolkit.fluxcd.io/v1), as image-reflector-controller reconciles it: scan the
 * registry's tags (agent/image/scan.ts) through the repository's client (image-registry.ts), keep the
 * tag file in the artifact store (`imagerepository/<ns>/<name>/tags.txt`, Flux's FluxStorage layout) so
 * ImagePolicies and a restarted agent read it from disk, and report `lastScanResult`,
 * `canonicalImageName` and `observedExclusionList`. Ready says Flux's "successful scan: found N tags with
 * checksum X"; a failed scan is ReadOperationFailed ("scan failed: ..."), a bad image ImageURLInvalid.
 * Limits: every reconcile scans (the controller requeues at spec.interval, so that is Flux's cadence).
 */
import { messageOf, RivuletError, TransientError } from "../core/errors.ts";
import { formatTime } from "../core/time.ts";
import { imageRepositoryKind, DEFAULT_EXCLUSION_LIST, type ImageRepositorySpec, type ImageRepositoryStatus } from "../api/image-repository.ts";
import { scanTags, tagsFile } from "../image/scan.ts";
import type { ArtifactStore, ObjectId } from "../storage/artifact-store.ts";
import type { Reconciler } from "./reconciler.ts";
import { imageRegistryClient, recordSucceeded, type ImageRegistryDeps } from "./image-registry.ts";

/** Where the scanned tags are kept, beside the object's other artifacts. */
export const TAGS_FILE = "tags.txt";

export interface ImageRepositoryDeps extends ImageRegistryDeps {
  store: ArtifactStore;
}

export const idOf = (namespace: string, name: string): ObjectId => ({ kind: imageRepositoryKind.kind, namespace, name });

export function imageRepositoryReconciler(deps: ImageRepositoryDeps): Reconciler<ImageRepositorySpec, ImageRepositoryStatus> {
  return {
    apiVersion: imageRepositoryKind.apiVersion,
    kind: imageRepositoryKind.kind,
    controllerName: "image-reflector-controller",
    async reconcile(obj, ctx) {
      const exclusionList = obj.spec.exclusionList ?? DEFAULT_EXCLUSION_LIST;
      const { client, name } = await imageRegistryClient(obj, ctx, deps);
      await ctx.progress(`scanning: ${obj.status?.lastScanResult ? "triggered by interval" : "first scan"}`);
      let scan;
      try {
        scan = await scanTags(client, exclusionList);
      } catch (err) {
        if (err instanceof RivuletError) throw err;
        throw new TransientError("ReadOperationFailed", `scan failed: ${messageOf(err)}`, { cause: err });
      }
      const { revision, tagCount } = scan.result;
      await deps.store.put(idOf(obj.metadata.namespace!, obj.metadata.name!), TAGS_FILE, tagsFile(scan.tags), { revision, digest: revision });
      const message = `successful scan: found ${tagCount} tags with checksum ${revision}`;
      await recordSucceeded(obj, ctx, message);
      return {
        reason: "Succeeded",
        message,
        status: {
          lastScanResult: { ...scan.result, scanTime: formatTime(ctx.now()) },
          canonicalImageName: name.canonical,
          observedExclusionList: exclusionList,
        },
      };
    },
    async finalize(obj) {
      await deps.store.removeAll(idOf(obj.metadata.namespace!, obj.metadata.name!));
    },
  };
}
