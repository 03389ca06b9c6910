/**
 * The flux-style commands as a user runs them (real processes) against a running agent, a real git
 * server and the real control plane: create, reconcile --with-source, get, tree, events, suspend, resume.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startRivulet } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";

let client: KubeClient;
let ns: string;
let git: GitServer;
let agent: InProcessAgent;
let storage: string;
let kubeconfig: string;
let commit: string;

async function rivulet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = startRivulet([...args, "--kubeconfig", kubeconfig, "-n", ns]);
  const code = await p.exited;
  return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
}

beforeAll(async () => {
  client = await adminClient();
  kubeconfig = (await testCluster()).kubeconfig;
  ns = await uniqueNamespace("cli");
  git = await startGitServer();
  commit = await git.createRepo("podinfo", { "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  a: b\n" });
  storage = mkdtempSync(join(tmpdir(), "rivulet-cli-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("object commands", () => {
  test("create source git and kustomization, then reconcile --with-source reports both revisions", async () => {
    expect((await rivulet("create", "source", "git", "podinfo", "--url", git.url("podinfo"))).code).toBe(0);
    expect((await rivulet("create", "kustomization", "podinfo", "--source", "GitRepository/podinfo", "--path", "./deploy")).code).toBe(0);
    const r = await rivulet("reconcile", "kustomization", "podinfo", "--with-source", "--timeout", "60s");
    expect(r.err).toContain(`✔ fetched revision master@sha1:${commit}`);
    expect(r.err).toContain(`✔ applied revision master@sha1:${commit}`);
    expect(r.code).toBe(0);
  });

  test("get prints flux's columns with the revision and readiness", async () => {
    const ks = await rivulet("get", "kustomizations");
    expect(ks.out.split("\n")[0]).toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(ks.out).toMatch(new RegExp(`^podinfo\\s+master@sha1:${commit}\\s+false\\s+True\\s+Applied revision: master@sha1:${commit}$`, "m"));
    const src = await rivulet("get", "sources", "git");
    expect(src.out).toMatch(new RegExp(`^podinfo\\s+master@sha1:${commit}\\s+false\\s+True\\s+stored artifact for revision`, "m"));
  });

  test("tree shows the inventory and events shows what happened", async () => {
    const t = await rivulet("tree", "kustomization", "podinfo");
    expect(t.out).toBe(`Kustomization/${ns}/podinfo\n└── ConfigMap/${ns}/podinfo`);
    const e = await rivulet("events", "--for", "GitRepository/podinfo");
    expect(e.out).toMatch(/NewArtifact\s+GitRepository\/podinfo\s+stored artifact for commit/);
  });

  test("suspend stops reconciles; resume waits for one", async () => {
    expect((await rivulet("suspend", "kustomization", "podinfo")).code).toBe(0);
    const refused = await rivulet("reconcile", "kustomization", "podinfo");
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`Kustomization/${ns}/podinfo is suspended: run 'rivulet resume' first`);
    expect((await rivulet("get", "kustomizations", "podinfo")).out).toMatch(/^podinfo\s+\S+\s+true\s+/m);
    const resumed = await rivulet("resume", "kustomization", "podinfo", "--timeout", "60s");
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain("✔ Kustomization reconciliation completed: Applied revision");
  });

  test("diff kustomization: exit 0 in sync, exit 1 with a unified diff after an edit, and --path diffs a local change", async () => {
    const clean = await rivulet("diff", "kustomization", "podinfo");
    expect(clean.err).toContain("0 object(s) would change, 1 unchanged");
    expect(clean.code).toBe(0);
    await client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "podinfo", namespace: ns }, data: { a: "edited" } }, { fieldManager: "kubectl", force: true });
    const drift = await rivulet("diff", "kustomization", "podinfo");
    expect(drift.code).toBe(1);
    expect(drift.out).toContain("-  a: edited");
    expect(drift.out).toContain("+  a: b");
    const local = mkdtempSync(join(tmpdir(), "rivulet-diff-path-"));
    writeFileSync(join(local, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  a: local\n");
    const viaPath = await rivulet("diff", "kustomization", "podinfo", "--path", local);
    expect(viaPath.code).toBe(1);
    expect(viaPath.out).toContain("+  a: local");
    rmSync(local, { recursive: true, force: true });
  });

  test("a missing object is one clear error", async () => {
    const r = await rivulet("reconcile", "source", "git", "nope");
    expect(r.code).toBe(3);
    expect(r.err).toBe(`Error: GitRepository/${ns}/nope not found`);
  });
});
