/**
 * GitRepository (source.toolkit.fluxcd.io/v1) on the source skeleton, as source-controller behaves
 * (reference/flux.md §1.1, §2): fetch the ref's commit over smart HTTP (nothing is downloaded when the
 * remote has not moved and the artifact can be reused), verify the commit or tag signature with OpenPGP
 * when spec.verify asks, place included GitRepositories' artifacts, and pack with the ignore rules.
 */
import { NotReadyError, TerminalError, TransientError } from "../core/errors.ts";
import { GitError } from "../source/git/git-error.ts";
import { parseDuration } from "../core/duration.ts";
import type { FileTree } from "../artifact/file-tree.ts";
import type { Artifact } from "../api/common.ts";
import { gitRepositoryKind, type GitRepositorySpec, type GitRepositoryStatus } from "../api/git-repository.ts";
import { fetchGitArtifact } from "../source/git/fetch-git-artifact.ts";
import type { InflateAt } from "../source/git/inflate.ts";
import type { Sha1 } from "../source/git/object-id.ts";
import type { GitSignedObjects, VerifyMode } from "../verify/git-signature.ts";
import type { Verifier } from "../verify/verifier.ts";
import { artifactOf } from "../storage/artifact-of.ts";
import type { ArtifactCache } from "./artifact-cache.ts";
import type { ReconcileContext, Reconciler } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import { sourceReconciler, type SourceDeps, type SourceKind } from "./source-reconciler.ts";

export interface GitRepositoryDeps extends SourceDeps {
  /** Unpacked artifacts of included GitRepositories. */
  cache: ArtifactCache;
  /** Native inflate and SHA-1 from agent/runtime; portable ones otherwise. */
  inflate?: InflateAt;
  sha1?: Sha1;
  /** OpenPGP verification (verify/git-signature.ts); without it spec.verify fails. */
  gitSignature?(o: { mode: VerifyMode; keys: string[] }): Verifier<GitSignedObjects>;
}

type Kind = SourceKind<GitRepositorySpec, GitRepositoryStatus, GitSignedObjects>;

