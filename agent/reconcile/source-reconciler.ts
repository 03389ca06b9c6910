/**
 * The one shape of a source reconciler (GitRepository, OCIRepository, Bucket today; HelmRepository,
 * HelmChart and ImageRepository plug in the same way), in source-controller's order:
 *
 *   storage  -> may the stored artifact be reused? Its content key (the status fields that record what
 *               shaped it) matches the spec, its file is still stored, and it was verified under this
 *               generation when spec.verify asks
 *   fetch    -> the kind's fetch, told the reusable revision so an unchanged remote costs no download
 *   verify   -> the kind's verifier (a verify/ port), before the content is used: an unverified artifact
 *               is never stored. Kinds that must verify before pulling (OCI) call it inside their fetch
 *   includes -> other artifacts placed into this one (GitRepository)
 *   artifact -> pack the files (or keep the bytes as they are), store atomically, garbage-collect
 *   event    -> NewArtifact when the artifact changed
 *
 * A kind (`SourceKind`) says only what is particular to it; success and failure are written here, the
 * same way for every source, with Flux's condition types, reasons and messages. A failure keeps the last
 * good artifact in status, so consumers keep working (source-controller#936).
 */
import { TransientError } from "../core/errors.ts";
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import { formatRef } from "../core/ref.ts";
import { LimitError, type Limits } from "../core/limits.ts";
import type { Artifact, Condition as ApiCondition } from "../api/common.ts";
import { digestOf, type Sha256Factory } from "../artifact/digest.ts";
import { FileTree } from "../artifact/file-tree.ts";
import type { SourceIgnore } from "../artifact/source-ignore.ts";
import { pack } from "../artifact/pack.ts";
import type { NativeGunzip } from "../artifact/gunzip.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import { removeCondition, setCondition, type Condition } from "../status/conditions.ts";
import type { Verification, Verifier } from "../verify/verifier.ts";
import type { KindObject, ReconcileContext, Reconciler, ReconcileSuccess } from "./reconciler.ts";

/** What every source kind's status has (agent/api's source statuses all do). */
export interface SourceStatus {
  artifact?: Artifact;
  conditions?: ApiCondition[];
}

/** The runtime's parts every source kind gets, wired once for all of them (agent/cli/compose.ts). */
export interface SourceDeps {
  store: ArtifactStore;
  /** A fetch bound to TLS settings (custom CA, client certificate). */
  fetchFor(tls: TlsOptions): Fetch;
  /** Native hashing and gunzip from agent/runtime (faster); portable ones are used otherwise. */
  sha256?: Sha256Factory;
  gunzip?: NativeGunzip;
  /** Metrics: bytes stored and seconds from the start of the fetch, per new artifact. */
  onFetched?(bytes: number, seconds: number): void;
  /** The agent's limits on artifacts (`rivulet run --max-*`); core/limits.ts's DEFAULTS when absent. */
  limits?: Limits;
}

/**
 * Fetched content: files to pack or bytes stored as they are. Pack applies the ignore rules: the tree's
 * own `.sourceignore` files with spec.ignore, or rules the fetch already built and applied (a Bucket's,
 * to its keys before downloading).
 */
export type SourceContent = { files: FileTree; ignore?: string } | { files: FileTree; rules: SourceIgnore } | { bytes: Uint8Array };

/**
 * Ready's and ArtifactInStorage's reason and message for a kind that words its success itself (a
 * HelmChart: "pulled 'podinfo' chart with version '6.1.0'"); "Succeeded" and "stored artifact for
 * revision '…'" otherwise.
 */
export interface SourceSummary {
  reason: string;
  message: string;
}

export type SourceFetchResult<Subject, Status = never> =
  /** The remote is still at the reusable revision: nothing was downloaded. */
  | { unchanged: true; revision: string; verification?: Verification; summary?: SourceSummary; status?: Partial<Status> }
  /** The kind verified before pulling and the verifier said no: nothing was downloaded. */
  | { rejected: Extract<Verification, { verified: false }>; revision: string }
  | {
      unchanged: false;
      revision: string;
      /** File name in the store, e.g. `<commit>.tar.gz`. */
      file: string;
      content: SourceContent;
      /** Upstream metadata for `artifact.metadata` (OCI annotations). */
      metadata?: Record<string, string>;
      /** What the verify step checks, for kinds that verify after fetching. */
      subject?: Subject;
      /** The verdict of a kind that verified inside its fetch. */
      verification?: Verification;
      /** The NewArtifact event's message. */
      message: string;
      /** The NewArtifact event's reason, "NewArtifact" when unset. */
      reason?: string;
      summary?: SourceSummary;
      /** Status fields only the fetch knows (a HelmChart's observedSourceArtifactRevision). */
      status?: Partial<Status>;
    };

