/**
 * The GitRepository source's one entry point: resolve `spec.ref` against the remote (ls-refs only), stop
 * there when the revision equals the last one (`unchanged`, no pack download), else fetch exactly that
 * commit with depth 1, verify every object id, and return its files as a FileTree with `sparseCheckout`
 * applied, plus the commit (and annotated tag) objects that signature verification (verify/git-signature.ts)
 * needs. Includes are the reconciler's job; Flux's ignore rules are pack's (agent/artifact/pack.ts),
 * which applies them once over the commit's files and the includes, as Flux's archive step does.
 *
 * A commit ref with a branch (Flux clones that branch and checks the commit out of it, so the commit must
 * be on the branch): when the commit is not the branch tip, the branch's commit graph is fetched without
 * trees or blobs (`filter tree:0`) and walked; a server without filter support skips that check (the
 * commit must then merely exist on the server).
 *
 * Limits: DEFAULTS.timeoutMs for the whole operation (Flux's `spec.timeout` default); the artifact limits
 * (core/limits.ts) bound the pack, which is parsed as it downloads: a file over maxFileSize is refused from
 * its object header before it is inflated (and the download stops there), the commit's content over
 * maxArtifactSize while inflating, and the response a little above it.
 */
import type { FileTree } from "../../artifact/file-tree.ts";
import { DEFAULTS as LIMITS, type Limits } from "../../core/limits.ts";
import type { Fetch } from "../../core/fetch.ts";
import { displayUrl, GitError } from "./git-error.ts";
import { parseCommit, parseTag, type Commit, type Tag } from "./git-object.ts";
import type { InflateAt } from "./inflate.ts";
import { createPortableSha1, type Sha1 } from "./object-id.ts";
import type { GitObject } from "./packfile.ts";
import { planRef, refPrefixes, sameRevision, selectRef, type GitRef, type RefPlan, type SelectedRef } from "./ref.ts";
import { treeFiles } from "./tree-files.ts";
import { connect, fetchObjects, listRefs, supportsFilter, type Connection, type GitAuth } from "./upload-pack.ts";

export const DEFAULTS = {
  timeoutMs: 60_000,
  /** Tag objects may point at tags; this many hops at most. */
  maxTagChain: 10,
} as const;

export interface FetchGitArtifactOptions {
  url: string;
  ref?: GitRef;
  auth?: GitAuth;
  fetch: Fetch;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** `status.artifact.revision` of the stored artifact: when the resolved revision equals it, nothing is downloaded. */
  lastRevision?: string;
  sparseCheckout?: string[];
  /** Native helpers from agent/runtime (faster); portable ones are used otherwise. */
  inflate?: InflateAt;
  sha1?: Sha1;
  /** Force a protocol version (tests). */
  protocol?: 0 | 2;
  /** File and artifact sizes; core/limits.ts's DEFAULTS when absent. */
  limits?: Pick<Limits, "maxFileSize" | "maxArtifactSize">;
  /** Largest response (the packfile) read; derived from `limits` otherwise. */
  maxResponseBytes?: number;
}

export interface CommitInfo {
  id: string;
  author?: Commit["author"];
  committer?: Commit["committer"];
  message: string;
}

export interface GitArtifactUnchanged {
  unchanged: true;
  revision: string;
  commit: string;
}

export interface GitArtifactFetched {
  unchanged: false;
  revision: string;
  commit: string;
  files: FileTree;
  commitMeta: CommitInfo;
  /** Parsed objects for signature verification. */
  commitObject: Commit;
  /** The annotated tag object when the ref resolved to one. */
  tagObject?: Tag;
  /** Every object of the fetched pack by id (what a commit on top of this checkout builds on). */
  objects: Map<string, GitObject>;
}

export type GitArtifactResult = GitArtifactUnchanged | GitArtifactFetched;

