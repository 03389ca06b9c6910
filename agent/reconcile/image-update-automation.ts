/**
 * ImageUpdateAutomation (image.toolkit.fluxcd.io/v1), as image-automation-controller runs it: check out
 * the GitRepository's repository (same namespace only, refused before anything is read) at
 * spec.git.checkout.ref or the GitRepository's own ref, with its secretRef credentials and TLS; write the
 * latest images of the ImagePolicies spec.policySelector picks into the setter markers under
 * spec.update.path (agent/image/setters.ts); commit (author, message template, signing key) and push
 * (agent/source/git/git-checkout.ts). Nothing changed means no commit; the status still records the run
 * (lastAutomationRunTime, observedPolicies, observedSourceRevision).
 *
 * Push branches: the commit goes on top of the push branch when it exists, else the branch is created
 * from the checkout. Flux force-pushes a push branch that differs from the checkout branch (feature gate
 * GitForcePushBranch); rivulet never forces: a push that loses a race (the branch moved) is redone on a
 * fresh checkout, at most DEFAULTS.pushAttempts times, and then fails as GitOperationFailed.
 *
 * Ready messages and the event are Flux's: "committed and pushed commit 'SHA' to branch 'B'" (with
 * " and using refspec 'R'"), the event adding the commit message on a new line; "no updates made" (with
 * "; last commit SHA7 at TIME"). Files the setters left alone (not YAML, a marker naming a policy this
 * automation does not select, e.g. another namespace's) are named in the Ready message and in a Warning
 * event, where Flux drops them silently.
 */