export interface SourceFetchInput<Spec, Status, Subject> {
  obj: KindObject<Spec, Status>;
  ctx: ReconcileContext<Status>;
  /** formatRef(obj), for messages. */
  ref: string;
  /** The stored artifact's revision when it may be reused; the fetch answers `unchanged` if the remote is still there. */
  lastRevision?: string;
  /** Set when spec.verify asks; built on first use, so an unchanged remote reads no trust material. */
  verify?: Verifier<Subject>;
}

/** `spec.verify` for a kind: whether it is asked, how to build the verifier, how a rejection reads. */
export interface SourceVerification<Spec, Status, Subject> {
  asked(spec: Spec): boolean;
  /** Reads the trust material (keys, identities) the object names and returns the verifier. */
  build(obj: KindObject<Spec, Status>, ctx: ReconcileContext<Status>, ref: string): Promise<Verifier<Subject>>;
  /** The VerificationError message for a rejected revision. */
  failed(v: Extract<Verification, { verified: false }>, revision: string, ref: string): string;
}

export interface SourceKind<Spec, Status extends SourceStatus, Subject = never> {
  /** apiVersion and kind, from the kind's definition in agent/api. */
  definition: { apiVersion: string; kind: string };
  /** The progress message while fetching, e.g. "fetching <url>". */
  fetching(spec: Spec): string;
  /**
   * The status fields that record the spec fields shaping the artifact, as the spec wants them now:
   * the stored artifact is reused only when the status holds the same values. Undefined: never reuse
   * (a GitRepository with includes re-reads them on every run).
   */
  contentKey(spec: Spec): Partial<Status> | undefined;
  /** The status a success reports: the artifact and the observed spec fields. */
  status(spec: Spec, artifact: Artifact): Partial<Status>;
  fetch(input: SourceFetchInput<Spec, Status, Subject>): Promise<SourceFetchResult<Subject, Status>>;
  verification?: SourceVerification<Spec, Status, Subject>;
  /** Places other artifacts into `files` (mutating it) and returns the status fields recording them. */
  includes?(input: { obj: KindObject<Spec, Status>; ctx: ReconcileContext<Status>; ref: string; files: FileTree }): Promise<Partial<Status>>;
  /** The ArtifactUpToDate event's message when the remote has not moved; no event without it. */
  upToDate?(revision: string): string;
  /**
   * NewArtifact also for a new digest at the same revision (ignore rules or includes changed what was
   * packed); otherwise only a new revision is news.
   */
  newDigestIsNews?: boolean;
  /** Controller name for events; "source-controller" by default. */
  controllerName?: string;
  /**
   * A fixed file name the newest artifact is also stored and served under (Flux's symlink: a
   * HelmRepository's `index.yaml`, the address status.url gives).
   */
  alias?: string;
}

/** Negative conditions a failure sets, and the ones a success clears. */
const FAILURE_TYPES = ["FetchFailed", "IncludeUnavailable", "SourceVerified", "BuildFailed", "StorageOperationFailed"] as const;
const CLEARED_ON_SUCCESS = ["FetchFailed", "BuildFailed", "ArtifactOutdated", "StorageOperationFailed", "IncludeUnavailable"];

