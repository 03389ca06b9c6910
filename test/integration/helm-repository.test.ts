/**
 * HelmRepository end to end: a chart repository (test/support/chart-repo-server.ts) on loopback over HTTP
 * with basic auth and over HTTPS with a test CA, the real control plane, and the agent composed as
 * `rivulet run` composes it. The artifact is read back from the agent's artifact server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { parseRepositoryIndex } from "../../agent/helm/repository-index.ts";
import { computeStatus } from "../../agent/health/kstatus.ts";

const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let other: string;
let repo: ChartRepoServer;
let secure: ChartRepoServer;
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
  storage = mkdtempSync(join(tmpdir(), "rivulet-helmrepo-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await repo?.stop();
  await secure?.stop();
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
    const o = await eventually("FetchFailed", async () => {
      const o = await getRepo("podinfo");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
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
    const o = await eventually("FetchFailed", async () => {
      const o = await getRepo("untrusted");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
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
    const o = await eventually("FetchFailed", async () => {
      const o = await getRepo("no-secret");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
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
