/**
 * GitRepository reconciler (source.toolkit.fluxcd.io/v1), as source-controller behaves
 * (reference/flux.md §1.1, §2): fetch the ref's commit over smart HTTP, skip everything when the remote
 * has not moved and the artifact is still stored, otherwise add includes, pack in Flux's artifact format,
 * store atomically, garbage-collect, and report `status.artifact` with ArtifactInStorage. A fetch failure
 * sets FetchFailed and keeps the last good artifact, so consumers keep working (source-controller#936).
 */
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import { NotReadyError, TerminalError, TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import { FileTree } from "../artifact/file-tree.ts";
import { pack } from "../artifact/pack.ts";
import type { Sha256Factory } from "../artifact/digest.ts";
import type { ArtifactStore, StoredArtifact } from "../storage/artifact-store.ts";
import type { ArtifactCache } from "./artifact-cache.ts";
import type { FluxObject, ReconcileContext, Reconciler, ReconcileSuccess } from "./controller.ts";
import type { Condition } from "../status/conditions.ts";
import { readSourceSecret, sourceFailure, sourceSuccess, storeArtifact, tlsFromSecret } from "./source-common.ts";
import type { GitRepositorySpec } from "../api/git-repository.ts";

export interface GitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  name?: string;
  commit?: string;
}

export interface GitAuth {
  username?: string;
  password?: string;
  bearerToken?: string;
}

export interface GitFetchRequest {
  url: string;
  ref?: GitRef;
  auth?: GitAuth;
  fetch: Fetch;
  timeoutMs: number;
  lastRevision?: string;
  sparseCheckout?: string[];
  signal?: AbortSignal;
}

export type GitFetchResult =
  | { revision: string; commit: string; unchanged: true }
  | { revision: string; commit: string; unchanged: false; files: FileTree; message?: string; signed?: { commit: unknown; tag?: unknown } };

export type GitFetcher = (req: GitFetchRequest) => Promise<GitFetchResult>;

/** Verifies the fetched commit or tag (their signed objects) against armored public keys (spec.verify). */
export type GitVerifier = (req: { mode: string; keys: string[]; commit: string; revision: string; signed: { commit: unknown; tag?: unknown } }) => Promise<{ verified: true; message: string } | { verified: false; reason: string }>;

export interface GitRepositoryDeps {
  store: ArtifactStore;
  cache: ArtifactCache;
  fetchGit: GitFetcher;
  verifyGit?: GitVerifier;
  /** A fetch bound to TLS settings (custom CA, client certificate). */
  fetchFor(tls: TlsOptions): Fetch;
  sha256?: Sha256Factory;
  onFetched?(bytes: number, seconds: number): void;
}


const API = "source.toolkit.fluxcd.io/v1";