export async function fetchGitArtifact(options: FetchGitArtifactOptions): Promise<GitArtifactResult> {
  const shown = displayUrl(options.url);
  let plan: RefPlan;
  try {
    plan = planRef(options.ref);
  } catch (err) {
    throw new GitError("ref-not-found", `Cannot fetch ${shown}: ${(err as Error).message}`, { cause: err });
  }
  // A commit alone names its revision without asking the server.
  if (plan.kind === "commit" && !plan.branch && sameRevision(options.lastRevision, `sha1:${plan.commit}`)) {
    return { unchanged: true, revision: `sha1:${plan.commit}`, commit: plan.commit };
  }
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const limits = { ...LIMITS, ...options.limits };
  // The pack is compressed, so at most a little above the content it carries (headers, pkt-lines).
  const maxResponseBytes = options.maxResponseBytes ?? limits.maxArtifactSize + limits.maxFileSize;
  const conn = await connect({ url: options.url, fetch: options.fetch, auth: options.auth, signal, protocol: options.protocol, timeoutMs, maxResponseBytes });
  const prefixes = refPrefixes(plan);
  let selected: SelectedRef;
  try {
    selected = selectRef(plan, prefixes.length > 0 ? await listRefs(conn, prefixes) : []);
  } catch (err) {
    if (err instanceof GitError) throw err;
    throw new GitError("ref-not-found", `Cannot fetch ${shown}: ${(err as Error).message}`, { cause: err });
  }
  if (sameRevision(options.lastRevision, selected.revision)) {
    return { unchanged: true, revision: selected.revision, commit: selected.commit };
  }
  const sha1 = options.sha1 ?? (await createPortableSha1());
  if (plan.kind === "commit" && plan.branch) await checkOnBranch(conn, plan.branch, plan.commit, sha1, options.inflate);

  const objects = await fetchObjects(conn, [selected.want], { sha1, inflate: options.inflate, maxObjectBytes: limits.maxFileSize, maxInflatedBytes: limits.maxArtifactSize }, { depth: 1 });
  try {
    const { commit, tag } = peel(objects, selected);
    const files = treeFiles(objects, commit.tree, { sparseCheckout: options.sparseCheckout });
    return {
      unchanged: false,
      revision: selected.revision,
      commit: selected.commit,
      files,
      commitMeta: { id: selected.commit, author: commit.author, committer: commit.committer, message: commit.message },
      commitObject: commit,
      tagObject: tag,
      objects,
    };
  } catch (err) {
    const sparse = /^sparse checkout/.test((err as Error).message);
    throw new GitError(sparse ? "sparse-checkout" : "corrupt", `Cannot fetch ${shown}: ${(err as Error).message}`, { cause: err });
  }
}

/** Follows `want` through annotated tags to the commit the ref listing promised. */
function peel(objects: Map<string, GitObject>, selected: SelectedRef): { commit: Commit; tag?: Tag } {
  let id = selected.want;
  let tag: Tag | undefined;
  for (let hop = 0; hop <= DEFAULTS.maxTagChain; hop++) {
    const o = objects.get(id);
    if (!o) throw new Error(`object ${id} is missing from the pack or does not match its id`);
    if (o.type === "commit") {
      if (id !== selected.commit) throw new Error(`ref resolved to commit ${id}, the server advertised ${selected.commit}`);
      return { commit: parseCommit(o.data), tag };
    }
    if (o.type !== "tag") throw new Error(`object ${id} is a ${o.type}, not a commit`);
    const t = parseTag(o.data);
    tag ??= t;
    id = t.object;
  }
  throw new Error(`tag chain from ${selected.want} is longer than ${DEFAULTS.maxTagChain}`);
}

/** Checks that `commit` is the branch tip or one of its ancestors, from commits fetched without trees. */
async function checkOnBranch(conn: Connection, branch: string, commit: string, sha1: Sha1, inflate?: InflateAt): Promise<void> {
  const refs = await listRefs(conn, [`refs/heads/${branch}`]);
  const tip = refs.find((r) => r.name === `refs/heads/${branch}`)?.id;
  if (!tip) throw new GitError("ref-not-found", `Cannot fetch ${conn.url}: reference "refs/heads/${branch}" not found`);
  if (tip === commit || !supportsFilter(conn)) return;
  const objects = await fetchObjects(conn, [tip], { sha1, inflate }, { filter: "tree:0" });
  const seen = new Set<string>();
  const queue = [tip];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (id === commit) return;
    if (seen.has(id)) continue;
    seen.add(id);
    const o = objects.get(id);
    if (o?.type === "commit") queue.push(...parseCommit(o.data).parents);
  }
  throw new GitError("ref-not-found", `Cannot fetch ${conn.url}: commit "${commit}" not found on branch "${branch}"`);
}
