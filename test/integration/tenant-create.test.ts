/**
 * `rivulet tenant create` on the real control plane: a platform admin applies what the command prints
 * (as a platform repository's reconciler would), the tenant's own agent runs (bin/rivulet, as the installed
 * ServiceAccount, no cluster-wide controller) and syncs the tenant's repository into its namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, repoRoot, serviceAccountKubeconfig } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startAgentCommand, type AgentProcess } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";

let admin: KubeClient;
let git: GitServer;
let agent: AgentProcess | undefined;
let storage: string;
const tenant = "dev-team";
const ns = `apps-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  admin = await adminClient();
  git = await startGitServer();
  await git.createRepo(tenant, { "apps/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  greeting: hello\n" }, { branch: "main" });
  storage = mkdtempSync(join(tmpdir(), "rivulet-tenant-"));
});
afterAll(async () => {
  agent?.child.kill();
  await agent?.exited;
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("rivulet tenant create", () => {
  test("its output, applied by a platform admin, gives the tenant an agent that syncs its repository", async () => {
    const p = startAgentCommand([join(repoRoot, "bin/rivulet"), "tenant", "create", tenant, "--namespace", ns, "--repo", git.url(tenant), "--path", "./apps", "--export"]);
    expect(await p.exited).toBe(0);
    const text = p.lines.map((l) => String(l.unparsed ?? "")).join("\n");
    const objects = parseDocuments(text) as KubeObject[];
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: ns } });
    expect(objects.filter((o) => !o.metadata.namespace).map((o) => o.kind)).toEqual(["Namespace"]);
    for (const o of objects) await admin.apply(o, { fieldManager: "platform-admin", force: true });
    agent = startAgentCommand([join(repoRoot, "bin/rivulet"), "run", "--kubeconfig", await serviceAccountKubeconfig(ns, "rivulet"), "--no-leader-elect", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--storage-path", storage, "--log-level", "error"]);
    const cm = await eventually("the tenant's ConfigMap", () => admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "app-config" }), 60_000);
    expect(cm.data).toEqual({ greeting: "hello" });
    const ks = (await admin.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: tenant }))!;
    const head = git.git(tenant, ["rev-parse", "main"]).trim();
    await eventually("the tenant Kustomization Ready", async () => {
      const k = (await admin.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: tenant }))!;
      return ((k.status as any)?.lastAppliedRevision === `main@sha1:${head}`) as boolean;
    });
    expect((ks.spec as any).serviceAccountName).toBe("rivulet");
  }, 120_000);
});