export function gitRepositoryReconciler(deps: GitRepositoryDeps): Reconciler {
  return {
    apiVersion: API,
    kind: "GitRepository",
    controllerName: "source-controller",

    async reconcile(obj, ctx) {
      const spec = obj.spec as unknown as GitRepositorySpec;
      const ns = obj.metadata.namespace!;
      const ref = formatRef(obj);
      if (/^(ssh:\/\/|git@)/.test(spec.url)) {
        throw new TerminalError("InvalidURL", `${ref}: SSH URLs are not supported yet: use an https:// URL with a secretRef holding username/password or bearerToken`);
      }
      if (!/^https?:\/\//.test(spec.url)) throw new TerminalError("InvalidURL", `${ref}: URL "${spec.url}" must start with http:// or https://`);

      const secret = spec.secretRef ? await readSourceSecret(ctx, obj, spec.secretRef.name) : {};
      const tls: TlsOptions = tlsFromSecret(secret);
      const auth: GitAuth = { username: secret.username, password: secret.password, bearerToken: secret.bearerToken };
      const current = ctx.status().artifact as StoredArtifact | undefined;
      const request: GitFetchRequest = {
        url: spec.url,
        ref: spec.ref,
        auth,
        fetch: deps.fetchFor(tls),
        timeoutMs: spec.timeout ? parseDuration(spec.timeout) : 60_000,
        sparseCheckout: spec.sparseCheckout,
      };

      await ctx.progress(`fetching ${spec.url}`);
      const started = ctx.now().getTime();
      // Only skip the download when the stored artifact still exists and nothing that shapes it changed.
      const verifiedBefore = (ctx.status().conditions ?? []).some((c) => c.type === "SourceVerified" && c.status === "True" && c.observedGeneration === obj.metadata.generation);
      const shapeUnchanged =
        current !== undefined &&
        (!spec.verify || verifiedBefore) &&
        (ctx.status().observedIgnore ?? undefined) === (spec.ignore ?? undefined) &&
        JSON.stringify(ctx.status().observedInclude ?? []) === JSON.stringify(spec.include ?? []) &&
        JSON.stringify(ctx.status().observedSparseCheckout ?? []) === JSON.stringify(spec.sparseCheckout ?? []) &&
        (await deps.store.get(current.path)) !== undefined;
      const fetched = await deps.fetchGit({ ...request, lastRevision: shapeUnchanged ? current!.revision : undefined });

      // Unchanged: the previous SourceVerified stands, as in Flux; a new commit is verified before use.
      let verifiedCondition: Array<Omit<Condition, "lastTransitionTime">> = [];
      if (spec.verify && !fetched.unchanged) {
        const message = await verify(deps, ctx, obj, spec, fetched, ref);
        verifiedCondition = [{ type: "SourceVerified", status: "True", reason: "Succeeded", message, observedGeneration: obj.metadata.generation }];
      }

      if (fetched.unchanged && shapeUnchanged && !includesChanged(ctx, spec)) {
        await ctx.events.record(obj, { type: "Normal", reason: "ArtifactUpToDate", message: `artifact up-to-date with remote revision: '${fetched.revision}'`, trace: true });
        return success(current!);
      }
      if (fetched.unchanged) throw new TransientError("GitOperationFailed", `${ref}: the fetcher reported no change but no stored artifact exists`);

      const files = new FileTree(fetched.files);
      const included = await addIncludes(deps, ctx, spec, ns, files, ref);
      await ctx.progress(`packing revision ${fetched.revision}`);
      const packed = await pack(files, { ignore: spec.ignore, sha256: deps.sha256 });
      const stored = await storeArtifact(deps.store, obj, `${fetched.commit}.tar.gz`, packed.bytes, { revision: fetched.revision, digest: packed.digest });
      deps.onFetched?.(packed.bytes.byteLength, (ctx.now().getTime() - started) / 1000);
      const changed = current?.revision !== stored.revision || current?.digest !== stored.digest;
      if (changed) {
        await ctx.events.record(obj, {
          type: "Normal",
          reason: "NewArtifact",
          message: `stored artifact for commit '${(fetched.message ?? fetched.commit).split("\n")[0]}'`,
          metadata: { "source.toolkit.fluxcd.io/revision": stored.revision, "source.toolkit.fluxcd.io/digest": stored.digest },
        });
      }
      return success(stored, included);

      function success(artifact: StoredArtifact, includedArtifacts?: StoredArtifact[]): ReconcileSuccess {
        const status = {
          observedIgnore: spec.ignore,
          observedInclude: spec.include,
          observedSparseCheckout: spec.sparseCheckout,
          ...(includedArtifacts ? { includedArtifacts } : {}),
          ...(spec.verify ? { sourceVerificationMode: spec.verify.mode ?? "HEAD" } : {}),
        };
        return sourceSuccess(artifact, status, verifiedCondition);
      }
    },

    onFailure(obj, err, ctx) {
      // The last good artifact stays in status: consumers keep building from it.
      return sourceFailure(obj, err, ctx, (reason) =>
        reason === "IncludeUnavailable" ? { type: "IncludeUnavailable", status: "True" } : reason === "VerificationError" ? { type: "SourceVerified", status: "False" } : { type: "FetchFailed", status: "True" },
      );
    },

    async finalize(obj) {
      await deps.store.removeAll({ kind: "GitRepository", namespace: obj.metadata.namespace!, name: obj.metadata.name! });
    },
  };
}

async function verify(deps: GitRepositoryDeps, ctx: ReconcileContext, obj: FluxObject, spec: GitRepositorySpec, fetched: Extract<GitFetchResult, { unchanged: false }>, ref: string): Promise<string> {
  const ns = obj.metadata.namespace!;
  if (!deps.verifyGit) throw new TerminalError("VerificationError", `${ref}: spec.verify is set but this build of rivulet has no OpenPGP verifier`);
  if (!spec.verify?.secretRef) throw new TerminalError("VerificationError", `${ref}: spec.verify.secretRef is required`);
  const secret = await readSourceSecret(ctx, obj, spec.verify.secretRef.name);
  const keys = Object.values(secret).filter((v) => v.includes("BEGIN PGP PUBLIC KEY BLOCK"));
  if (keys.length === 0) throw new TerminalError("VerificationError", `${ref}: Secret/${ns}/${spec.verify.secretRef.name} holds no armored PGP public key`);
  if (!fetched.signed) throw new TerminalError("VerificationError", `${ref}: the fetcher returned no commit object to verify`);
  const verdict = await deps.verifyGit({ mode: spec.verify.mode ?? "HEAD", keys, commit: fetched.commit, revision: fetched.revision, signed: fetched.signed });
  if (!verdict.verified) throw new TransientError("VerificationError", `${ref}: signature verification failed: ${verdict.reason}`);
  return verdict.message;
}

function includesChanged(ctx: ReconcileContext, spec: GitRepositorySpec): boolean {
  // Included artifacts are re-read on every run; a changed included revision means a new artifact.
  return (spec.include?.length ?? 0) > 0;
}

async function addIncludes(deps: GitRepositoryDeps, ctx: ReconcileContext, spec: GitRepositorySpec, ns: string, files: FileTree, ref: string) {
  const included: StoredArtifact[] = [];
  for (const inc of spec.include ?? []) {
    const other = (await ctx.read({ apiVersion: API, kind: "GitRepository", namespace: ns, name: inc.repository.name })) as FluxObject | undefined;
    const artifact = other?.status?.artifact as StoredArtifact | undefined;
    if (!artifact) {
      throw new NotReadyError("IncludeUnavailable", `${ref}: included GitRepository/${ns}/${inc.repository.name} has no artifact yet`, { retryAfterMs: 30_000 });
    }
    const tree = await deps.cache.tree(artifact);
    if (!tree) throw new NotReadyError("IncludeUnavailable", `${ref}: the artifact of GitRepository/${ns}/${inc.repository.name} is not in storage`, { retryAfterMs: 30_000 });
    const from = (inc.fromPath ?? "").replace(/^\.?\/*|\/+$/g, "");
    const to = (inc.toPath ?? inc.repository.name).replace(/^\.?\/*|\/+$/g, "");
    if (to.split("/").includes("..") || from.split("/").includes("..")) {
      throw new TerminalError("IncludeUnavailable", `${ref}: include paths may not contain "..": fromPath "${inc.fromPath}", toPath "${inc.toPath}"`);
    }
    // Flux replaces toPath with the included content.
    for (const p of [...files.keys()]) if (p === to || p.startsWith(`${to}/`)) files.delete(p);
    for (const [p, node] of tree) {
      if (from && p !== from && !p.startsWith(`${from}/`)) continue;
      const rel = from ? p.slice(from.length).replace(/^\//, "") : p;
      if (!rel) continue;
      files.set(to ? `${to}/${rel}` : rel, node);
    }
    included.push(artifact);
  }
  return included;
}
