/**
 * An agent that loses its leader Lease and takes it back must judge health from caches that are fed in
 * its new term. The agent runs as `rivulet run` runs it (TenantAgent + runLeaderElection, short Lease
 * timings) against the real control plane (the controller-manager gives Deployments status). The Lease
 * is taken from it by writing another holder with a fresh renewTime (its renewals then fail), then
 * given back, once deleted (a cold term) and once handed back to its own identity (a resumed term, the
 * old Manager's caches). Afterwards a new commit changes a Deployment: its Kustomization (wait: true)
 * must be Ready at that commit, which needs the Deployment's new status from a watch of this term. A
 * HelmRelease upgraded after a lost term must pass Helm's wait the same way (its live cache is its own).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { adminClient, deleteNamespace, repoRoot, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { createLogger } from "../../agent/core/logger.ts";
import { formatMicroTime } from "../../agent/core/time.ts";
import { agentMetrics } from "../../agent/http/metrics.ts";
import { TenantAgent } from "../../agent/cli/tenant-agent.ts";
import { runLeaderElection } from "../../agent/kube/leader-election.ts";
import { createArtifactApp } from "../../agent/http/artifact-app.ts";
import { serve, type Served } from "../../agent/runtime/serve.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const HELM = "helm.toolkit.fluxcd.io/v2";
const haveEngine = existsSync(join(repoRoot, "wasm", "helm-template", "build", "helm-template.wasm"));
const fm = { fieldManager: "rivulet-tests" };
const IDENTITY = "agent-a";
let client: KubeClient;
let ns: string;
let git: GitServer;
let storage: string;
let artifacts: Served | undefined;
const stop = new AbortController();
let election: Promise<void> | undefined;
const logs: Array<{ msg: string }> = [];

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 0
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: ${image}
`;
const { when, request } = kustomizationProbe(() => ({ admin: client, namespace: ns }));
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const readyAt = (rev: string) => (o: FluxObject) => cond(o, "Ready")?.status === "True" && o.status?.lastAppliedRevision === rev;
const leaseKey = () => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: ns, name: "rivulet" });
const lease = async () => (await client.get(leaseKey())) as (KubeObject & { spec?: Record<string, unknown> }) | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};
const count = (msg: string) => logs.filter((l) => l.msg === msg).length;

/** Writes `holder` into the Lease with a fresh renewTime (the agent's renewals fail until it expires). */
async function setHolder(holder: string): Promise<void> {
  const l = (await lease())!;
  await client.apply(
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "rivulet", namespace: ns }, spec: { ...l.spec, holderIdentity: holder, renewTime: formatMicroTime(new Date()) } },
    { fieldManager: "rivulet-tests", force: true },
  );
}

/** Takes the Lease away until the agent logs the loss, and gives it back as `back` does. */
async function loseAndRetake(back: () => Promise<void>): Promise<void> {
  const lost = count("lost the leader lease: could not renew it within the renew deadline");
  const acquired = count("acquired the leader lease");
  // The agent's renewals are refused while another identity holds a fresh Lease; keep it fresh.
  const hold = (async () => {
    while (count("lost the leader lease: could not renew it within the renew deadline") === lost) {
      await setHolder("someone-else").catch(() => undefined);
      await sleep(300);
    }
  })();
  await until("the lost Lease", () => count("lost the leader lease: could not renew it within the renew deadline") > lost);
  await hold;
  await back();
  await until("the Lease taken back", () => count("acquired the leader lease") > acquired);
}

