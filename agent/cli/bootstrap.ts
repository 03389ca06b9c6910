/**
 * `rivulet bootstrap git`: puts an install under GitOps, as `flux bootstrap git` does, with namespaced
 * rights only. It checks out the branch (an empty repository or a missing branch starts from nothing),
 * commits under PATH/rivulet-system/ the install manifests and a GitRepository + Kustomization that sync
 * PATH into the namespace, pushes (never forced), then applies the auth Secret, the install and the sync
 * pair, and waits until the agent reports that Kustomization Ready at the pushed revision. A re-run with
 * nothing changed makes no commit; a changed flag (e.g. --image) is a new commit the agent applies to
 * itself. The CRDs and the caller's permissions are checked before the push and the first write.
 * Credentials go into the Secret only, never into the repository or the output.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { type CliIO, type Command, UsageError } from "./command.ts";
import { CLUSTER_OPTIONS, clusterClient } from "./cluster-flags.ts";
import { DEFAULT_IMAGE, installable, readTenantDocs } from "./install.ts";
import { readyOf } from "./object-status.ts";
import { parseDuration } from "../core/duration.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { installObjects } from "../install/install-objects.ts";
import { applyInstall } from "../install/install-apply.ts";
import { BOOTSTRAP, bootstrapFiles, normalizePath, syncObjects } from "../install/bootstrap-manifests.ts";
import { checkout } from "../source/git/git-checkout.ts";
import type { GitAuth } from "../source/git/smart-http.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { nodeSha1, zlibInflateAt } from "../runtime/native-git.ts";

export const FIELD_MANAGER = "rivulet-bootstrap";

const OPTIONS = {
  ...CLUSTER_OPTIONS,
  url: { type: "string" },
  branch: { type: "string" },
  path: { type: "string" },
  username: { type: "string" },
  password: { type: "string" },
  "token-auth": { type: "boolean" },
  "secret-ref": { type: "string" },
  "ca-file": { type: "string" },
  image: { type: "string" },
  "author-name": { type: "string" },
  "author-email": { type: "string" },
  timeout: { type: "string" },
} as const;

export const bootstrapGitCommand: Command = {
  path: ["bootstrap", "git"],
  summary: "Commit the install and its sync to a Git repository, install, and wait until the agent manages itself",
  help: `Usage: rivulet bootstrap git --url URL --namespace NS [--branch B] [--path P] [auth flags] [--image REF]

Checks out the branch (created when the repository or the branch is empty), commits
P/rivulet-system/agent.yaml (what 'rivulet install --export' prints), P/rivulet-system/sync.yaml (a
GitRepository and a Kustomization named rivulet-system that sync P into the namespace) and their
kustomization.yaml, pushes over smart HTTP (never forced), applies the auth Secret, the install and the
sync objects, and waits until the agent reports the rivulet-system Kustomization Ready at the pushed
revision. Re-running it with the same flags makes no commit; changing a flag (e.g. --image) makes a
new commit, which the agent applies to itself. Namespace-admin rights are enough when the CRDs are
installed; they are checked before the push.

Flags:
      --url URL             the repository's HTTP(S) URL
      --branch B            the branch to commit to (default main)
      --path P              the repository path to sync into the namespace (default: the root)
      --username U          HTTP basic auth user (default "git" with --password)
      --password P          HTTP basic auth password, or with --token-auth a bearer token
      --token-auth          send --password as a bearer token instead of basic auth
      --secret-ref NAME     use the existing Secret NAME in the namespace (username/password or
                            bearerToken, ca.crt) instead of creating rivulet-system
      --ca-file FILE        PEM CA bundle for an HTTPS server (stored in the Secret as ca.crt)
      --image REF           the agent's image (default ${DEFAULT_IMAGE})
      --author-name NAME    commit author (default rivulet)
      --author-email EMAIL  commit author's email (default rivulet@users.noreply.local)
      --timeout DURATION    how long to wait for the agent (default 5m)
  -n, --namespace NS        the tenant namespace (required)
      --kubeconfig FILE     kubeconfig to use (default: KUBECONFIG, ~/.kube/config)
      --context NAME        kubeconfig context to use`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: OPTIONS });
    if (!values.url) throw new UsageError("--url is required");
    if (!values.namespace) throw new UsageError("--namespace is required");
    if (values["secret-ref"] && (values.username || values.password)) throw new UsageError("--secret-ref and --username/--password are mutually exclusive");
    if (values["token-auth"] && !values.password) throw new UsageError("--token-auth needs the token in --password");
    if (values.username && !values.password) throw new UsageError("--username needs --password");
    const namespace = values.namespace;
    const branch = values.branch ?? "main";
    const path = normalizePath(values.path ?? "");
    const timeoutMs = parseDuration(values.timeout ?? "5m");
    const ca = values["ca-file"] ? readFileSync(values["ca-file"], "utf8") : undefined;
    const { client } = clusterClient(values);

    const secretName = values["secret-ref"] ?? (values.password || ca ? BOOTSTRAP.name : undefined);
    const given = credentials(values);
    const secret = !values["secret-ref"] && secretName ? authSecret(namespace, secretName, given, ca) : undefined;
    const fromSecret = values["secret-ref"] ? await readSecret(client, namespace, values["secret-ref"]) : undefined;
    const auth = fromSecret?.auth ?? given;

    const install = installObjects({ namespace, image: values.image ?? DEFAULT_IMAGE, allowKinds: [], artifactStorage: "pvc" }, readTenantDocs());
    const sync = syncObjects({ name: BOOTSTRAP.name, namespace, url: values.url, branch, path, secretName });
    if (!(await installable(client, namespace, [...install, ...(secret ? [secret] : []), ...sync], io))) return 3;

    const fetch = createFetch({ ca: ca ?? fromSecret?.ca });
    const co = await checkout({ url: values.url, fetch, auth, ref: { branch }, createMissingBranch: true, sha1: nodeSha1, inflate: zlibInflateAt, signal: io.signal });
    io.err(co.commit ? `► cloned ${co.url} branch ${branch} at ${co.commit}` : `► ${co.url} has no branch ${branch}: it starts with this commit`);
    const pushed = await co.commitAndPush(bootstrapFiles(path, install, sync), {
      author: { name: values["author-name"] ?? "rivulet", email: values["author-email"] ?? "rivulet@users.noreply.local" },
      message: `Add rivulet v${pkg.version} install and sync manifests`,
    });
    const commit = pushed.commit ?? co.commit!;
    io.err(pushed.commit ? `✔ pushed ${commit} to ${branch} (${path || "."}/${BOOTSTRAP.name})` : `✔ ${branch} already has these manifests at ${commit}: nothing to commit`);

    if (secret) {
      await client.apply(secret, { fieldManager: FIELD_MANAGER, force: true });
      io.err(`✔ Secret/${namespace}/${secretName} applied`);
    }
    for (const ref of await applyInstall(client, install)) io.err(`✔ ${ref} applied`);
    for (const o of sync) {
      await client.apply(o, { fieldManager: FIELD_MANAGER, force: true });
      io.err(`✔ ${o.kind}/${namespace}/${o.metadata.name} applied`);
    }
    // The source would see the commit at its next interval; ask for it now, as flux bootstrap does.
    const source = sync[0];
    await client.patch({ apiVersion: source.apiVersion, kind: source.kind, namespace, name: BOOTSTRAP.name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
    const revision = `${branch}@sha1:${commit}`;
    return (await waitForRevision(client, namespace, BOOTSTRAP.name, revision, timeoutMs, io)) ? 0 : 3;
  },
};

function credentials(values: { username?: string; password?: string; "token-auth"?: boolean }): GitAuth | undefined {
  if (!values.password) return undefined;
  return values["token-auth"] ? { bearerToken: values.password } : { username: values.username ?? "git", password: values.password };
}

/** The GitRepository's secretRef in Flux's keys: username/password or bearerToken, and ca.crt. */
function authSecret(namespace: string, name: string, auth: GitAuth | undefined, ca: string | undefined): KubeObject {
  const data: Record<string, string> = {};
  if (auth?.username !== undefined) data.username = auth.username;
  if (auth?.password !== undefined) data.password = auth.password;
  if (auth?.bearerToken !== undefined) data.bearerToken = auth.bearerToken;
  if (ca) data["ca.crt"] = ca;
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", stringData: data };
}