/** Builds the reconciler of a source kind from its particular parts. */
export function sourceReconciler<Spec, Status extends SourceStatus, Subject = never>(
  kind: SourceKind<Spec, Status, Subject>,
  deps: SourceDeps,
): Reconciler<Spec, Status> {
  return {
    apiVersion: kind.definition.apiVersion,
    kind: kind.definition.kind,
    controllerName: kind.controllerName ?? "source-controller",

    async reconcile(obj, ctx) {
      const spec = obj.spec;
      const ref = formatRef(obj);
      const current = ctx.status().artifact;
      const verification = kind.verification?.asked(spec) ? kind.verification : undefined;

      // storage
      const reusable =
        current !== undefined &&
        sameContent(kind.contentKey(spec), ctx.status()) &&
        (!verification || verifiedUnder(ctx.status().conditions, obj.metadata.generation)) &&
        (await deps.store.get(current.path)) !== undefined;

      // fetch
      await ctx.progress(kind.fetching(spec));
      const started = ctx.now().getTime();
      let verifier: Promise<Verifier<Subject>> | undefined;
      const verify: Verifier<Subject> | undefined = verification && (async (subject) => (await (verifier ??= verification.build(obj, ctx, ref)))(subject));
      const fetched = await kind.fetch({ obj, ctx, ref, lastRevision: reusable ? current.revision : undefined, verify });

      if ("rejected" in fetched) throw new TransientError("VerificationError", verificationFailed(fetched.rejected, fetched.revision));
      if (fetched.unchanged) {
        if (!reusable) throw new TransientError("ArtifactOutdated", `${ref}: the fetch reported no change but no stored artifact can be reused`);
        if (kind.upToDate) await ctx.events.record(obj, { type: "Normal", reason: "ArtifactUpToDate", message: kind.upToDate(fetched.revision), trace: true });
        return success(current, { ...kind.status(spec, current), ...fetched.status }, fetched.verification, fetched.summary);
      }

      // verify
      let verdict = fetched.verification;
      if (verify && !verdict) {
        if (fetched.subject === undefined) throw new TransientError("VerificationError", `${ref}: the fetch returned nothing to verify`);
        verdict = await verify(fetched.subject);
      }
      if (verdict && !verdict.verified) throw new TransientError("VerificationError", verificationFailed(verdict, fetched.revision));

      // includes and artifact
      let bytes: Uint8Array;
      let digest: string;
      let included: Partial<Status> = {};
      if ("files" in fetched.content) {
        // Includes write into the tree, so they get a copy: the fetched tree may be shared (a cache).
        const files = kind.includes ? new FileTree(fetched.content.files) : fetched.content.files;
        if (kind.includes) included = await kind.includes({ obj, ctx, ref, files });
        await ctx.progress(`packing revision ${fetched.revision}`);
        const content = fetched.content;
        const packed = await archive(() => pack(files, "rules" in content ? { rules: content.rules, sha256: deps.sha256, limits: deps.limits } : { ignore: content.ignore, sha256: deps.sha256, limits: deps.limits }));
        bytes = packed.bytes;
        digest = packed.digest;
      } else {
        bytes = fetched.content.bytes;
        digest = await digestOf(bytes, deps.sha256);
      }
      const stored = await storeArtifact(deps.store, obj, fetched.file, bytes, { revision: fetched.revision, digest, metadata: fetched.metadata }, kind.alias);
      deps.onFetched?.(bytes.byteLength, (ctx.now().getTime() - started) / 1000);

      // event
      const changed = current?.revision !== stored.revision || (kind.newDigestIsNews === true && current?.digest !== stored.digest);
      if (changed) {
        await ctx.events.record(obj, {
          type: "Normal",
          reason: fetched.reason ?? "NewArtifact",
          message: fetched.message,
          metadata: { "source.toolkit.fluxcd.io/revision": stored.revision, "source.toolkit.fluxcd.io/digest": stored.digest },
        });
      }
      return success(stored, { ...kind.status(spec, stored), ...included, ...fetched.status }, verdict, fetched.summary);

      /** A tree over the artifact limits is refused before anything is stored: the last good artifact stays. */
      async function archive<T>(fn: () => Promise<T>): Promise<T> {
        try {
          return await fn();
        } catch (err) {
          if (!(err instanceof LimitError)) throw err;
          throw new TransientError("ArchiveOperationFailed", `${ref}: cannot archive revision ${fetched.revision}: ${err.message}`, { cause: err });
        }
      }

      function verificationFailed(v: Extract<Verification, { verified: false }>, revision: string): string {
        return verification ? verification.failed(v, revision, ref) : `${ref}: verification of ${revision} failed: ${v.reason}: ${v.message}`;
      }

      /** Ready=True "stored artifact for revision '…'" with ArtifactInStorage, clearing the failure conditions. */
      function success(artifact: Artifact, status: Partial<Status>, verdict: Verification | undefined, summary?: SourceSummary): ReconcileSuccess<Status> {
        const message = summary?.message ?? `stored artifact for revision '${artifact.revision}'`;
        const reason = summary?.reason ?? "Succeeded";
        const verified = verdict?.verified
          ? [{ type: "SourceVerified", status: "True" as const, reason: "Succeeded", message: verdict.message, observedGeneration: obj.metadata.generation }]
          : [];
        return {
          reason,
          message,
          status,
          conditions: [{ type: "ArtifactInStorage", status: "True", reason, message }, ...verified],
          clearConditions: CLEARED_ON_SUCCESS,
        };
      }
    },

    onFailure(obj, err, ctx) {
      // The last good artifact stays in status: consumers keep building from it.
      return { conditions: failureConditions(ctx.status().conditions, err, obj.metadata.generation, ctx.now()) };
    },

    async finalize(obj) {
      await deps.store.removeAll({ kind: kind.definition.kind, namespace: obj.metadata.namespace!, name: obj.metadata.name! });
    },
  };
}

