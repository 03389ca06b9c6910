/**
 * ImagePolicy (image.toolkit.fluxcd.io/v1), as image-reflector-controller reconciles it: read the
 * referenced ImageRepository (same namespace only: a cross-namespace reference is refused before anything
 * is read), its scanned tags from the artifact store, choose the latest (agent/image/policy.ts), look up
 * its digest when digestReflectionPolicy asks, and report `latestRef` with `observedPreviousRef` when it
 * changed. Reasons and messages are Flux's: InvalidPolicy (stalled), AccessDenied, DependencyNotReady
 * (no repository or no tags yet), Failure; Ready "Latest image tag for NAME resolved to TAG ...", and an
 * event whenever that message changes (a new latest image).
 */
import { NotReadyError, TerminalError, TransientError } from "../core/errors.ts";
import { formatDuration } from "../core/duration.ts";
import { imagePolicyKind, type ImagePolicySpec, type ImagePolicyStatus, type ImageRef } from "../api/image-policy.ts";
import { imageRepositoryKind } from "../api/image-repository.ts";
import { compilePolicy } from "../image/policy.ts";
import { parseTagsFile } from "../image/scan.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { KindObject, ReconcileContext, Reconciler } from "./reconciler.ts";
import { imageNameOf, imageRegistryClient, recordSucceeded, type ImageRegistryDeps, type ImageRepositoryObject } from "./image-registry.ts";
import { idOf, TAGS_FILE } from "./image-repository.ts";

export const DEFAULTS = {
  /** Flux's --requeue-dependency: how soon a policy looks again for a repository or tags not there yet. */
  dependencyRequeueMs: 30_000,
};

export interface ImagePolicyDeps extends ImageRegistryDeps {
  store: ArtifactStore;
}

type Obj = KindObject<ImagePolicySpec, ImagePolicyStatus>;

export function imagePolicyReconciler(deps: ImagePolicyDeps): Reconciler<ImagePolicySpec, ImagePolicyStatus> {
  return {
    apiVersion: imagePolicyKind.apiVersion,
    kind: imagePolicyKind.kind,
    controllerName: "image-reflector-controller",
    async reconcile(obj, ctx) {
      const spec = obj.spec;
      if (spec.digestReflectionPolicy === "Always" && !spec.interval) {
        throw new TerminalError("IntervalNotConfigured", "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'");
      }
      const policy = compilePolicy(spec);
      if (!policy.ok) throw new TerminalError("InvalidPolicy", policy.message);
      const repo = await imageRepositoryOf(obj, ctx);
      // A policy over an image Flux cannot read stalls as the repository does.
      imageNameOf(repo);
      const tags = await tagsOf(repo, deps.store);
      const latest = policy.latest(tags);
      if (!latest.ok) throw new TransientError("Failure", latest.message);

      const ref: ImageRef = { name: repo.spec.image, tag: latest.tag };
      const current = obj.status?.latestRef;
      const mode = spec.digestReflectionPolicy ?? "Never";
      if (mode === "IfNotPresent" && current && current.name === ref.name && current.tag === ref.tag && current.digest) ref.digest = current.digest;
      else if (mode !== "Never") ref.digest = await digestOf(repo, ref, ctx, deps);

      const changed = !current || !sameRef(current, ref);
      const latestRef = changed ? ref : current;
      const observedPreviousRef = changed ? current : obj.status?.observedPreviousRef;
      const message = readyMessage(latestRef, observedPreviousRef);
      await recordSucceeded(obj, ctx, message);
      return {
        reason: "Succeeded",
        message,
        status: { latestRef, observedPreviousRef },
      };
    },
  };
}

async function imageRepositoryOf(obj: Obj, ctx: ReconcileContext<ImagePolicyStatus>): Promise<ImageRepositoryObject> {
  const own = obj.metadata.namespace!;
  const { name, namespace = own } = obj.spec.imageRepositoryRef;
  if (namespace !== own) {
    throw new TerminalError(
      "AccessDenied",
      `failed to get the referred ImageRepository: cannot access '${imageRepositoryKind.kind}/${namespace}/${name}', cross-namespace references have been blocked`,
    );
  }
  const repo = await ctx.read({ apiVersion: imageRepositoryKind.apiVersion, kind: imageRepositoryKind.kind, namespace: own, name });
  if (!repo) {
    throw new NotReadyError(
      "DependencyNotReady",
      `failed to get the referred ImageRepository: referenced ImageRepository does not exist: ${imageRepositoryKind.plural}.${imageRepositoryKind.group} "${name}" not found`,
      { retryAfterMs: DEFAULTS.dependencyRequeueMs },
    );
  }
  return repo as ImageRepositoryObject;
}

async function tagsOf(repo: ImageRepositoryObject, store: ArtifactStore): Promise<string[]> {
  const bytes = await store.get(store.pathOf(idOf(repo.metadata.namespace!, repo.metadata.name!), TAGS_FILE));
  const tags = bytes ? parseTagsFile(bytes) : [];
  if (tags.length === 0) {
    throw new NotReadyError("DependencyNotReady", `retrying in ${formatDuration(DEFAULTS.dependencyRequeueMs)} error: no tags in database`, {
      retryAfterMs: DEFAULTS.dependencyRequeueMs,
    });
  }
  return tags;
}

async function digestOf(repo: ImageRepositoryObject, ref: ImageRef, ctx: ReconcileContext<ImagePolicyStatus>, deps: ImageRegistryDeps): Promise<string> {
  const fail = (why: string, cause?: unknown) => new TransientError("Failure", `failed fetching digest of ${ref.name}:${ref.tag}: ${why}`, { cause });
  let head;
  try {
    const { client } = await imageRegistryClient(repo, ctx, deps);
    head = await client.headManifest(ref.tag);
  } catch (err) {
    if (err instanceof TerminalError) throw err;
    throw fail((err as Error).message, err);
  }
  if (!head) throw fail(`the registry has no manifest for the tag ${ref.tag}`);
  return head.digest;
}

const sameRef = (a: ImageRef, b: ImageRef) => a.name === b.name && a.tag === b.tag && (a.digest ?? "") === (b.digest ?? "");

/** Flux's composeImagePolicyReadyMessage. */
export function readyMessage(latest: ImageRef, previous?: ImageRef): string {
  let msg = `Latest image tag for ${latest.name} resolved to ${latest.tag}`;
  if (latest.digest) msg += ` with digest ${latest.digest}`;
  if (previous && !sameRef(latest, previous)) msg += ` (previously ${previous.name}:${previous.tag}${previous.digest ? `@${previous.digest}` : ""})`;
  return msg;
}
