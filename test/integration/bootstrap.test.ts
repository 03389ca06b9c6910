/**
 * `rivulet bootstrap git` on the real control plane against git http-backend with receive-pack: a
 * namespace owner (no cluster-wide rights) bootstraps into an empty repository, the agent (a child
 * process of bin/rivulet, as the installed ServiceAccount; the command too runs from bin/rivulet) applies its own commit, a re-run makes
 * no commit, and an upgrade (--image) is a new commit the agent applies to itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startAgentCommand, type AgentProcess } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";

let admin: KubeClient;
let git: GitServer;
let ns: string;
let owner: string;
let url: string;
let agent: AgentProcess | undefined;
let storage: string;
const repo = "fleet";
const CREDS = ["--username", "bot", "--password", "s3cret"];
const execFileAsync = promisify(execFile);

/** bin/rivulet bootstrap git as a child process, as the namespace owner. */
async function bootstrap(...args: string[]): Promise<{ code: number; err: string }> {
  const argv = ["bootstrap", "git", "--url", url, "--branch", "main", "--path", "clusters/dev", "--timeout", "90s"];
  const p = startAgentCommand([join(repoRoot, "bin/rivulet"), ...argv, "--kubeconfig", owner, "--namespace", ns, ...args]);
  const code = await p.exited;
  return { code, err: [...p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))), ...p.stderr].join("\n") };
}

