/**
 * HelmRepository and HelmChart end to end: a chart repository (test/support/chart-repo-server.ts) on loopback over HTTP
 * with basic auth and over HTTPS with a test CA, the real control plane, and the agent composed as
 * `rivulet run` composes it, and the CLI as a user runs it. Artifacts are read back from the agent's
 * artifact server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { parseRepositoryIndex } from "../../agent/helm/repository-index.ts";
import { loadChartArchive } from "../../agent/helm/chart-loader.ts";
import { computeStatus } from "../../agent/health/kstatus.ts";

const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let other: string;
let repo: ChartRepoServer;
let secure: ChartRepoServer;
let tokened: ChartRepoServer;
let agent: InProcessAgent;
let storage: string;

type Artifact = { revision: string; digest: string; path: string; url: string };
const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const getRepo = async (name: string) => (await client.get({ apiVersion: SRC, kind: "HelmRepository", namespace: ns, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const helmRepo = (name: string, spec: Record<string, unknown>) => client.apply({ apiVersion: SRC, kind: "HelmRepository", metadata: { name, namespace: ns }, spec: { interval: "10m", ...spec } }, fm);
const secret = (name: string, stringData: Record<string, string>) => client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, stringData }, fm);
const requestReconcile = (name: string) =>
  client.patch({ apiVersion: SRC, kind: "HelmRepository", namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
const fetchFailed = (name: string) =>
  eventually(`HelmRepository ${name} to report FetchFailed`, async () => {
    const o = await getRepo(name);
    return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
  });
const ready = (name: string, check: (o: FluxObject) => boolean = () => true) =>
  eventually(`HelmRepository ${name} to be Ready`, async () => {
    const o = await getRepo(name);
    return o && cond(o, "Ready")?.status === "True" && o.status?.observedGeneration === o.metadata.generation && check(o) ? o : undefined;
  });

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("helmrepo");
  other = await uniqueNamespace("helmrepo-other");
  repo = await startChartRepoServer({ auth: { username: "tenant", password: "chart-pass" }, basePath: "/charts" });
  await repo.addChart({ name: "podinfo", version: "6.0.0", appVersion: "6.0.0" });
  await repo.addChart({ name: "podinfo", version: "6.1.0", appVersion: "6.1.0" });
  secure = await startChartRepoServer({ tls: {} });
  await secure.addChart({ name: "web", version: "1.0.0" });
  tokened = await startChartRepoServer({ auth: { bearerToken: "chart-token" } });
  await tokened.addChart({ name: "api", version: "2.1.0" });
  storage = mkdtempSync(join(tmpdir(), "rivulet-helmrepo-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await repo?.stop();
  await secure?.stop();
  await tokened?.stop();
  await deleteNamespace(ns);
  await deleteNamespace(other);
  rmSync(storage, { recursive: true, force: true });
});

describe("HelmRepository", () => {
  test("becomes Ready with the index as its artifact: revision = digest of the served index, served by the agent at status.url", async () => {
    await secret("chart-creds", { username: "tenant", password: "chart-pass" });
    await helmRepo("podinfo", { url: repo.url, secretRef: { name: "chart-creds" } });
    const o = await ready("podinfo");
    const artifact = o.status!.artifact as Artifact;
    expect(artifact.revision).toBe(sha256(repo.indexText()));
    expect(artifact.path).toBe(`helmrepository/${ns}/podinfo/index-${artifact.revision.slice(7)}.yaml`);
    expect(cond(o, "Ready")!.message).toBe(`stored artifact for revision '${artifact.revision}'`);
    expect(cond(o, "ArtifactInStorage")).toMatchObject({ status: "True", reason: "Succeeded" });
    const served = new Uint8Array(await (await fetch(artifact.url)).arrayBuffer());
    expect(sha256(served)).toBe(artifact.digest);
    expect(parseRepositoryIndex(served).entries.podinfo!.map((v) => v.version)).toEqual(["6.1.0", "6.0.0"]);
    expect(o.status!.url).toBe(`http://127.0.0.1:${agent.server.port}/helmrepository/${ns}/podinfo/index.yaml`);
    expect(new Uint8Array(await (await fetch(o.status!.url as string)).arrayBuffer())).toEqual(served);
    expect(computeStatus(o).status).toBe("Current");
  });

  test("a wrong password says so in FetchFailed and Ready, and leaves the artifact as it was", async () => {
    const before = (await getRepo("podinfo"))!.status!.artifact;
    await secret("chart-creds", { username: "tenant", password: "wrong" });
    await requestReconcile("podinfo");
    const o = await fetchFailed("podinfo");
    const message = `HelmRepository/${ns}/podinfo: failed to fetch Helm repository index: failed to fetch ${repo.url}/index.yaml : 401 Unauthorized`;
    expect(cond(o, "FetchFailed")).toMatchObject({ reason: "Failed", message });
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "Failed", message });
    expect(JSON.stringify(o.status)).not.toContain("wrong");
    expect(o.status!.artifact).toEqual(before);
    await secret("chart-creds", { username: "tenant", password: "chart-pass" });
  });

  test("a changed index gives a new revision and a new artifact", async () => {
    const before = (await getRepo("podinfo"))!.status!.artifact as Artifact;
    await repo.addChart({ name: "podinfo", version: "6.2.0" });
    await requestReconcile("podinfo");
    const o = await ready("podinfo", (o) => (o.status!.artifact as Artifact).revision !== before.revision);
    const artifact = o.status!.artifact as Artifact;
    expect(artifact.revision).toBe(sha256(repo.indexText()));
    expect(cond(o, "FetchFailed")).toBeUndefined();
    const served = new Uint8Array(await (await fetch(o.status!.url as string)).arrayBuffer());
    expect(parseRepositoryIndex(served).entries.podinfo![0]!.version).toBe("6.2.0");
  });

  test("HTTPS with the CA from certSecretRef", async () => {
    await secret("chart-ca", { "ca.crt": secure.tls!.ca });
    await helmRepo("secure", { url: secure.url, certSecretRef: { name: "chart-ca" } });
    const o = await ready("secure");
    expect((o.status!.artifact as Artifact).revision).toBe(sha256(secure.indexText()));
  });

  test("HTTPS without the CA fails to fetch", async () => {
    await helmRepo("untrusted", { url: secure.url });
    const o = await fetchFailed("untrusted");
    expect(cond(o, "FetchFailed")!.message).toStartWith(`HelmRepository/${ns}/untrusted: failed to fetch Helm repository index: failed to fetch ${secure.url}/index.yaml : `);
    expect(o.status!.artifact).toBeUndefined();
  });

  test("type oci is Ready without an artifact", async () => {
    await helmRepo("oci", { type: "oci", url: "oci://ghcr.io/stefanprodan/charts" });
    const o = await ready("oci");
    expect(cond(o, "Ready")!.message).toBe("Helm repository is ready");
    expect(o.status!.artifact).toBeUndefined();
  });

  test("a missing Secret is a clear AuthenticationFailed condition", async () => {
    await helmRepo("no-secret", { url: repo.url, secretRef: { name: "absent" } });
    const o = await fetchFailed("no-secret");
    expect(cond(o, "Ready")).toMatchObject({
      status: "False",
      reason: "AuthenticationFailed",
      message: `Secret/${ns}/absent referenced by HelmRepository/${ns}/no-secret not found: create it or fix the reference`,
    });
  });

  test("a secretRef cannot name another namespace: the API server refuses the field before anything is stored", async () => {
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "elsewhere", namespace: other }, stringData: { username: "tenant", password: "chart-pass" } }, fm);
    const refused = await client
      .apply({ apiVersion: SRC, kind: "HelmRepository", metadata: { name: "cross", namespace: ns }, spec: { interval: "10m", url: repo.url, secretRef: { name: "elsewhere", namespace: other } } }, fm)
      .then(() => undefined, (e: unknown) => e as Error);
    expect(refused?.message).toBe(`Cannot apply HelmRepository/${ns}/cross: failed to create typed patch object: .spec.secretRef.namespace: field not declared in schema`);
    expect(await getRepo("cross")).toBeUndefined();
  });
});

const getChart = async (name: string) => (await client.get({ apiVersion: SRC, kind: "HelmChart", namespace: ns, name })) as FluxObject | undefined;
const chartReady = (name: string, check: (o: FluxObject) => boolean = () => true) =>
  eventually(`HelmChart ${name} to be Ready`, async () => {
    const o = await getChart(name);
    return o && cond(o, "Ready")?.status === "True" && o.status?.observedGeneration === o.metadata.generation && check(o) ? o : undefined;
  });

describe("HelmChart from a HelmRepository", () => {
  test("pulls the newest version, and a new version in the repository reaches it without a request on the HelmChart", async () => {
    await client.apply({ apiVersion: SRC, kind: "HelmChart", metadata: { name: "podinfo", namespace: ns }, spec: { interval: "10m", chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" } } }, fm);
    const o = await chartReady("podinfo");
    const version = parseRepositoryIndex(repo.indexText()).entries.podinfo![0]!.version;
    const artifact = o.status!.artifact as Artifact;
    expect(artifact).toMatchObject({ revision: version, path: `helmchart/${ns}/podinfo/podinfo-${version}.tgz` });
    expect(cond(o, "Ready")).toMatchObject({ reason: "ChartPullSucceeded", message: `pulled 'podinfo' chart with version '${version}'` });
    expect(o.status!.observedSourceArtifactRevision).toBe(((await getRepo("podinfo"))!.status!.artifact as Artifact).revision);
    const served = new Uint8Array(await (await fetch(artifact.url)).arrayBuffer());
    expect(sha256(served)).toBe(artifact.digest);
    expect((await loadChartArchive(served)).metadata.version).toBe(version);

    // A new chart version: the HelmRepository's new index revision requeues the HelmChart at once.
    await repo.addChart({ name: "podinfo", version: "6.3.0" });
    await requestReconcile("podinfo");
    const next = await chartReady("podinfo", (c) => (c.status!.artifact as Artifact).revision === "6.3.0");
    expect(cond(next, "ArtifactInStorage")!.message).toBe("pulled 'podinfo' chart with version '6.3.0'");
  });

  test("a bearerToken in secretRef opens the index and the chart download; beside a username it is refused", async () => {
    await secret("chart-token", { bearerToken: "chart-token" });
    await helmRepo("tokened", { url: tokened.url, secretRef: { name: "chart-token" } });
    const o = await ready("tokened");
    expect((o.status!.artifact as Artifact).revision).toBe(sha256(tokened.indexText()));
    await client.apply({ apiVersion: SRC, kind: "HelmChart", metadata: { name: "api", namespace: ns }, spec: { interval: "10m", chart: "api", sourceRef: { kind: "HelmRepository", name: "tokened" } } }, fm);
    expect((await chartReady("api")).status!.artifact).toMatchObject({ revision: "2.1.0" });
    expect(tokened.requests).toEqual(["GET /index.yaml 200 with credentials", "GET /charts/api-2.1.0.tgz 200 with credentials"]);

    await secret("token-and-basic", { bearerToken: "chart-token", username: "tenant", password: "chart-pass" });
    await helmRepo("ambiguous", { url: tokened.url, secretRef: { name: "token-and-basic" } });
    const refused = await fetchFailed("ambiguous");
    expect(cond(refused, "Ready")).toMatchObject({
      status: "False",
      reason: "AuthenticationFailed",
      message: `HelmRepository/${ns}/ambiguous: invalid auth in Secret '${ns}/token-and-basic': basic auth and bearer token cannot be set at the same time`,
    });
    expect(tokened.requests).toHaveLength(2);
  });

  test("valuesFiles are merged and packaged as <version>+<generation>", async () => {
    await repo.addChart({ name: "web", version: "1.0.0", files: { "values.yaml": "replicas: 1\n", "values-prod.yaml": "replicas: 3\n" } });
    await requestReconcile("podinfo");
    await ready("podinfo", (o) => (o.status!.artifact as Artifact).revision === sha256(repo.indexText()));
    await client.apply(
      { apiVersion: SRC, kind: "HelmChart", metadata: { name: "web", namespace: ns }, spec: { interval: "10m", chart: "web", version: "1.x", valuesFiles: ["values.yaml", "values-prod.yaml"], sourceRef: { kind: "HelmRepository", name: "podinfo" } } },
      fm,
    );
    const o = await chartReady("web");
    const revision = `1.0.0+${o.metadata.generation}`;
    expect(cond(o, "Ready")).toMatchObject({ reason: "ChartPackageSucceeded", message: `packaged 'web' chart with version '${revision}' and merged values files [values.yaml values-prod.yaml]` });
    const chart = await loadChartArchive(new Uint8Array(await (await fetch((o.status!.artifact as Artifact).url)).arrayBuffer()));
    expect([chart.metadata.version, chart.values]).toEqual([revision, { replicas: 3 }]);
  });

  test("a version the repository does not have stalls with InvalidChartReference", async () => {
    await client.apply({ apiVersion: SRC, kind: "HelmChart", metadata: { name: "nine", namespace: ns }, spec: { interval: "10m", chart: "podinfo", version: "9.x", sourceRef: { kind: "HelmRepository", name: "podinfo" } } }, fm);
    const o = await eventually("Stalled", async () => {
      const o = await getChart("nine");
      return cond(o, "Stalled")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "Ready")).toMatchObject({
      status: "False",
      reason: "InvalidChartReference",
      message: `HelmChart/${ns}/nine: invalid chart reference: failed to get chart version for remote reference: no 'podinfo' chart with version matching '9.x' found`,
    });
  });
});

describe("the CLI", () => {
  async function rivulet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const p = startRivulet([...args, "--kubeconfig", (await testCluster()).kubeconfig, "-n", ns]);
    const code = await p.exited;
    return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
  }

  test("create source helm, get sources helm and chart, reconcile, suspend and resume", async () => {
    const created = await rivulet("create", "source", "helm", "from-cli", "--url", repo.url, "--secret-ref", "chart-creds", "--interval", "10m");
    expect(created).toMatchObject({ code: 0 });
    expect((await getRepo("from-cli"))!.spec).toMatchObject({ url: repo.url, secretRef: { name: "chart-creds" }, interval: "10m" });
    const reconciled = await rivulet("reconcile", "source", "helm", "from-cli");
    expect(reconciled.code).toBe(0);
    expect(reconciled.err).toContain(`✔ fetched revision ${sha256(repo.indexText())}`);
    const listed = await rivulet("get", "sources", "helm");
    expect(listed.out).toMatch(new RegExp(`^from-cli\\s+sha256:[0-9a-f]{64}\\s+false\\s+True\\s+stored artifact for revision`, "m"));
    expect((await rivulet("get", "sources", "chart", "podinfo")).out).toMatch(/^podinfo\s+6\.3\.0\s+false\s+True\s+pulled 'podinfo' chart with version '6\.3\.0'$/m);
    expect((await rivulet("suspend", "source", "helm", "from-cli")).code).toBe(0);
    expect((await getRepo("from-cli"))!.spec.suspend).toBe(true);
    expect((await rivulet("resume", "source", "helm", "from-cli")).code).toBe(0);
    expect((await getRepo("from-cli"))!.spec.suspend).toBe(false);
  });

  test("create source helm with an oci:// URL makes an OCI repository", async () => {
    const out = await rivulet("create", "source", "helm", "oci-cli", "--url", "oci://ghcr.io/stefanprodan/charts", "--export");
    expect(out.code).toBe(0);
    expect(out.out).toContain("type: oci");
  });
});