/** A new commit changes the Deployment: Ready at it needs the Deployment's new status. */
async function changeAndExpectReady(name: string, image: string): Promise<void> {
  const c = await git.commit(name, { "web.yaml": deployment("web", image) });
  await request("GitRepository", name);
  const started = Date.now();
  const o = await when(name, "Ready", readyAt(`master@sha1:${c}`), 30_000).catch(async (err) => {
    const now = (await client.get({ apiVersion: KS, kind: "Kustomization", namespace: ns, name })) as FluxObject | undefined;
    throw new Error(`${(err as Error).message}; Ready: ${JSON.stringify(cond(now, "Ready"))}`);
  });
  expect(cond(o, "Healthy")?.status).toBe("True");
  expect(Date.now() - started).toBeLessThan(30_000);
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("leaseloss");
  git = await startGitServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-leaseloss-"));
  const log = createLogger((line) => void logs.push(JSON.parse(line)), { level: "info" });
  const metrics = agentMetrics();
  let agent: TenantAgent | undefined;
  artifacts = await serve(createArtifactApp({ get: (p) => agent!.parts.store.get(p) }).fetch, "127.0.0.1", 0);
  agent = new TenantAgent({
    namespace: ns,
    client,
    log,
    metrics,
    identity: IDENTITY,
    compose: { storagePath: storage, storageBaseUrl: `http://127.0.0.1:${artifacts.port}`, metrics, healthPollMs: 250 },
    concurrency: 4,
    rateLimitIntervalMs: 1_000,
  });
  election = runLeaderElection(client, {
    namespace: ns,
    name: "rivulet",
    identity: IDENTITY,
    signal: stop.signal,
    log,
    onStartedLeading: (leading, resumed) => void agent!.start(leading, resumed),
    leaseDurationSeconds: 2,
    renewDeadlineSeconds: 1,
    retryPeriodSeconds: 0.25,
  });
});
afterAll(async () => {
  stop.abort();
  await election;
  await artifacts?.close();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("an agent that lost its leader Lease and took it back", () => {
  const app = async (name: string) => {
    const c = await git.createRepo(name, { "web.yaml": deployment("web", "nginx:1.27") });
    await client.apply({ apiVersion: SRC, kind: "GitRepository", metadata: { name, namespace: ns }, spec: { interval: "10m", url: git.url(name) } }, fm);
    await client.apply(
      { apiVersion: KS, kind: "Kustomization", metadata: { name, namespace: ns }, spec: { interval: "10m", path: "./", prune: true, wait: true, timeout: "20s", sourceRef: { kind: "GitRepository", name } } },
      fm,
    );
    await when(name, "Ready", readyAt(`master@sha1:${c}`));
  };

  test("a cold term (the Lease deleted, then taken again) sees a changed Deployment become Available", async () => {
    await app("cold");
    await loseAndRetake(() => client.delete(leaseKey()).then(() => undefined));
    expect(logs.some((l) => l.msg.startsWith("leading again"))).toBe(false);
    await changeAndExpectReady("cold", "nginx:1.28");
  }, 120_000);

  test("a resumed term (the Lease handed back to this identity) sees a changed Deployment become Available", async () => {
    await loseAndRetake(() => setHolder(IDENTITY));
    await until("the resumed term", () => logs.some((l) => l.msg.startsWith("leading again")));
    await changeAndExpectReady("cold", "nginx:1.29");
  }, 120_000);

  test.skipIf(!haveEngine)("a HelmRelease upgraded after another lost term waits on a Deployment its new term watches", async () => {
    const chart = {
      "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
      "templates/web.yaml": deployment("{{ .Release.Name }}", "{{ .Values.image }}"),
    };
    await git.createRepo("chart", chart);
    await client.apply({ apiVersion: SRC, kind: "GitRepository", metadata: { name: "chart", namespace: ns }, spec: { interval: "10m", url: git.url("chart") } }, fm);
    const release = (image: string): KubeObject => ({
      apiVersion: HELM,
      kind: "HelmRelease",
      metadata: { name: "rel", namespace: ns },
      spec: { interval: "10m", timeout: "20s", chart: { spec: { chart: "./", sourceRef: { kind: "GitRepository", name: "chart" } } }, values: { image } },
    });
    const hrReady = (version: number) => async () => {
      const o = (await client.get({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "rel" })) as FluxObject | undefined;
      const history = (o?.status?.history as Array<{ version: number }> | undefined) ?? [];
      return cond(o, "Ready")?.status === "True" && history[0]?.version === version;
    };
    await client.apply(release("nginx:1.27"), fm);
    await until("the HelmRelease installed", hrReady(1), 60_000);
    await loseAndRetake(() => client.delete(leaseKey()).then(() => undefined));
    await client.apply(release("nginx:1.28"), fm);
    await until("the HelmRelease upgraded", hrReady(2), 30_000).catch(async (err) => {
      const o = (await client.get({ apiVersion: HELM, kind: "HelmRelease", namespace: ns, name: "rel" })) as FluxObject | undefined;
      throw new Error(`${(err as Error).message}; Ready: ${JSON.stringify(cond(o, "Ready"))}`);
    });
  }, 180_000);
});
