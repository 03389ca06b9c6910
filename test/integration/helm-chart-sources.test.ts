/**
 * HelmChart from a GitRepository, a Bucket and an OCI HelmRepository, end to end: the local git server,
 * the S3 server, a chart repository with basic auth and Debian's docker-registry with htpasswd, all on
 * loopback; the real control plane; the agent composed as `rivulet run` composes it. Charts are read back
 * from the agent's artifact server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startChartRepoServer, type ChartRepoServer } from "../support/chart-repo-server.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startS3Server, type TestS3 } from "../support/s3-server.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { loadChartArchive } from "../../agent/helm/chart-loader.ts";
import { FileTree } from "../../agent/artifact/file-tree.ts";
import { pack } from "../../agent/artifact/pack.ts";
import { unpack } from "../../agent/artifact/unpack.ts";
import { createFetch } from "../../agent/runtime/http-fetch.ts";
import { pushHelmChart } from "../../agent/source/oci/push-helm-chart.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";
import { signOciArtifact } from "../../agent/verify/sign-oci-artifact.ts";

const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let git: GitServer;
let charts: ChartRepoServer;
let s3: TestS3;
let reg: TestRegistry;
let agent: InProcessAgent;
let storage: string;
let commit1: string;

type Artifact = { revision: string; digest: string; path: string; url: string };
const enc = new TextEncoder();
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const get = async (kind: string, name: string) => (await client.get({ apiVersion: SRC, kind, namespace: ns, name })) as FluxObject | undefined;
const put = (kind: string, name: string, spec: Record<string, unknown>) => client.apply({ apiVersion: SRC, kind, metadata: { name, namespace: ns }, spec: { interval: "10m", ...spec } }, fm);
const secret = (name: string, stringData: Record<string, string>) => client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, stringData }, fm);
const requestReconcile = (kind: string, name: string) =>
  client.patch({ apiVersion: SRC, kind, namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
const ready = (kind: string, name: string, check: (o: FluxObject) => boolean = () => true) =>
  eventually(`${kind} ${name} to be Ready`, async () => {
    const o = await get(kind, name);
    return o && cond(o, "Ready")?.status === "True" && o.status?.observedGeneration === o.metadata.generation && check(o) ? o : undefined;
  }, 60_000);
const artifactOf = (o: FluxObject) => o.status!.artifact as Artifact;
const download = async (a: Artifact) => new Uint8Array(await (await fetch(a.url)).arrayBuffer());

const APP_CHART = (repoUrl: string) => `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: lib
    version: ">=0.1.0"
    repository: file://../lib
  - name: podinfo
    version: 6.0.x
    repository: ${repoUrl}
`;

function keyPair() {
  const k = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { pem: k.publicKey.export({ type: "spki", format: "pem" }) as string, sign: async (d: Uint8Array) => new Uint8Array(nodeSign("sha256", d, k.privateKey)) };
}

async function packagedChart(name: string, version: string): Promise<Uint8Array> {
  const files: Array<[string, string]> = [[`${name}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: ${version}\n`], [`${name}/templates/cm.yaml`, "kind: ConfigMap\n"]];
  return (await pack(new FileTree(files.map(([p, c]) => [p, { kind: "file", mode: 0o644, data: enc.encode(c) }])))).bytes;
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("helmchart-src");
  git = await startGitServer();
  charts = await startChartRepoServer({ auth: { username: "tenant", password: "chart-pass" } });
  await charts.addChart({ name: "podinfo", version: "6.0.0" });
  await charts.addChart({ name: "podinfo", version: "6.1.0" });
  s3 = await startS3Server({ accessKey: "tenant", secretKey: "tenant-secret-key" });
  reg = await startRegistry({ auth: true });
  storage = mkdtempSync(join(tmpdir(), "rivulet-helmchart-src-"));
  agent = await startAgent(client, ns, storage);
}, 240_000);
afterAll(async () => {
  await agent?.stop();
  await Promise.all([charts?.stop(), s3?.stop(), reg?.stop(), git?.stop?.()]);
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("HelmChart from a GitRepository", () => {
  test("a chart directory is packaged with its file:// dependency and its dependency from the tenant's HelmRepository", async () => {
    commit1 = await git.createRepo("charts", {
      "charts/app/Chart.yaml": APP_CHART(charts.url),
      "charts/app/values.yaml": "replicas: 1\n",
      "charts/app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
      "charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
      "charts/lib/templates/_helpers.tpl": "{{- define \"lib.name\" -}}lib{{- end -}}\n",
    });
    await secret("chart-creds", { username: "tenant", password: "chart-pass" });
    await put("HelmRepository", "podinfo", { url: charts.url, secretRef: { name: "chart-creds" } });
    await put("GitRepository", "charts", { url: git.url("charts") });
    await ready("HelmRepository", "podinfo");
    await ready("GitRepository", "charts");
    await put("HelmChart", "app", { chart: "./charts/app", sourceRef: { kind: "GitRepository", name: "charts" } });
    const o = await ready("HelmChart", "app");
    expect(cond(o, "Ready")).toMatchObject({ reason: "ChartPackageSucceeded", message: "packaged 'app' chart with version '1.0.0'" });
    const a = artifactOf(o);
    expect([a.revision, a.path]).toEqual(["1.0.0", `helmchart/${ns}/app/app-1.0.0.tgz`]);
    expect(o.status!.observedSourceArtifactRevision).toBe(`master@sha1:${commit1}`);
    const chart = await loadChartArchive(await download(a));
    expect(chart.dependencies.map((d) => `${d.metadata.name}-${d.metadata.version}`)).toEqual(["lib-0.1.0", "podinfo-6.0.0"]);
  });

  test("Revision strategy: <version>+<12 hex of the commit>, a new commit re-packages; ChartVersion keeps its artifact", async () => {
    await put("HelmChart", "app-rev", { chart: "charts/app", reconcileStrategy: "Revision", sourceRef: { kind: "GitRepository", name: "charts" } });
    const first = await ready("HelmChart", "app-rev");
    expect(artifactOf(first).revision).toBe(`1.0.0+${commit1.slice(0, 12)}`);
    const kept = artifactOf((await get("HelmChart", "app"))!);

    const commit2 = await git.commit("charts", { "charts/app/values.yaml": "replicas: 2\n" }, "more replicas");
    await requestReconcile("GitRepository", "charts");
    await ready("GitRepository", "charts", (o) => artifactOf(o).revision === `master@sha1:${commit2}`);
    await requestReconcile("HelmChart", "app-rev");
    await requestReconcile("HelmChart", "app");
    const second = await ready("HelmChart", "app-rev", (o) => artifactOf(o).revision !== artifactOf(first).revision);
    expect(artifactOf(second).revision).toBe(`1.0.0+${commit2.slice(0, 12)}`);
    expect((await loadChartArchive(await download(artifactOf(second)))).values).toEqual({ replicas: 2 });
    const same = await ready("HelmChart", "app", (o) => o.status!.observedSourceArtifactRevision === `master@sha1:${commit2}`);
    expect(artifactOf(same)).toMatchObject({ revision: kept.revision, digest: kept.digest });
  });

  test("a repository dependency no HelmRepository of the namespace serves fails the build", async () => {
    await git.commit("charts", { "broken/Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\ndependencies:\n  - name: nginx\n    version: 1.x\n    repository: https://charts.example.com\n" }, "broken");
    await requestReconcile("GitRepository", "charts");
    await ready("GitRepository", "charts", (o) => o.status!.artifact !== undefined && (o.status!.artifact as Artifact).revision !== `master@sha1:${commit1}`);
    await put("HelmChart", "broken", { chart: "broken", sourceRef: { kind: "GitRepository", name: "charts" } });
    const o = await eventually("BuildFailed", async () => {
      const o = await get("HelmChart", "broken");
      return cond(o, "BuildFailed")?.status === "True" ? o : undefined;
    });
    const message = `HelmChart/${ns}/broken: dependency build error: failed to add remote dependency 'nginx': no chart repository for URL 'https://charts.example.com'`;
    expect(cond(o, "BuildFailed")).toMatchObject({ reason: "DependencyBuildError", message });
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "DependencyBuildError" });
    expect(o.status!.artifact).toBeUndefined();
  });
});

describe("HelmChart from a Bucket", () => {
  test("the chart directory in the bucket is packaged; Revision takes 12 hex of the bucket's digest", async () => {
    await s3.createBucket("charts");
    await s3.putObject("charts", "web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 2.0.0\n");
    await s3.putObject("charts", "web/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n");
    await secret("s3-creds", { accesskey: "tenant", secretkey: "tenant-secret-key" });
    await put("Bucket", "charts", { bucketName: "charts", endpoint: s3.endpoint, insecure: true, secretRef: { name: "s3-creds" } });
    const bucket = await ready("Bucket", "charts");
    await put("HelmChart", "web", { chart: "web", reconcileStrategy: "Revision", sourceRef: { kind: "Bucket", name: "charts" } });
    const o = await ready("HelmChart", "web");
    const hex = artifactOf(bucket).revision.slice("sha256:".length, "sha256:".length + 12);
    expect(cond(o, "Ready")!.message).toBe(`packaged 'web' chart with version '2.0.0+${hex}'`);
    const tree = await unpack(await download(artifactOf(o)));
    expect([...tree.keys()].filter((k) => tree.get(k)!.kind === "file").sort()).toEqual(["web/Chart.yaml", "web/templates/cm.yaml"]);
  });
});

describe("HelmChart from an OCI HelmRepository", () => {
  const trusted = keyPair();
  const pushed: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    const registry = new RegistryClient({ host: reg.host, repository: "charts/web", fetch: createFetch({}), insecure: true, credentials: { username: reg.username!, password: reg.password! } });
    for (const [version, signer] of [["1.0.0", trusted], ["1.1.0", keyPair()]] as const) {
      pushed[version] = await packagedChart("web", version);
      const { digest } = await pushHelmChart(registry, { chart: pushed[version]!, metadata: { apiVersion: "v2", name: "web", version } });
      await signOciArtifact({ client: registry, digest, sign: signer.sign });
    }
    await secret("registry-creds", { username: reg.username!, password: reg.password! });
    await secret("cosign-pub", { "cosign.pub": trusted.pem });
    await put("HelmRepository", "oci", { type: "oci", url: `oci://${reg.host}/charts`, insecure: true, secretRef: { name: "registry-creds" } });
  });

  test("a chart signed with the trusted key is verified, pulled and stored", async () => {
    await put("HelmChart", "web-signed", { chart: "web", version: "1.0.0", sourceRef: { kind: "HelmRepository", name: "oci" }, verify: { provider: "cosign", secretRef: { name: "cosign-pub" } } });
    const o = await ready("HelmChart", "web-signed");
    expect(cond(o, "Ready")!.message).toBe("pulled 'web' chart with version '1.0.0'");
    expect(cond(o, "SourceVerified")).toMatchObject({ status: "True", reason: "Succeeded", message: "verified signature of version 1.0.0" });
    expect(await download(artifactOf(o))).toEqual(new Uint8Array(pushed["1.0.0"]!));
  });

  test("a chart signed with another key is refused: SourceVerified=False and no artifact", async () => {
    await put("HelmChart", "web-bad", { chart: "web", version: "1.1.0", sourceRef: { kind: "HelmRepository", name: "oci" }, verify: { provider: "cosign", secretRef: { name: "cosign-pub" } } });
    const o = await eventually("SourceVerified=False", async () => {
      const o = await get("HelmChart", "web-bad");
      return cond(o, "SourceVerified")?.status === "False" ? o : undefined;
    }, 60_000);
    expect(cond(o, "SourceVerified")).toMatchObject({ reason: "VerificationError" });
    expect(cond(o, "SourceVerified")!.message).toStartWith(`HelmChart/${ns}/web-bad: chart verification error: failed to verify the signature of version 1.1.0: InvalidSignature: `);
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "VerificationError" });
    expect(o.status!.artifact).toBeUndefined();
  });
});