async function readSecret(client: KubeClient, namespace: string, name: string): Promise<{ auth?: GitAuth; ca?: string }> {
  const s = await client.get({ apiVersion: "v1", kind: "Secret", namespace, name });
  if (!s) throw new Error(`Secret/${namespace}/${name} not found (--secret-ref)`);
  const data = (s.data ?? {}) as Record<string, string>;
  const key = (k: string) => (data[k] === undefined ? undefined : new TextDecoder().decode(Uint8Array.from(atob(data[k]!), (c) => c.charCodeAt(0))));
  const bearerToken = key("bearerToken");
  const password = key("password");
  const auth = bearerToken ? { bearerToken } : password !== undefined ? { username: key("username"), password } : undefined;
  return { auth, ca: key("ca.crt") };
}

/**
 * Polls the Kustomization until it is Ready at `revision` (its lastAppliedRevision, for the generation
 * the agent last saw), printing each new Ready message. False on timeout, stall at that revision, or abort.
 */
export async function waitForRevision(client: KubeClient, namespace: string, name: string, revision: string, timeoutMs: number, io: CliIO): Promise<boolean> {
  const ref = `Kustomization/${namespace}/${name}`;
  io.err(`◎ waiting for ${ref} to apply ${revision} (up to ${Math.round(timeoutMs / 1000)} s)`);
  const deadline = Date.now() + timeoutMs;
  let said = "";
  while (Date.now() < deadline && !io.signal.aborted) {
    const k = await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace, name });
    const ready = k ? readyOf(k) : undefined;
    const status = (k?.status ?? {}) as { lastAppliedRevision?: string; observedGeneration?: number };
    const current = k !== undefined && status.observedGeneration === k.metadata.generation;
    if (current && ready?.status === "True" && status.lastAppliedRevision === revision) {
      io.err(`✔ ${ref} is Ready at ${revision}: the agent manages itself`);
      return true;
    }
    const line = ready ? `${ready.status === "True" ? "Ready" : "not Ready"} at ${status.lastAppliedRevision ?? "no revision"}: ${ready.message ?? ready.reason ?? ""}` : "not yet reconciled (is the agent running?)";
    if (line !== said) io.err(`  ${ref} ${line}`);
    said = line;
    await new Promise((r) => setTimeout(r, 1000));
  }
  io.err(`✗ ${ref} was not Ready at ${revision} within ${Math.round(timeoutMs / 1000)} s; the last state: ${said}`);
  return false;
}
