/**
 * Check out, change, commit, push: the one entry point image automation and `rivulet bootstrap git` use to
 * write to a repository. `checkout` fetches one commit (a branch, tag or commit ref, depth 1) and keeps
 * its objects in memory; the caller reads `files`, then `commitAndPush` writes the changed blobs and the
 * trees on their paths, a commit on top of the checkout (signed when a signer is given), a pack of exactly
 * the new objects, and pushes it to the checkout branch, a `branch`, and/or a `refspec` (`src:dst`).
 *
 * Push branches: with `pushBranch` the checkout starts from that branch when it exists (so the new commit
 * goes on top of the earlier automation commits) and from `ref` when it does not (the branch is created
 * from it). The push is never forced: a destination that is not at the checkout commit, or moves during
 * the push, ends in PushRaceError and the caller checks out again. A change set that leaves the tree as it
 * was makes no commit. With `createMissingBranch` a branch the remote lacks (an empty repository, for
 * `rivulet bootstrap git`) starts from an empty tree and is pushed as a root commit.
 */
import { FileTree } from "../../artifact/file-tree.ts";
import type { Fetch } from "../../core/fetch.ts";
import { DEFAULTS, fetchGitArtifact, type GitArtifactFetched } from "./fetch-git-artifact.ts";
import { displayUrl, GitError } from "./git-error.ts";
import type { Signature } from "./git-object.ts";
import type { InflateAt } from "./inflate.ts";
import { createPortableSha1, objectId, type Sha1 } from "./object-id.ts";
import { encodeCommit, writeCommit, writeTree, type CommitSigner, type FileChanges } from "./object-writer.ts";
import type { GitObject } from "./packfile.ts";
import { writePack } from "./pack-writer.ts";
import { connectReceivePack, remoteId, sendPack, ZERO_ID, type RefUpdate } from "./receive-pack.ts";
import { planRef, type GitRef, type RefPlan } from "./ref.ts";
import type { GitAuth } from "./smart-http.ts";

export interface CheckoutOptions {
  url: string;
  fetch: Fetch;
  auth?: GitAuth;
  /** What to check out (default: Flux's default branch). */
  ref?: GitRef;
  /** Start from this branch instead when it exists on the remote. */
  pushBranch?: string;
  /** When `ref` is a branch the remote lacks (or the repository is empty), start from an empty tree: the push creates it with a root commit. */
  createMissingBranch?: boolean;
  /** Deadline of each network step (the checkout's fetch, the push); default fetch-git-artifact's. */
  timeoutMs?: number;
  signal?: AbortSignal;
  sha1?: Sha1;
  inflate?: InflateAt;
}

export interface Author {
  name: string;
  email: string;
}

export interface CommitAndPushOptions {
  author: Author;
  /** Defaults to the author. */
  committer?: Author;
  message: string;
  signer?: CommitSigner;
  /** Push the commit to refs/heads/<branch> (created from the checkout when missing). */
  branch?: string;
  /** `src:dst`; src is the checkout branch (short or full name) or HEAD, both meaning the new commit. */
  refspec?: string;
  /** Push options, sent when the server advertises push-options. */
  pushOptions?: string[];
  /** The commit time (default now) and its zone (default +0000). */
  now?: Date;
  zone?: string;
}

export interface PushResult {
  /** The new commit, or undefined when the changes left the tree as it was. */
  commit?: string;
  /** The refs updated, e.g. ["refs/heads/main"]. */
  refs: string[];
  /** Objects in the pushed pack. */
  objects: number;
  packBytes: number;
}

export interface Checkout {
  url: string;
  /** The commit checked out; undefined for a branch created from nothing (createMissingBranch). */
  commit?: string;
  /** The branch checked out (refs/heads/...), when the ref was a branch or pushBranch existed. */
  branchRef?: string;
  files: FileTree;
  commitAndPush(changes: FileChanges, options: CommitAndPushOptions): Promise<PushResult>;
}

export async function checkout(options: CheckoutOptions): Promise<Checkout> {
  const sha1 = options.sha1 ?? (await createPortableSha1());
  const fetchOne = async (ref: GitRef | undefined): Promise<GitArtifactFetched> => {
    const r = await fetchGitArtifact({ url: options.url, fetch: options.fetch, auth: options.auth, ref, timeoutMs: options.timeoutMs, signal: options.signal, sha1, inflate: options.inflate });
    if (r.unchanged) throw new Error("unreachable: no last revision was given");
    return r;
  };
  let fetched: GitArtifactFetched | undefined;
  let branchRef: string | undefined;
  if (options.pushBranch) {
    try {
      fetched = await fetchOne({ branch: options.pushBranch });
      branchRef = `refs/heads/${options.pushBranch}`;
    } catch (err) {
      if (!isMissingRef(err)) throw err;
    }
  }
  if (!fetched) {
    branchRef = checkoutBranch(planRef(options.ref));
    try {
      fetched = await fetchOne(options.ref);
    } catch (err) {
      // A branch that does not exist yet (or an empty repository) starts as an empty tree when allowed.
      if (!(options.createMissingBranch && planRef(options.ref).kind === "branch" && isMissingRef(err))) throw err;
    }
  }
  const base: Base = fetched ? { commit: fetched.commit, tree: fetched.commitObject.tree, objects: fetched.objects } : { objects: new Map() };
  return {
    url: displayUrl(options.url),
    commit: base.commit,
    branchRef,
    files: fetched?.files ?? new FileTree(),
    commitAndPush: (changes, o) => commitAndPush(options, sha1, base, branchRef, changes, o),
  };
}

