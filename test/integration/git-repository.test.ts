/**
 * GitRepository end to end: a real git smart-HTTP server (git http-backend) on loopback, the real control
 * plane, and rivulet's reconcilers composed as `rivulet run` composes them, with artifacts served over
 * HTTP at their status.artifact.url.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { unpack } from "../../agent/artifact/unpack.ts";

let client: KubeClient;
let ns: string;
let git: GitServer;
let authGit: GitServer;
let storage: string;
const API = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };

let agent: InProcessAgent;
const repo = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: API,
  kind: "GitRepository",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", ...spec },
});
const get = async (name: string, namespace = ns) => (await client.get({ apiVersion: API, kind: "GitRepository", namespace, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const artifact = (o: FluxObject | undefined) => o?.status?.artifact as { path: string; url: string; revision: string; digest: string; size: number; lastUpdateTime: string } | undefined;

async function readyWith(name: string, check: (o: FluxObject) => boolean = () => true, what = "Ready"): Promise<FluxObject> {
  return eventually(`GitRepository/${ns}/${name} ${what}`, async () => {
    const o = await get(name);
    return o && cond(o, "Ready")?.status === "True" && o.status?.observedGeneration === o.metadata.generation && check(o) ? o : undefined;
  }, 45_000);
}

async function requestReconcile(name: string): Promise<string> {
  const at = new Date().toISOString();
  await client.patch({ apiVersion: API, kind: "GitRepository", namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } }, "merge");
  return at;
}

async function filesAt(url: string, digest: string): Promise<Map<string, string>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(digest);
  const tree = await unpack(bytes, { digest: digest as `sha256:${string}` });
  const out = new Map<string, string>();
  for (const [p, n] of tree) if (n.kind === "file") out.set(p, new TextDecoder().decode(n.data));
  return out;
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("git");
  storage = mkdtempSync(join(tmpdir(), "rivulet-store-"));
  git = await startGitServer();
  authGit = await startGitServer({ auth: { username: "alice", password: "s3cret" } });
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await authGit?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("GitRepository", () => {
  test("the first fetch stores an artifact with Flux's revision, digest and URL, served over HTTP", async () => {
    const c1 = await git.createRepo("app", { "deploy/cm.yaml": "kind: ConfigMap\n", "README.md": "hi\n", "logo.png": "png" });
    await client.apply(repo("app", { url: git.url("app") }), fm);
    const o = await readyWith("app");
    const a = artifact(o)!;
    expect(a.revision).toBe(`master@sha1:${c1}`);
    expect(a.path).toBe(`gitrepository/${ns}/app/${c1}.tar.gz`);
    expect(a.url).toBe(`http://127.0.0.1:${agent.server.port}/${a.path}`);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.size).toBeGreaterThan(0);
    expect(cond(o, "Ready")).toMatchObject({ reason: "Succeeded", message: `stored artifact for revision 'master@sha1:${c1}'` });
    expect(cond(o, "ArtifactInStorage")).toMatchObject({ status: "True", reason: "Succeeded" });
    const files = await filesAt(a.url, a.digest);
    expect([...files.keys()].sort()).toEqual(["README.md", "deploy/cm.yaml"]); // *.png is a Flux default ignore
    const events = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
    expect(events.items.some((e) => e.reason === "NewArtifact" && (e.involvedObject as { name: string }).name === "app")).toBe(true);
  });

  test("a new commit becomes a new artifact; the old one is kept as the previous of two", async () => {
    const c2 = await git.commit("app", { "deploy/cm.yaml": "kind: ConfigMap\nv: 2\n" }, "second");
    const at = await requestReconcile("app");
    const o = await readyWith("app", (o) => artifact(o)?.revision === `master@sha1:${c2}`, "at the new commit");
    expect(o.status?.lastHandledReconcileAt).toBe(at);
    expect((await filesAt(artifact(o)!.url, artifact(o)!.digest)).get("deploy/cm.yaml")).toContain("v: 2");
  });

  test("when nothing moved, a reconcile keeps the same artifact", async () => {
    const before = artifact(await get("app"))!;
    const at = await requestReconcile("app");
    const o = await readyWith("app", (o) => o.status?.lastHandledReconcileAt === at, "after the request");
    expect(artifact(o)).toEqual(before);
  });

  test.each([
    ["a tag", (c: string) => ({ tag: "v1.0.0" }), (c: string) => `v1.0.0@sha1:${c}`],
    ["a semver range", (c: string) => ({ semver: ">=1.0.0 <2.0.0" }), (c: string) => `v1.2.0@sha1:${c}`],
    ["a commit", (c: string) => ({ commit: c }), (c: string) => `sha1:${c}`],
    ["a branch", (c: string) => ({ branch: "feature" }), (c: string) => `feature@sha1:${c}`],
  ] as const)("ref by %s resolves to Flux's revision format", async (what, refOf, revOf) => {
    const name = `ref-${what.replace(/\W/g, "")}`;
    const c = await git.createRepo(name, { "a.yaml": "a: 1\n" });
    await git.tag(name, "v1.0.0", { annotated: true, message: "v1" });
    const c12 = await git.commit(name, { "a.yaml": "a: 12\n" }, "1.2");
    await git.tag(name, "v1.2.0");
    await git.commit(name, { "a.yaml": "a: 2\n" }, "2.0");
    await git.tag(name, "v2.0.0");
    const fc = await git.commit(name, { "f.yaml": "f: 1\n" }, "feature", { branch: "feature" });
    const target = what === "a tag" ? c : what === "a semver range" ? c12 : what === "a branch" ? fc : c12;
    await client.apply(repo(name, { url: git.url(name), ref: refOf(target) }), fm);
    const o = await readyWith(name);
    expect(artifact(o)!.revision).toBe(revOf(target));
  });

  test("spec.ignore drops files from the artifact", async () => {
    await git.createRepo("ignored", { "keep.yaml": "k: 1\n", "drop/x.yaml": "x: 1\n", "notes.txt": "n\n" });
    await client.apply(repo("ignored", { url: git.url("ignored"), ignore: "drop/\n*.txt\n" }), fm);
    const o = await readyWith("ignored");
    expect([...(await filesAt(artifact(o)!.url, artifact(o)!.digest)).keys()]).toEqual(["keep.yaml"]);
    expect(o.status?.observedIgnore).toBe("drop/\n*.txt\n");
  });

  test("include puts another GitRepository's artifact at toPath", async () => {
    await git.createRepo("shared", { "base/svc.yaml": "kind: Service\n", "other.txt": "o\n" });
    await client.apply(repo("shared", { url: git.url("shared") }), fm);
    await readyWith("shared");
    await git.createRepo("main", { "app.yaml": "kind: Deployment\n" });
    await client.apply(repo("main", { url: git.url("main"), include: [{ repository: { name: "shared" }, fromPath: "base", toPath: "vendor/base" }] }), fm);
    const o = await readyWith("main");
    const files = await filesAt(artifact(o)!.url, artifact(o)!.digest);
    expect([...files.keys()].sort()).toEqual(["app.yaml", "vendor/base/svc.yaml"]);
    expect((o.status?.includedArtifacts as unknown[]).length).toBe(1);
    // Nothing moved: the includes are re-read and re-packed into the same artifact, and it stays Ready.
    const at = await requestReconcile("main");
    const again = await readyWith("main", (x) => x.status?.lastHandledReconcileAt === at, "reconciled again");
    expect(artifact(again)!.digest).toBe(artifact(o)!.digest);
  });

  test("basic auth works with the secret, and a wrong password sets FetchFailed but keeps the artifact", async () => {
    const c = await authGit.createRepo("private", { "p.yaml": "p: 1\n" });
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: ns }, stringData: { username: "alice", password: "s3cret" } }, fm);
    await client.apply(repo("private", { url: authGit.url("private"), secretRef: { name: "creds" } }), fm);
    const good = await readyWith("private");
    expect(artifact(good)!.revision).toBe(`master@sha1:${c}`);
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: ns }, stringData: { username: "alice", password: "wrong" } }, fm);
    await requestReconcile("private");
    const bad = await eventually("FetchFailed", async () => {
      const o = await get("private");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
    expect(cond(bad, "Ready")?.status).toBe("False");
    expect(cond(bad, "FetchFailed")!.message).toMatch(/401|auth/i);
    expect(artifact(bad)).toEqual(artifact(good));
    expect((await fetch(artifact(bad)!.url)).status).toBe(200);
    // Fixing the Secret is enough: the agent watches referenced Secrets (the interval is 10 minutes).
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: ns }, stringData: { username: "alice", password: "s3cret" } }, fm);
    const fixed = await eventually("recovery after the Secret was fixed", async () => {
      const o = await get("private");
      return cond(o, "Ready")?.status === "True" && !cond(o, "FetchFailed") ? o : undefined;
    });
    expect(artifact(fixed)!.revision).toBe(`master@sha1:${c}`);
  });

  test("with the git server down the object reports the failure and keeps serving its last artifact, also after an agent restart", async () => {
    const down = await startGitServer();
    await down.createRepo("flaky", { "f.yaml": "f: 1\n" });
    await client.apply(repo("flaky", { url: down.url("flaky") }), fm);
    const good = await readyWith("flaky");
    await down.stop();
    await requestReconcile("flaky");
    const failed = await eventually("FetchFailed", async () => {
      const o = await get("flaky");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
    expect(cond(failed, "FetchFailed")!.message).toContain("127.0.0.1");
    expect(artifact(failed)).toEqual(artifact(good));
    // Restart the agent on the same storage: the artifact is still there and served.
    await agent.stop();
    agent = await startAgent(client, ns, storage);
    const url = artifact(good)!.url.replace(/:\d+\//, `:${agent.server.port}/`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(`sha256:${createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex")}`).toBe(artifact(good)!.digest);
    expect(artifact(await get("flaky"))).toEqual(artifact(good));
  });

  test("spec.verify: a commit signed by a trusted key is verified; an unsigned new commit is refused and the verified artifact kept", async () => {
    const gnupg = mkdtempSync(join(tmpdir(), "rivulet-gpg-"));
    const gpg = (args: string[]) => {
      const r = spawnSync("gpg", ["--batch", "--no-tty", ...args], { env: { ...process.env, GNUPGHOME: gnupg }, encoding: "utf8" });
      if (r.error || r.status !== 0) throw new Error(`gpg ${args.join(" ")} failed (is gnupg installed?): ${r.stderr ?? r.error}`);
      return r.stdout;
    };
    try {
      gpg(["--passphrase", "", "--quick-gen-key", "Rivulet Signer <signer@rivulet.invalid>", "ed25519", "sign", "never"]);
      const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(["--with-colons", "--list-keys", "signer@rivulet.invalid"]))![1]!;
      const signEnv = { GNUPGHOME: gnupg, GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "commit.gpgsign", GIT_CONFIG_VALUE_0: "true", GIT_CONFIG_KEY_1: "user.signingkey", GIT_CONFIG_VALUE_1: fpr };
      await git.createRepo("signed", { "s.yaml": "s: 0\n" });
      const c1 = await git.commit("signed", { "s.yaml": "s: 1\n" }, "signed change", { env: signEnv });
      await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "pgp", namespace: ns }, stringData: { "signer.asc": gpg(["--armor", "--export", fpr]) } }, fm);
      await client.apply(repo("signed", { url: git.url("signed"), verify: { mode: "HEAD", secretRef: { name: "pgp" } } }), fm);
      const good = await readyWith("signed");
      expect(artifact(good)!.revision).toBe(`master@sha1:${c1}`);
      expect(cond(good, "SourceVerified")).toMatchObject({ status: "True", reason: "Succeeded" });
      await git.commit("signed", { "s.yaml": "s: 2\n" }, "unsigned change");
      await requestReconcile("signed");
      const bad = await eventually("SourceVerified=False", async () => {
        const o = await get("signed");
        return cond(o, "SourceVerified")?.status === "False" ? o : undefined;
      });
      expect(cond(bad, "SourceVerified")!.message).toContain("signature verification failed");
      expect(artifact(bad)).toEqual(artifact(good));
    } finally {
      spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupg } });
      rmSync(gnupg, { recursive: true, force: true });
    }
  });

  test("an SSH URL is refused with a message that says what to use instead", async () => {
    await client.apply(repo("ssh", { url: "ssh://git@example.invalid/x.git" }), fm);
    const o = await eventually("Stalled", async () => {
      const o = await get("ssh");
      return cond(o, "Stalled")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "InvalidURL" });
    expect(cond(o, "Ready")!.message).toContain("SSH URLs are not supported yet: use an https:// URL");
  });

  test("a GitRepository in another namespace is never touched", async () => {
    const other = await uniqueNamespace("git-other");
    await git.createRepo("elsewhere", { "e.yaml": "e: 1\n" });
    await client.apply({ ...repo("elsewhere", { url: git.url("elsewhere") }), metadata: { name: "elsewhere", namespace: other } }, fm);
    // A fence: one made after it in the agent's own namespace is reconciled. A watch that reached the
    // other namespace would have delivered "elsewhere" first (events come in resourceVersion order).
    await client.apply(repo("fence-elsewhere", { url: git.url("elsewhere") }), fm);
    await readyWith("fence-elsewhere");
    const o = await get("elsewhere", other);
    expect(o?.status?.conditions ?? []).toEqual([]);
    expect(o?.metadata.finalizers ?? []).toEqual([]);
    await deleteNamespace(other);
  });

  test("deleting the GitRepository removes its artifacts from storage", async () => {
    const a = artifact(await get("ignored"))!;
    await client.delete({ apiVersion: API, kind: "GitRepository", namespace: ns, name: "ignored" });
    await eventually("the object to be gone", async () => ((await get("ignored")) ? undefined : true));
    const url = a.url.replace(/:\d+\//, `:${agent.server.port}/`);
    expect((await fetch(url)).status).toBe(404);
  });
});