const run = (args: string[]) => spawnSync("git", args, { cwd: git.gitDir(repo), encoding: "utf8" }).stdout;
const kustomization = async () => (await admin.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "rivulet-system" }))!;
const deploymentImage = async () => ((await admin.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: "rivulet" }))?.spec as any)?.template.spec.containers[0].image;

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("bootstrap");
  git = await startGitServer({ auth: { username: "bot", password: "s3cret" } });
  expect(spawnSync("git", ["init", "-q", "--bare", git.gitDir(repo)]).status).toBe(0);
  spawnSync("git", ["config", "http.receivepack", "true"], { cwd: git.gitDir(repo) });
  url = git.url(repo);
  storage = mkdtempSync(join(tmpdir(), "rivulet-bootstrap-"));
  // The namespace owner: every right in the namespace, nothing cluster-wide.
  const fm = { fieldManager: "rivulet-tests" };
  await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "owner", namespace: ns } }, fm);
  await admin.apply({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "owner", namespace: ns }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] }, fm);
  await admin.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "owner", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "owner" },
      subjects: [{ kind: "ServiceAccount", name: "owner", namespace: ns }],
    },
    fm,
  );
  owner = await serviceAccountKubeconfig(ns, "owner");
});
afterAll(async () => {
  agent?.child.kill();
  await agent?.exited;
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("rivulet bootstrap git", () => {
  test("without the rights to install, it is refused before the push and the first write", async () => {
    const fm = { fieldManager: "rivulet-tests" };
    await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "viewer", namespace: ns } }, fm);
    await admin.apply({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "viewer", namespace: ns }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"] }] }, fm);
    await admin.apply(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "viewer", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "viewer" }, subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: ns }] },
      fm,
    );
    const r = await bootstrap(...CREDS, "--kubeconfig", await serviceAccountKubeconfig(ns, "viewer"));
    expect(r.code).toBe(3);
    expect(r.err).toMatch(new RegExp(`Error: cannot install in namespace ${ns}: the caller lacks \\d+ permission\\(s\\), nothing was written:`));
    expect(r.err).toContain(`cannot create secrets: needed to write Secret/${ns}/rivulet-system`);
    expect(r.err).toContain(`cannot create gitrepositories.source.toolkit.fluxcd.io: needed to write GitRepository/${ns}/rivulet-system`);
    expect(spawnSync("git", ["rev-parse", "--verify", "-q", "main"], { cwd: git.gitDir(repo) }).status).not.toBe(0);
    expect(await admin.get({ apiVersion: "v1", kind: "ServiceAccount", namespace: ns, name: "rivulet" })).toBeUndefined();
  }, 60_000);

  test("into an empty repository: commits, pushes, installs, and the agent applies its own commit", async () => {
    const done = bootstrap(...CREDS);
    // No kubelet here: once install has made the agent's ServiceAccount, the agent runs as a child process with its token.
    await eventually("the install's ServiceAccount", async () => admin.get({ apiVersion: "v1", kind: "ServiceAccount", namespace: ns, name: "rivulet" }), 60_000);
    const kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
    agent = startAgentCommand([join(repoRoot, "bin/rivulet"), "run", "--kubeconfig", kubeconfig, "--no-leader-elect", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--storage-path", storage, "--log-level", "error"]);
    const r = await done;
    expect(r.err).toContain("► " + url + " has no branch main: it starts with this commit");
    expect(r.code).toBe(0);
    const head = run(["rev-parse", "main"]).trim();
    expect(run(["log", "--format=%s", "main"]).trim()).toBe(`Add rivulet v${(await import("../../package.json")).default.version} install and sync manifests`);
    expect(run(["ls-tree", "-r", "--name-only", "main"]).trim().split("\n")).toEqual([
      "clusters/dev/rivulet-system/agent.yaml",
      "clusters/dev/rivulet-system/kustomization.yaml",
      "clusters/dev/rivulet-system/sync.yaml",
    ]);
    expect(run(["grep", "-c", "s3cret", "main"])).toBe("");
    expect(r.err).toContain(`✔ Kustomization/${ns}/rivulet-system is Ready at main@sha1:${head}: the agent manages itself`);
    const k = await kustomization();
    expect((k.status as any).lastAppliedRevision).toBe(`main@sha1:${head}`);
    // Its inventory holds the agent's own Deployment and the Kustomization itself.
    const ids = ((k.status as any).inventory.entries as Array<{ id: string }>).map((e) => e.id);
    expect(ids).toContain(`${ns}_rivulet_apps_Deployment`);
    expect(ids).toContain(`${ns}_rivulet-system_kustomize.toolkit.fluxcd.io_Kustomization`);
    expect(ids).toContain(`${ns}_rivulet-system_source.toolkit.fluxcd.io_GitRepository`);
    const secret = (await admin.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "rivulet-system" }))!;
    expect(Object.keys(secret.data as object).sort()).toEqual(["password", "username"]);
    expect(r.err).not.toContain("s3cret");
  }, 120_000);

  test("a re-run with nothing changed makes no commit", async () => {
    const before = run(["rev-parse", "main"]).trim();
    const r = await bootstrap(...CREDS);
    expect(r.err).toContain(`✔ main already has these manifests at ${before}: nothing to commit`);
    expect(r.code).toBe(0);
    expect(run(["rev-list", "--count", "main"]).trim()).toBe("1");
  }, 120_000);

  test("an upgrade is a new commit that the agent applies to itself", async () => {
    const before = run(["rev-parse", "main"]).trim();
    const r = await bootstrap(...CREDS, "--image", "localhost/rivulet:next");
    expect(r.code).toBe(0);
    const head = run(["rev-parse", "main"]).trim();
    expect(run(["rev-parse", "main^"]).trim()).toBe(before);
    expect(run(["show", "--stat", "--format=", "main"])).toContain("clusters/dev/rivulet-system/agent.yaml | 2 +-");
    expect(r.err).toContain(`is Ready at main@sha1:${head}`);
    expect(await deploymentImage()).toBe("localhost/rivulet:next");
  }, 120_000);

  test("--secret-ref: the push authenticates with the existing Secret, and nothing is printed of it", async () => {
    const before = run(["rev-parse", "main"]).trim();
    const r = await bootstrap("--secret-ref", "rivulet-system", "--image", "localhost/rivulet:next");
    expect(r.err).toContain(`✔ main already has these manifests at ${before}: nothing to commit`);
    expect(r.err).not.toContain("Secret/");
    expect(r.err).not.toContain("s3cret");
    expect(r.code).toBe(0);
    const denied = await bootstrap("--secret-ref", "absent");
    expect(denied.err).toContain(`Error: Secret/${ns}/absent not found (--secret-ref)`);
    expect(denied.code).toBe(3);
  }, 120_000);

  test("a commit pushed by someone else is applied by the agent alone", async () => {
    const work = join(storage, "clone");
    const authed = url.replace("http://", "http://bot:s3cret@");
    // Asynchronously: the git server answers from this process.
    const sh = (args: string[], cwd = work) => execFileAsync("git", ["-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { cwd });
    await sh(["clone", "-q", "-b", "main", authed, work], storage);
    const file = join(work, "clusters/dev/rivulet-system/agent.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("localhost/rivulet:next", "localhost/rivulet:edited"));
    await sh(["commit", "-qam", "Edit the agent's image by hand"]);
    await sh(["push", "-q", "origin", "main"]);
    const head = run(["rev-parse", "main"]).trim();
    await admin.patch({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: ns, name: "rivulet-system" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
    await eventually("the Kustomization at the hand commit", async () => ((await kustomization()).status as any)?.lastAppliedRevision === `main@sha1:${head}`, 60_000);
    expect(await deploymentImage()).toBe("localhost/rivulet:edited");
  }, 120_000);
});