/** Reasons of a chart build that failed after the fetch (source-controller's BuildFailed reasons). */
const BUILD_REASONS = new Set(["MetadataPatchError", "ValuesFilesError", "DependencyBuildError", "ChartPackageError", "ChartVerificationError"]);

/**
 * The one negative condition a failure sets, by the error's reason: SourceVerified=False for a
 * verification error, IncludeUnavailable=True for a missing include, BuildFailed=True for a chart that
 * could not be built, StorageOperationFailed=True for content that could not be archived (over a limit,
 * as source-controller sets it for archive failures), FetchFailed=True otherwise. The others go, so the status names only the latest cause.
 */
export function failureConditions(conditions: readonly Condition[] | undefined, err: unknown, generation: number | undefined, now: Date): Condition[] {
  const reason = err instanceof Error && "reason" in err ? String(err.reason) : "FetchFailed";
  const message = err instanceof Error ? err.message : String(err);
  const [type, status] =
    reason === "VerificationError"
      ? (["SourceVerified", "False"] as const)
      : reason === "IncludeUnavailable"
        ? (["IncludeUnavailable", "True"] as const)
        : BUILD_REASONS.has(reason)
          ? (["BuildFailed", "True"] as const)
          : reason === "ArchiveOperationFailed"
            ? (["StorageOperationFailed", "True"] as const)
            : (["FetchFailed", "True"] as const);
  const others = FAILURE_TYPES.filter((t) => t !== type).reduce((list, t) => removeCondition(list, t), [...(conditions ?? [])]);
  return setCondition(others, { type, status, reason, message, observedGeneration: generation }, now);
}

/** Whether the status records the content key's values; `[]`, null and absent read alike. */
export function sameContent(key: object | undefined, status: object): boolean {
  if (key === undefined) return false;
  const recorded: Partial<Record<string, unknown>> = { ...status };
  return Object.entries(key).every(([field, want]) => canonical(want) === canonical(recorded[field]));
}

function canonical(v: unknown): string {
  return Array.isArray(v) && v.length === 0 ? "null" : JSON.stringify(v ?? null);
}

function verifiedUnder(conditions: readonly ApiCondition[] | undefined, generation: number | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === "SourceVerified" && c.status === "True" && c.observedGeneration === generation);
}

async function storeArtifact(
  store: ArtifactStore,
  obj: KindObject<unknown, unknown>,
  file: string,
  bytes: Uint8Array,
  meta: { revision: string; digest: string; metadata?: Record<string, string> },
  alias?: string,
): Promise<Artifact> {
  const id = { kind: obj.kind, namespace: obj.metadata.namespace!, name: obj.metadata.name! };
  try {
    const stored = await store.put(id, file, bytes, meta);
    if (alias !== undefined) await store.put(id, alias, bytes, meta);
    await store.gc(id, file, ...(alias === undefined ? [] : [alias]));
    return stored;
  } catch (err) {
    throw new TransientError("StorageOperationFailed", `${formatRef(obj)}: cannot store the artifact: ${(err as Error).message}`, { cause: err });
  }
}