export function gitRepositoryReconciler(deps: GitRepositoryDeps): Reconciler<GitRepositorySpec, GitRepositoryStatus> {
  const kind: Kind = {
    definition: gitRepositoryKind,
    fetching: (spec) => `fetching ${spec.url}`,
    // Included artifacts are re-read on every run; a changed included revision means a new artifact.
    contentKey: (spec) =>
      (spec.include?.length ?? 0) > 0 ? undefined : { observedIgnore: spec.ignore, observedInclude: spec.include, observedSparseCheckout: spec.sparseCheckout },
    status: (spec, artifact) => ({
      artifact,
      observedIgnore: spec.ignore,
      observedInclude: spec.include,
      observedSparseCheckout: spec.sparseCheckout,
      ...(spec.verify ? { sourceVerificationMode: spec.verify.mode ?? "HEAD" } : {}),
    }),
    upToDate: (revision) => `artifact up-to-date with remote revision: '${revision}'`,
    // A new ignore rule or include changes the artifact at the same commit: that is news too.
    newDigestIsNews: true,

    async fetch({ obj, ctx, ref, lastRevision }) {
      const spec = obj.spec;
      if (/^(ssh:\/\/|git@)/.test(spec.url)) {
        throw new TerminalError("InvalidURL", `${ref}: SSH URLs are not supported yet: use an https:// URL with a secretRef holding username/password or bearerToken`);
      }
      if (!/^https?:\/\//.test(spec.url)) throw new TerminalError("InvalidURL", `${ref}: URL "${spec.url}" must start with http:// or https://`);
      const secret = spec.secretRef ? await readSourceSecret(ctx, obj, spec.secretRef.name) : {};
      const r = await refusedAs(ref, () => fetchGitArtifact({
        url: spec.url,
        ref: spec.ref,
        auth: { username: secret.username, password: secret.password, bearerToken: secret.bearerToken },
        fetch: deps.fetchFor(tlsFromSecret(secret)),
        timeoutMs: spec.timeout ? parseDuration(spec.timeout) : 60_000,
        sparseCheckout: spec.sparseCheckout,
        lastRevision,
        inflate: deps.inflate,
        sha1: deps.sha1,
        limits: deps.limits,
      }));
      // The fetcher answers "unchanged" only for lastRevision, which the skeleton gives only when the stored artifact is reusable.
      if (r.unchanged) return { unchanged: true, revision: r.revision };
      return {
        unchanged: false,
        revision: r.revision,
        file: `${r.commit}.tar.gz`,
        content: { files: r.files, ignore: spec.ignore },
        subject: { commitId: r.commit, commit: r.commitObject, tag: r.tagObject, revision: r.revision },
        message: `stored artifact for commit '${r.commitMeta.message.split("\n")[0]}'`,
      };
    },

    verification: {
      asked: (spec) => spec.verify !== undefined,
      async build(obj, ctx, ref) {
        const verify = obj.spec.verify!;
        const ns = obj.metadata.namespace!;
        if (!deps.gitSignature) throw new TerminalError("VerificationError", `${ref}: spec.verify is set but this build of rivulet has no OpenPGP verifier`);
        if (!verify.secretRef) throw new TerminalError("VerificationError", `${ref}: spec.verify.secretRef is required`);
        const secret = await readSourceSecret(ctx, obj, verify.secretRef.name);
        const keys = Object.values(secret).filter((v) => v.includes("BEGIN PGP PUBLIC KEY BLOCK"));
        if (keys.length === 0) throw new TerminalError("VerificationError", `${ref}: Secret/${ns}/${verify.secretRef.name} holds no armored PGP public key`);
        return deps.gitSignature({ mode: verify.mode ?? "HEAD", keys });
      },
      failed: (v, _revision, ref) => `${ref}: signature verification failed: ${v.reason}: ${v.message}`,
    },

    async includes({ obj, ctx, ref, files }) {
      return { includedArtifacts: await addIncludes(deps.cache, ctx, obj.spec, obj.metadata.namespace!, files, ref) };
    },
  };
  return sourceReconciler(kind, deps);
}

/** Copies each include's files (fromPath) to its toPath, replacing what was there, as Flux does. */
async function addIncludes(cache: ArtifactCache, ctx: ReconcileContext<GitRepositoryStatus>, spec: GitRepositorySpec, ns: string, files: FileTree, ref: string): Promise<Artifact[]> {
  const included: Artifact[] = [];
  for (const inc of spec.include ?? []) {
    const other = await ctx.read({ apiVersion: gitRepositoryKind.apiVersion, kind: gitRepositoryKind.kind, namespace: ns, name: inc.repository.name });
    const artifact = artifactOf(other);
    if (!artifact) {
      throw new NotReadyError("IncludeUnavailable", `${ref}: included GitRepository/${ns}/${inc.repository.name} has no artifact yet`, { retryAfterMs: 30_000 });
    }
    const tree = await cache.tree(artifact);
    if (!tree) throw new NotReadyError("IncludeUnavailable", `${ref}: the artifact of GitRepository/${ns}/${inc.repository.name} is not in storage`, { retryAfterMs: 30_000 });
    const from = (inc.fromPath ?? "").replace(/^\.?\/*|\/+$/g, "");
    const to = (inc.toPath ?? inc.repository.name).replace(/^\.?\/*|\/+$/g, "");
    if (to.split("/").includes("..") || from.split("/").includes("..")) {
      throw new TerminalError("IncludeUnavailable", `${ref}: include paths may not contain "..": fromPath "${inc.fromPath}", toPath "${inc.toPath}"`);
    }
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

/** A fetch over one of the agent's limits names the object first, as every failure about it does. */
async function refusedAs<T>(ref: string, fetch: () => Promise<T>): Promise<T> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof GitError && err.problem === "limit") throw new GitError("limit", `${ref}: ${err.message}`, { cause: err });
    throw err;
  }
}