function isMissingRef(err: unknown): boolean {
  return err instanceof GitError && err.problem === "ref-not-found";
}

/** What a new commit builds on: the checkout commit and its objects, or nothing for a new branch. */
interface Base {
  commit?: string;
  tree?: string;
  objects: Map<string, GitObject>;
}

async function commitAndPush(
  options: CheckoutOptions,
  sha1: Sha1,
  base: Base,
  branchRef: string | undefined,
  changes: FileChanges,
  o: CommitAndPushOptions,
): Promise<PushResult> {
  const shown = displayUrl(options.url);
  const targets = destinations(shown, branchRef, o);
  const store = base.objects;
  const { tree, objects } = writeTree({ get: (id) => store.get(id), has: (id) => store.has(id) }, base.tree, changes, sha1);
  if (tree === (base.tree ?? objectId(sha1, "tree", new Uint8Array(0)))) return { refs: [], objects: 0, packBytes: 0 };
  const when = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const zone = o.zone ?? "+0000";
  const author: Signature = { ...o.author, when, zone };
  const committer: Signature = { ...(o.committer ?? o.author), when, zone };
  const fields = { tree, parents: base.commit ? [base.commit] : [], author, committer, message: o.message };
  let signature: string | undefined;
  if (o.signer) {
    try {
      signature = await o.signer(encodeCommit(fields));
    } catch (err) {
      throw new GitError("unsupported", `Cannot sign the commit for ${shown}: ${(err as Error).message}`, { cause: err });
    }
  }
  const commit = writeCommit({ ...fields, signature }, sha1, objects);
  const pack = writePack(orderForPack(objects), sha1);
  // The push has its own deadline, as each fetch of the checkout had (Flux's spec.timeout default).
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const conn = await connectReceivePack({ url: options.url, fetch: options.fetch, auth: options.auth, signal, timeoutMs });
  const updates: RefUpdate[] = targets.map((ref) => {
    // The checkout branch must still be at the checkout commit; another destination may also be absent.
    const now = remoteId(conn, ref);
    const old = ref === branchRef || now === base.commit ? base.commit : undefined;
    return { ref, old: old ?? ZERO_ID, new: commit };
  });
  await sendPack(conn, updates, pack, { pushOptions: o.pushOptions });
  return { commit, refs: targets, objects: objects.size, packBytes: pack.length };
}

/** The branch a checkout is on: a branch ref, a commit on a named branch, or a `name` under refs/heads/. */
function checkoutBranch(plan: RefPlan): string | undefined {
  if (plan.kind === "branch") return plan.refName;
  if (plan.kind === "commit" && plan.branch) return `refs/heads/${plan.branch}`;
  if (plan.kind === "name" && plan.refName.startsWith("refs/heads/")) return plan.refName;
  return undefined;
}

/** Commit first, then trees, then blobs: the order git writes packs in, which readers stream best. */
function orderForPack(objects: Map<string, GitObject>): GitObject[] {
  const rank = { commit: 0, tag: 1, tree: 2, blob: 3 } as const;
  return [...objects.values()].sort((a, b) => rank[a.type] - rank[b.type]);
}

/** The remote refs to update: `branch`, the refspec's destination, else the checkout branch. */
function destinations(shown: string, branchRef: string | undefined, o: CommitAndPushOptions): string[] {
  const out: string[] = [];
  if (o.branch) out.push(fullBranch(shown, o.branch));
  if (o.refspec) {
    const m = /^([^:]+):([^:]+)$/.exec(o.refspec);
    if (!m || m[1]!.startsWith("+")) throw new GitError("push-rejected", `Cannot push to ${shown}: refspec "${o.refspec}" is not of the form src:dst (forced updates are not allowed)`);
    const src = m[1]!;
    const srcRef = src === "HEAD" ? branchRef : src.startsWith("refs/") ? src : `refs/heads/${src}`;
    if (src !== "HEAD" && srcRef !== branchRef) {
      throw new GitError("push-rejected", `Cannot push to ${shown}: refspec source "${src}" is not the checked-out branch${branchRef ? ` (${branchRef})` : ""}`);
    }
    out.push(m[2]!.startsWith("refs/") ? m[2]! : fullBranch(shown, m[2]!));
  }
  if (out.length === 0) {
    if (!branchRef) throw new GitError("push-rejected", `Cannot push to ${shown}: the checkout is not a branch, name a push branch or refspec`);
    out.push(branchRef);
  }
  return [...new Set(out)];
}

function fullBranch(shown: string, branch: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes("..") || branch.startsWith("/") || branch.endsWith("/") || branch.endsWith(".lock")) {
    throw new GitError("push-rejected", `Cannot push to ${shown}: "${branch}" is not a valid branch name`);
  }
  return branch.startsWith("refs/") ? branch : `refs/heads/${branch}`;
}