import { NotReadyError, TerminalError, TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { formatTime } from "../core/time.ts";
import { formatRef } from "../core/ref.ts";
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import { gitRepositoryKind, type GitRepositorySpec } from "../api/git-repository.ts";
import { imagePolicyKind, type ImagePolicyStatus, type ImageRef } from "../api/image-policy.ts";
import {
  imageUpdateAutomationKind,
  UPDATE_STRATEGY_SETTERS,
  type ImageUpdateAutomationSpec,
  type ImageUpdateAutomationStatus,
} from "../api/image-update-automation.ts";
import { commitMessage, type RenderCommitMessage } from "../image/commit-message.ts";
import { updateWithSetters, type PolicyImage, type SetterNote } from "../image/setters.ts";
import { checkout, type Checkout, type PushResult } from "../source/git/git-checkout.ts";
import { PushRaceError } from "../source/git/git-error.ts";
import type { InflateAt } from "../source/git/inflate.ts";
import type { Sha1 } from "../source/git/object-id.ts";
import type { CommitSigner } from "../source/git/object-writer.ts";
import type { GitRef } from "../source/git/ref.ts";
import type { KindObject, ReconcileContext, Reconciler } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";

export const DEFAULTS = {
  /** Checkouts tried when a push loses a race with another writer of the branch. */
  pushAttempts: 3,
  /** How soon to look again for a GitRepository that does not exist yet (Flux's --requeue-dependency). */
  dependencyRequeueMs: 30_000,
  /** Git deadline when the GitRepository sets no spec.timeout (its CRD default). */
  timeoutMs: 60_000,
};

export interface ImageUpdateAutomationDeps {
  /** A fetch bound to TLS settings (custom CA, client certificate). */
  fetchFor(tls: TlsOptions): Fetch;
  sha1?: Sha1;
  inflate?: InflateAt;
  /** The Go template engine's message entry point; without it only the default message works. */
  renderCommitMessage?: RenderCommitMessage;
  /** Builds a signer from the signing key Secret; defaults to the OpenPGP and SSH signers, loaded on first use. */
  signer?(type: "gpg" | "ssh", secret: Record<string, string>): Promise<CommitSigner>;
}

type Obj = KindObject<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus>;
type Ctx = ReconcileContext<ImageUpdateAutomationStatus>;
type GitSpec = NonNullable<ImageUpdateAutomationSpec["git"]>;

export function imageUpdateAutomationReconciler(deps: ImageUpdateAutomationDeps): Reconciler<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus> {
  return {
    apiVersion: imageUpdateAutomationKind.apiVersion,
    kind: imageUpdateAutomationKind.kind,
    controllerName: "image-automation-controller",
    async reconcile(obj, ctx) {
      const spec = obj.spec;
      const started = ctx.now();
      const strategy = spec.update?.strategy ?? UPDATE_STRATEGY_SETTERS;
      if (strategy !== UPDATE_STRATEGY_SETTERS) throw new TerminalError("InvalidUpdateStrategy", `unsupported update strategy '${strategy}'`);
      const git = spec.git;
      if (!git) throw new TerminalError("InvalidSourceConfiguration", "source configuration requires .spec.git");
      const repo = await gitRepositoryOf(obj, ctx);
      const checkoutRef = (git.checkout?.ref ?? repo.spec.ref) as GitRef | undefined;
      const pushBranch = git.push?.branch || undefined;
      if (!pushBranch && !git.push?.refspec && !checkoutRef?.branch) {
        throw new TerminalError("InvalidSourceConfiguration", "Push spec not provided, and cannot be inferred from .spec.git.checkout.ref or GitRepository .spec.ref");
      }
      const policies = await selectedPolicies(obj, ctx);
      const observedPolicies: Record<string, ImageRef> = {};
      for (const p of policies) if (p.latestRef) observedPolicies[p.name] = p.latestRef;
      const open = await opener(obj, ctx, repo, checkoutRef, pushBranch !== checkoutRef?.branch ? pushBranch : undefined, deps);
      const signer = git.commit.signingKey ? await signerOf(obj, ctx, git, deps) : undefined;

      await ctx.progress(`checking out ${repo.spec.url}`);
      for (let attempt = 1; ; attempt++) {
        const co = await open();
        const revision = revisionOf(co);
        let update;
        try {
          update = updateWithSetters(co.files, spec.update?.path, policies);
        } catch (err) {
          throw new TransientError("UpdateFailed", `failed to update with setters: ${(err as Error).message}`, { cause: err });
        }
        const notes = notesText(update.notes);
        if (notes) await ctx.events.record(obj, { type: "Warning", reason: "UpdateFailed", message: `files left as they were: ${notes}` });
        const runStatus = { lastAutomationRunTime: formatTime(started), observedPolicies, observedSourceRevision: revision };
        if (update.files.size === 0) {
          const last = obj.status?.lastPushCommit && obj.status.lastPushTime ? `; last commit ${obj.status.lastPushCommit.slice(0, 7)} at ${obj.status.lastPushTime}` : "";
          return { reason: "Succeeded", message: `no updates made${last}${notes ? `; ${notes}` : ""}`, status: runStatus };
        }
        const message = await messageOf(obj, git, update.fileChanges, deps);
        let pushed: PushResult;
        try {
          pushed = await co.commitAndPush(update.files, {
            author: { name: git.commit.author.name ?? "", email: git.commit.author.email },
            message,
            signer,
            branch: pushBranch,
            refspec: git.push?.refspec,
            pushOptions: pushOptionsOf(git.push?.options),
            now: ctx.now(),
          });
        } catch (err) {
          // Someone pushed in between: redo the change on their commit, never over it.
          if (err instanceof PushRaceError && attempt < DEFAULTS.pushAttempts) {
            ctx.log.info("push lost a race, checking out again", { attempt, ref: err.ref });
            continue;
          }
          throw err;
        }
        if (!pushed.commit) return { reason: "Succeeded", message: "no updates made", status: runStatus };
        const summary = pushSummary(pushed.commit, pushBranch ?? shortBranch(co.branchRef), git.push?.refspec);
        await ctx.events.record(obj, { type: "Normal", reason: "Succeeded", message: `${summary}\n${message}` });
        const branch = pushBranch ?? shortBranch(co.branchRef);
        return {
          reason: "Succeeded",
          message: `${summary}${notes ? `; ${notes}` : ""}`,
          status: {
            ...runStatus,
            lastPushCommit: pushed.commit,
            lastPushTime: formatTime(started),
            observedSourceRevision: branch ? `${branch}@sha1:${pushed.commit}` : `sha1:${pushed.commit}`,
          },
        };
      }
    },
  };
}

type GitRepositoryObject = KindObject<GitRepositorySpec, unknown>;

async function gitRepositoryOf(obj: Obj, ctx: Ctx): Promise<GitRepositoryObject> {
  const own = obj.metadata.namespace!;
  const { name, namespace = own, kind } = obj.spec.sourceRef;
  if (kind !== gitRepositoryKind.kind) throw new TerminalError("InvalidSourceConfiguration", `source kind '${kind}' not supported`);
  if (namespace !== own) {
    throw new TerminalError("AccessDenied", `cannot access '${gitRepositoryKind.kind}/${namespace}/${name}', cross-namespace references have been blocked`);
  }
  const repo = await ctx.read({ apiVersion: gitRepositoryKind.apiVersion, kind: gitRepositoryKind.kind, namespace: own, name });
  if (!repo) {
    throw new NotReadyError("DependencyNotReady", `referenced source ${gitRepositoryKind.kind}/${own}/${name} does not exist`, { retryAfterMs: DEFAULTS.dependencyRequeueMs });
  }
  return repo as GitRepositoryObject;
}

/** The namespace's ImagePolicies the selector picks (all of them without one), as the setters need them. */
async function selectedPolicies(obj: Obj, ctx: Ctx): Promise<PolicyImage[]> {
  const ns = obj.metadata.namespace!;
  const labelSelector = labelSelectorOf(obj.spec.policySelector);
  const list = await ctx.client.list({ apiVersion: imagePolicyKind.apiVersion, kind: imagePolicyKind.kind, namespace: ns }, labelSelector ? { labelSelector } : {});
  return list.items.map((p) => ({
    namespace: ns,
    name: p.metadata.name!,
    latestRef: (p.status as ImagePolicyStatus | undefined)?.latestRef,
  }));
}

/** A metav1.LabelSelector as the API server's string form. */
export function labelSelectorOf(sel: ImageUpdateAutomationSpec["policySelector"]): string {
  if (!sel) return "";
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else throw new TerminalError("InvalidPolicySelector", `failed to parse policy selector: "${e.operator}" is not a valid label selector operator`);
  }
  return parts.join(",");
}

