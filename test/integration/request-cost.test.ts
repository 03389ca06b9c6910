/**
 * What one Kustomization of four objects (Flux's benchmark app: ServiceAccount, Deployment, Service,
 * Ingress) costs in API requests, counted per verb and resource as `rivulet run` counts them
 * (rivulet_kube_resource_requests_total), on the real control plane: its first apply, a no-op
 * re-reconcile, and an upgrade that changes all four objects. A first Kustomization of the same kinds
 * runs before, so the live cache already watches them (its list and watch per kind are paid once per
 * agent, not per Kustomization). The GitRepository's own requests are left out.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { createHttpClient, resourceOfPath } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let admin: KubeClient;
let ns: string;
let git: GitServer;
let agent: InProcessAgent;
let storage: string;
/** "verb resource" of every request the agent sent, in order. */
const sent: string[] = [];

/** Flux's benchmark app at version `v`: each version changes all four objects. */
const app = (v: number) => `apiVersion: v1
kind: ServiceAccount
metadata: {name: app, labels: {version: v${v}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, labels: {version: v${v}}}
spec:
  replicas: 0
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      containers: [{name: app, image: "ghcr.io/stefanprodan/podinfo:6.7.${v}", ports: [{containerPort: 9898, name: http}]}]
---
apiVersion: v1
kind: Service
metadata: {name: app, labels: {version: v${v}}}
spec: {selector: {app: app}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, labels: {version: v${v}}}
spec:
  rules: [{host: app.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}]}}]
`;

const { when, request } = kustomizationProbe(() => ({ admin, namespace: ns }));
const readyAt = (rev: string) => (o: FluxObject) =>
  o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true && o.status?.observedGeneration === o.metadata.generation && o.status?.lastAppliedRevision === rev;

/** A Kustomization `name` of its own GitRepository `repo`, Ready at `rev`. */
async function createKustomization(name: string, repo: string, rev: string): Promise<void> {
  await admin.apply(
    { apiVersion: KS, kind: "Kustomization", metadata: { name, namespace: ns }, spec: { interval: "1h", path: "./app", prune: true, wait: true, timeout: "1m", namePrefix: `${name}-`, sourceRef: { kind: "GitRepository", name: repo } } },
    fm,
  );
  await when(name, "Ready", readyAt(rev));
}

async function sourceAt(repo: string, commit: string): Promise<void> {
  await request("GitRepository", repo);
  const rev = `master@sha1:${commit}`;
  for (let i = 0; i < 300; i++) {
    const o = (await admin.get({ apiVersion: SRC, kind: "GitRepository", namespace: ns, name: repo })) as FluxObject | undefined;
    if ((o?.status?.artifact as { revision?: string } | undefined)?.revision === rev) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`GitRepository ${repo} did not reach ${rev}`);
}

/** The requests `fn` makes the agent send, by "verb resource", the GitRepository's own left out. */
async function requestsOf(fn: () => Promise<void>): Promise<Record<string, number>> {
  const from = sent.length;
  await fn();
  // Writes that end a reconcile (events, a delayed status) have a moment to go out.
  await new Promise((r) => setTimeout(r, 1500));
  const out: Record<string, number> = {};
  for (const r of sent.slice(from)) if (!r.includes("gitrepositories")) out[r] = (out[r] ?? 0) + 1;
  return out;
}


beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("rq");
  git = await startGitServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-rq-"));
  const counted = createHttpClient({ transport: connect({ kubeconfig: (await testCluster()).kubeconfig }).transport, onRequest: (verb, path) => void sent.push(`${verb} ${resourceOfPath(path)}`) });
  agent = await startAgent(counted, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("requests per Kustomization of four objects", () => {
  let v1 = "";
  test("the first apply", async () => {
    const commits: Record<string, string> = {};
    for (const repo of ["warm", "apps"]) {
      commits[repo] = await git.createRepo(repo, { "app/all.yaml": app(1) });
      await admin.apply({ apiVersion: SRC, kind: "GitRepository", metadata: { name: repo, namespace: ns }, spec: { interval: "1h", url: git.url(repo) } }, fm);
      await sourceAt(repo, commits[repo]);
    }
    v1 = commits.apps!;
    await createKustomization("warm", "warm", `master@sha1:${commits.warm}`);
    const first = await requestsOf(() => createKustomization("one", "apps", `master@sha1:${v1}`));
    expect(first).toEqual({
      "patch kustomizations": 1,
      // The first object of the stage (kind order) is validated by its own apply, after the others' dry-runs.
      "dry-run services": 1,
      "dry-run deployments": 1,
      "dry-run ingresses": 1,
      "apply serviceaccounts": 1,
      "apply services": 1,
      "apply deployments": 1,
      "apply ingresses": 1,
      "post events": 1,
      // The inventory written ahead of the first write (issue 25), and the status the reconcile ends with.
      "apply kustomizations/status": 2,
    });
    // The one Event is created as client-go's recorder creates one (an Update in managedFields, not an
    // Apply), with the fields `kubectl events` and Flux read.
    const evs = (await admin.list({ apiVersion: "v1", kind: "Event", namespace: ns })).items.filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === "one");
    expect(evs.map((e) => { const x = e as unknown as { type: string; count: number; source: { component: string }; involvedObject: { kind: string } }; return [x.type, x.count, x.source.component, x.involvedObject.kind, (e.metadata.managedFields as Array<{ operation: string }> | undefined)?.map((m) => m.operation)]; })).toEqual([
      ["Normal", 1, "kustomize-controller", "Kustomization", ["Update"]],
    ]);
  });

  test("a no-op re-reconcile", async () => {
    const noop = await requestsOf(async () => {
      await request("Kustomization", "one");
      await when("one", "handled the request", (o) => Boolean(o.status?.lastHandledReconcileAt));
    });
    // Only status.lastHandledReconcileAt, as Flux writes it for a requested reconcile.
    expect(noop).toEqual({ "apply kustomizations/status": 1 });
  });

  test("an upgrade changing all four objects", async () => {
    const v2 = await git.commit("apps", { "app/all.yaml": app(2) }, "v2");
    const upgrade = await requestsOf(async () => {
      await sourceAt("apps", v2);
      await when("one", "at v2", readyAt(`master@sha1:${v2}`));
    });
    expect(upgrade).toEqual({
      "dry-run services": 1,
      "dry-run deployments": 1,
      "dry-run ingresses": 1,
      "apply serviceaccounts": 1,
      "apply services": 1,
      "apply deployments": 1,
      "apply ingresses": 1,
      // One is the GitRepository's "stored artifact" (an Event's path does not name its object).
      "post events": 2,
      "apply kustomizations/status": 1,
    });
  });
});