/** A function that checks the repository out afresh (each push attempt starts from a new checkout). */
async function opener(obj: Obj, ctx: Ctx, repo: GitRepositoryObject, ref: GitRef | undefined, pushBranch: string | undefined, deps: ImageUpdateAutomationDeps): Promise<() => Promise<Checkout>> {
  const url = repo.spec.url;
  if (!/^https?:\/\//.test(url)) {
    throw new TerminalError("InvalidSourceConfiguration", `${formatRef(obj)}: URL "${url}" of ${formatRef(repo)} must start with http:// or https://`);
  }
  const secret = repo.spec.secretRef ? await readSourceSecret(ctx, repo, repo.spec.secretRef.name) : {};
  const fetch = deps.fetchFor(tlsFromSecret(secret));
  const timeoutMs = repo.spec.timeout ? parseDuration(repo.spec.timeout) : DEFAULTS.timeoutMs;
  const auth = { username: secret.username, password: secret.password, bearerToken: secret.bearerToken };
  return () => checkout({ url, fetch, auth, ref, pushBranch, timeoutMs, sha1: deps.sha1, inflate: deps.inflate });
}

async function signerOf(obj: Obj, ctx: Ctx, git: GitSpec, deps: ImageUpdateAutomationDeps): Promise<CommitSigner> {
  const key = git.commit.signingKey!;
  const type = key.type ?? "gpg";
  const secret = await readSourceSecret(ctx, obj, key.secretRef.name);
  const field = type === "gpg" ? "git.asc" : "identity";
  const where = `Secret/${obj.metadata.namespace}/${key.secretRef.name}`;
  if (!secret[field]) throw new TerminalError("InvalidSigningKey", `signing key secret '${where}' has no '${field}'`);
  try {
    if (deps.signer) return await deps.signer(type, secret);
    // openpgp (~26 MiB resident) loads only when an automation signs.
    if (type === "gpg") return await (await import("../source/git/openpgp-signer.ts")).openpgpSigner(secret[field]!, secret.passphrase);
    return await (await import("../source/git/ssh-signer.ts")).sshSigner(secret[field]!, secret.password);
  } catch (err) {
    // The key's text stays out of the message: only what went wrong reading it.
    throw new TerminalError("InvalidSigningKey", `cannot read the ${type} signing key in ${where}: ${(err as Error).message}`, { cause: err });
  }
}

async function messageOf(obj: Obj, git: GitSpec, fileChanges: Parameters<typeof commitMessage>[0]["fileChanges"], deps: ImageUpdateAutomationDeps): Promise<string> {
  const template = git.commit.messageTemplate;
  const render: RenderCommitMessage = deps.renderCommitMessage ?? (async () => ({ error: "this agent has no template engine for spec.git.commit.messageTemplate" }));
  try {
    return await commitMessage(
      { template, automation: { namespace: obj.metadata.namespace!, name: obj.metadata.name! }, fileChanges, values: git.commit.messageTemplateValues },
      render,
    );
  } catch (err) {
    throw new TerminalError("InvalidMessageTemplate", `failed to create commit message: ${(err as Error).message}`, { cause: err });
  }
}

/** spec.git.push.options as git push options: `key=value`, or the key alone for an empty value (GitLab's flags). */
export function pushOptionsOf(options: Record<string, string> | undefined): string[] | undefined {
  if (!options) return undefined;
  return Object.keys(options)
    .sort()
    .map((k) => (options[k] ? `${k}=${options[k]}` : k));
}

/** Flux's Ready message after a push. */
export function pushSummary(commit: string, branch: string | undefined, refspec: string | undefined): string {
  if (branch && refspec) return `committed and pushed commit '${commit}' to branch '${branch}' and using refspec '${refspec}'`;
  if (refspec) return `committed and pushed commit '${commit}' using refspec '${refspec}'`;
  return `committed and pushed commit '${commit}' to branch '${branch}'`;
}

function revisionOf(co: Checkout): string {
  const branch = shortBranch(co.branchRef);
  if (!co.commit) return "";
  return branch ? `${branch}@sha1:${co.commit}` : `sha1:${co.commit}`;
}

const shortBranch = (ref: string | undefined) => ref?.replace(/^refs\/heads\//, "");

function notesText(notes: SetterNote[]): string {
  return notes.map((n) => `${n.file}: ${n.message}`).join("; ");
}
