import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import type { HelmChartSpec, HelmChartStatus } from "../api/helm-chart.ts";
import type { HelmRepositorySpec, HelmRepositoryStatus } from "../api/helm-repository.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactStore, type StoreFs } from "../storage/artifact-store.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { loadChartArchive } from "../helm/chart-loader.ts";
import { FileTree, textFileTree } from "../artifact/file-tree.ts";
import { pack } from "../artifact/pack.ts";
import { unpack } from "../artifact/unpack.ts";
import { startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { pushHelmChart } from "../source/oci/push-helm-chart.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import { signOciArtifact } from "../verify/sign-oci-artifact.ts";
import { startChartRepoServer, type ChartRepoServer } from "../../test/support/chart-repo-server.ts";
import { helmChartReconciler } from "./helm-chart.ts";
import { helmRepositoryReconciler } from "./helm-repository.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";

const NOW = new Date("2026-12-06T03:00:00Z");
type Chart = KindObject<HelmChartSpec, HelmChartStatus>;
type Repo = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function memStore() {
  const files = new Map<string, Uint8Array>();
  let clock = 0;
  const mtimes = new Map<string, number>();
  const fs: StoreFs = {
    async writeAtomic(path, data) {
      files.set(path, data);
      mtimes.set(path, ++clock);
    },
    async read(path) {
      return files.get(path);
    },
    async list(dir) {
      return [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => ({ name: p.slice(dir.length + 1), mtimeMs: mtimes.get(p)! }));
    },
    async remove(path) {
      files.delete(path);
    },
    async removeDir(path) {
      for (const p of [...files.keys()]) if (p.startsWith(`${path}/`)) files.delete(p);
    },
  };
  return { store: new ArtifactStore(fs, { baseUrl: "http://rivulet.apps.svc", now: () => NOW }), files };
}

function context<S>(status: S, objects: KubeObject[] = [], secrets: Record<string, Record<string, string>> = {}) {
  const events: EventInput[] = [];
  const client = {
    list: async (ref: { kind: string; namespace?: string }) => ({ items: objects.filter((o) => o.kind === ref.kind && o.metadata.namespace === ref.namespace), resourceVersion: "1" }),
    get: async (key: { kind: string; namespace?: string; name: string }) =>
      key.kind === "Secret" && key.namespace === "apps" && secrets[key.name] ? { apiVersion: "v1", kind: "Secret", metadata: { name: key.name }, stringData: secrets[key.name] } : undefined,
  } as unknown as KubeClient;
  const ctx: ReconcileContext<S> = {
    client,
    log: createLogger(() => {}),
    events: { record: async (_obj, e) => void events.push(e) },
    now: () => NOW,
    status: () => status,
    read: async (key) => objects.find((o) => o.kind === key.kind && o.metadata.name === key.name && (key.namespace ?? "apps") === o.metadata.namespace),
    progress: async () => {},
  };
  return { ctx, events };
}

let server: ChartRepoServer;
let other: ChartRepoServer;
const published: Record<string, { digest: string }> = {};
beforeAll(async () => {
  server = await startChartRepoServer({ auth: { username: "u", password: "p" } });
  published["6.0.0"] = await server.addChart({ name: "podinfo", version: "6.0.0" });
  published["6.1.0"] = await server.addChart({ name: "podinfo", version: "6.1.0", files: { "values.yaml": "replicas: 1\ncolor: blue\n", "values-prod.yaml": "replicas: 3\n" } });
  published["7.0.0-rc.1"] = await server.addChart({ name: "podinfo", version: "7.0.0-rc.1" });
  other = await startChartRepoServer({ chartUrls: "absolute" });
  await other.addChart({ name: "web", version: "1.0.0" });
});
afterAll(async () => {
  await Promise.all([server?.stop(), other?.stop()]);
});

/** The HelmRepository reconciled once into the store, as the agent would have it. */
async function storedRepo(store: ArtifactStore, url: string, spec: Partial<HelmRepositorySpec> = {}, name = "charts"): Promise<Repo> {
  const repo: Repo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name, namespace: "apps", generation: 1 }, spec: { interval: "5m", url, ...spec } };
  const r = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo, context<HelmRepositoryStatus>({}, [], { creds: { username: "u", password: "p" } }).ctx);
  return { ...repo, status: r.status as HelmRepositoryStatus };
}

const chart = (spec: Partial<HelmChartSpec>, status: HelmChartStatus = {}, generation = 1): Chart => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmChart",
  metadata: { name: "podinfo", namespace: "apps", generation },
  spec: { interval: "5m", chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "charts" }, ...spec },
  status,
});

describe("HelmChart from a HelmRepository", () => {
  test("pulls the newest stable version as it is, with Flux's status and messages", async () => {
    const { store, files } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const { ctx, events } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart({}), ctx);
    expect([r.reason, r.message]).toEqual(["ChartPullSucceeded", "pulled 'podinfo' chart with version '6.1.0'"]);
    expect(r.conditions?.[0]).toEqual({ type: "ArtifactInStorage", status: "True", reason: "ChartPullSucceeded", message: "pulled 'podinfo' chart with version '6.1.0'" });
    const status = r.status as HelmChartStatus;
    expect(status.artifact).toMatchObject({ revision: "6.1.0", path: "helmchart/apps/podinfo/podinfo-6.1.0.tgz" });
    expect(status.url).toBe("http://rivulet.apps.svc/helmchart/apps/podinfo/latest.tar.gz");
    expect(status.observedChartName).toBe("podinfo");
    expect(status.observedSourceArtifactRevision).toBe(repo.status!.artifact!.revision);
    expect(status.observedValuesFiles).toBeUndefined();
    expect(sha256(files.get("helmchart/apps/podinfo/podinfo-6.1.0.tgz")!)).toBe(published["6.1.0"]!.digest);
    expect(events.map((e) => [e.reason, e.message])).toEqual([["ChartPullSucceeded", "pulled 'podinfo' chart with version '6.1.0'"]]);
  });

  test.each([
    ["an exact version", "6.0.0", "6.0.0"],
    ["a range", "<6.1.0", "6.0.0"],
    ["a range that asks for pre-releases", ">=7.0.0-0", "7.0.0-rc.1"],
  ])("resolves %s", async (_name, version, want) => {
    const { store } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const { ctx } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart({ version }), ctx);
    expect(r.status?.artifact?.revision).toBe(want);
  });

  test("with valuesFiles: merged into values.yaml, version <version>+<generation>, packaged again", async () => {
    const { store, files } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const { ctx, events } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(
      chart({ valuesFiles: ["values.yaml", "values-prod.yaml", "values-missing.yaml"], ignoreMissingValuesFiles: true }, {}, 3),
      ctx,
    );
    const message = "packaged 'podinfo' chart with version '6.1.0+3' and merged values files [values.yaml values-prod.yaml]";
    expect([r.reason, r.message]).toEqual(["ChartPackageSucceeded", message]);
    expect(r.status?.artifact).toMatchObject({ revision: "6.1.0+3", path: "helmchart/apps/podinfo/podinfo-6.1.0+3.tgz" });
    expect((r.status as HelmChartStatus).observedValuesFiles).toEqual(["values.yaml", "values-prod.yaml"]);
    const packaged = await loadChartArchive(files.get("helmchart/apps/podinfo/podinfo-6.1.0+3.tgz")!);
    expect(packaged.metadata.version).toBe("6.1.0+3");
    expect(packaged.values).toEqual({ color: "blue", replicas: 3 });
    expect(events.map((e) => e.reason)).toEqual(["ChartPackageSucceeded"]);
  });

  test("the same version under the same generation is reused without a download", async () => {
    const { store } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const reconciler = helmChartReconciler({ store, fetchFor: createFetch });
    const first = await reconciler.reconcile(chart({}), context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } }).ctx);
    const status = { ...(first.status as HelmChartStatus), observedGeneration: 1 };
    const downloads = server.requests.filter((r) => r.includes(".tgz")).length;
    const { ctx, events } = context<HelmChartStatus>(status, [repo], { creds: { username: "u", password: "p" } });
    const second = await reconciler.reconcile(chart({}, status), ctx);
    expect(second.message).toBe("pulled 'podinfo' chart with version '6.1.0'");
    expect(server.requests.filter((r) => r.includes(".tgz")).length).toBe(downloads);
    expect(events.map((e) => e.reason)).toEqual(["ArtifactUpToDate"]);
  });

  test.each([
    [false, "GET /charts/web-1.0.0.tgz 200"],
    [true, "GET /charts/web-1.0.0.tgz 200 with credentials"],
  ])("with passCredentials %p, a chart URL on another host than the repository's gets: %s", async (passCredentials, request) => {
    // The repository is named by "localhost", its index's absolute chart URLs by "127.0.0.1": two hosts.
    const { store } = memStore();
    const url = other.url.replace("127.0.0.1", "localhost");
    const repo = await storedRepo(store, url, { secretRef: { name: "creds" }, passCredentials });
    const { ctx } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart({ chart: "web" }), ctx);
    expect(r.status?.artifact?.revision).toBe("1.0.0");
    expect(other.requests.at(-1)).toBe(request);
    expect(other.requests.at(-2)).toBe("GET /index.yaml 200 with credentials");
  });

  test.each([
    ["a version the index does not have", { version: "9.x" }, "InvalidChartReference",
      "HelmChart/apps/podinfo: invalid chart reference: failed to get chart version for remote reference: no 'podinfo' chart with version matching '9.x' found"],
    ["a chart the index does not have", { chart: "nginx" }, "InvalidChartReference",
      "HelmChart/apps/podinfo: invalid chart reference: failed to get chart version for remote reference: no chart name found"],
    ["a values file the chart does not have", { valuesFiles: ["values-staging.yaml"] }, "ValuesFilesError",
      "HelmChart/apps/podinfo: values files merge error: failed to merge chart values: no values file found at path 'values-staging.yaml'"],
    ["verification of a chart from an HTTP repository", { verify: { provider: "cosign" as const } }, "ChartVerificationError",
      "HelmChart/apps/podinfo: chart verification error: signatures can be verified only for charts from an OCI HelmRepository, not from HelmRepository/apps/charts"],
    ["a GitRepository that does not exist", { sourceRef: { kind: "GitRepository" as const, name: "charts" } }, "SourceUnavailable",
      "HelmChart/apps/podinfo: failed to get source: GitRepository/apps/charts not found"],
    ["a HelmRepository that does not exist", { sourceRef: { kind: "HelmRepository" as const, name: "absent" } }, "SourceUnavailable",
      "HelmChart/apps/podinfo: failed to get source: HelmRepository/apps/absent not found"],
  ])("%s is a clear failure", async (_name, spec, reason, message) => {
    const { store } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const { ctx } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "p" } });
    const err = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart(spec), ctx).then(() => undefined, (e: unknown) => e);
    expect([(err as { reason?: string }).reason, (err as Error).message]).toEqual([reason, message]);
  });

  test("a repository without an artifact yet is NoSourceArtifact, not a failure", async () => {
    const { store } = memStore();
    const repo: Repo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "charts", namespace: "apps" }, spec: { url: server.url } };
    const err = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart({}), context<HelmChartStatus>({}, [repo]).ctx).catch((e: unknown) => e);
    expect([(err as { kind: string }).kind, (err as { reason: string }).reason, (err as Error).message]).toEqual(["not-ready", "NoSourceArtifact", "no artifact available for HelmRepository source 'charts'"]);
  });

  test("a wrong password on the chart download is AuthenticationFailed", async () => {
    const { store } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const { ctx } = context<HelmChartStatus>({}, [repo], { creds: { username: "u", password: "wrong" } });
    const err = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(chart({}), ctx).catch((e: unknown) => e);
    expect((err as { reason: string }).reason).toBe("AuthenticationFailed");
    expect((err as Error).message).toBe(
      `HelmChart/apps/podinfo: failed to authenticate with the Helm repository: chart pull error: failed to download chart for remote reference: failed to fetch ${server.url}/charts/podinfo-6.1.0.tgz : 401 Unauthorized`,
    );
  });
});

const COMMIT = "4e5cbb7b97d0a1b2c3d4e5f60718293a4b5c6d7e";
const SOURCE_FILES = {
  "charts/app/Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
  - name: lib
    version: ">=0.1.0"
    repository: file://../lib
  - name: podinfo
    version: 6.0.x
    repository: ${"REPO"}
`,
  "charts/app/values.yaml": "replicas: 1\n",
  "charts/app/templates/cm.yaml": "kind: ConfigMap\n",
  "charts/app/.helmignore": "*.bak\n",
  "charts/app/notes.bak": "ignored\n",
  "charts/lib/Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
  "charts/lib/templates/_helpers.tpl": "{{- define \"lib.name\" -}}lib{{- end -}}\n",
  "env/prod.yaml": "replicas: 3\ncolor: red\n",
};

/** A GitRepository (or Bucket) whose artifact, packed from `files`, is in the store at `revision`. */
async function storedSource(store: ArtifactStore, files: Record<string, string>, revision: string, kind: "GitRepository" | "Bucket" = "GitRepository"): Promise<KubeObject> {
  const packed = await pack(textFileTree(files));
  const artifact = await store.put({ kind, namespace: "apps", name: "src" }, `${revision.split(":").pop()}.tar.gz`, packed.bytes, { revision, digest: packed.digest });
  return { apiVersion: "source.toolkit.fluxcd.io/v1", kind, metadata: { name: "src", namespace: "apps" }, spec: {}, status: { artifact } } as KubeObject;
}

const localChart = (spec: Partial<HelmChartSpec>, status: HelmChartStatus = {}, generation = 1): Chart =>
  chart({ chart: "charts/app", sourceRef: { kind: "GitRepository", name: "src" }, ...spec }, status, generation);

describe("HelmChart from a GitRepository or a Bucket", () => {
  const files = () => ({ ...SOURCE_FILES, "charts/app/Chart.yaml": SOURCE_FILES["charts/app/Chart.yaml"].replace("REPO", server.url) });

  test("packages the chart directory with its file:// and repository dependencies", async () => {
    const { store, files: stored } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const git = await storedSource(store, files(), `main@sha1:${COMMIT}`);
    const { ctx, events } = context<HelmChartStatus>({}, [repo, git], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({}), ctx);
    expect([r.reason, r.message]).toEqual(["ChartPackageSucceeded", "packaged 'app' chart with version '1.0.0'"]);
    const status = r.status as HelmChartStatus;
    expect(status.artifact).toMatchObject({ revision: "1.0.0", path: "helmchart/apps/podinfo/app-1.0.0.tgz" });
    expect([status.observedChartName, status.observedSourceArtifactRevision]).toEqual(["app", `main@sha1:${COMMIT}`]);
    const tgz = stored.get("helmchart/apps/podinfo/app-1.0.0.tgz")!;
    const tree = await unpack(tgz);
    expect([...tree.keys()].filter((k) => tree.get(k)!.kind === "file").sort()).toEqual([
      "app/.helmignore", "app/Chart.yaml", "app/charts/lib-0.1.0.tgz", "app/charts/podinfo-6.0.0.tgz", "app/templates/cm.yaml", "app/values.yaml",
    ]);
    expect(sha256(tree.read("app/charts/podinfo-6.0.0.tgz")!)).toBe(published["6.0.0"]!.digest);
    const loaded = await loadChartArchive(tgz);
    expect(loaded.dependencies.map((d) => `${d.metadata.name}-${d.metadata.version}`)).toEqual(["lib-0.1.0", "podinfo-6.0.0"]);
    expect(events.map((e) => e.reason)).toEqual(["ChartPackageSucceeded"]);
  });

  test("lists the namespace's HelmRepositories once per build and reads each index once, however many dependencies name them", async () => {
    const { store, files: stored } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const web = await storedRepo(store, other.url, {}, "web-charts");
    const chartYaml = `apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - {name: podinfo, version: 6.0.x, repository: "${server.url}", alias: old}\n  - {name: podinfo, version: 6.1.x, repository: "${server.url}/", alias: new}\n  - {name: web, version: 1.x, repository: "${other.url}"}\n`;
    const git = await storedSource(store, { "charts/app/Chart.yaml": chartYaml, "charts/app/templates/cm.yaml": "kind: ConfigMap\n" }, `main@sha1:${COMMIT}`);
    const { ctx } = context<HelmChartStatus>({}, [repo, web, git], { creds: { username: "u", password: "p" } });
    const lists: string[] = [];
    const list = ctx.client.list.bind(ctx.client);
    ctx.client.list = ((ref: Parameters<typeof list>[0], o?: Parameters<typeof list>[1]) => (lists.push(ref.kind), list(ref, o))) as typeof list;
    const reads: string[] = [];
    const get = store.get.bind(store);
    store.get = async (path: string) => (reads.push(path), get(path));
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({}), ctx);
    expect(r.reason).toBe("ChartPackageSucceeded");
    const tree = await unpack(stored.get("helmchart/apps/podinfo/app-1.0.0.tgz")!);
    expect([...tree.keys()].filter((k) => k.startsWith("app/charts/") && tree.get(k)!.kind === "file").sort()).toEqual(["app/charts/podinfo-6.0.0.tgz", "app/charts/podinfo-6.1.0.tgz", "app/charts/web-1.0.0.tgz"]);
    expect(lists).toEqual(["HelmRepository"]);
    expect(reads.filter((p) => p.startsWith("helmrepository/")).sort()).toEqual([(repo.status!.artifact as { path: string }).path, (web.status!.artifact as { path: string }).path].sort());
  });

  test("Revision strategy: <version>+<12 hex of the commit>, then .<generation> with values files from the source root", async () => {
    const { store, files: stored } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const git = await storedSource(store, files(), `main@sha1:${COMMIT}`);
    const { ctx } = context<HelmChartStatus>({}, [repo, git], { creds: { username: "u", password: "p" } });
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({ reconcileStrategy: "Revision" }), ctx);
    expect(r.status?.artifact?.revision).toBe("1.0.0+4e5cbb7b97d0");
    const withValues = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({ reconcileStrategy: "Revision", valuesFiles: ["charts/app/values.yaml", "env/prod.yaml"] }, {}, 4), ctx);
    expect([withValues.status?.artifact?.revision, withValues.message]).toEqual([
      "1.0.0+4e5cbb7b97d0.4", "packaged 'app' chart with version '1.0.0+4e5cbb7b97d0.4' and merged values files [charts/app/values.yaml env/prod.yaml]",
    ]);
    const loaded = await loadChartArchive(stored.get("helmchart/apps/podinfo/app-1.0.0+4e5cbb7b97d0.4.tgz")!);
    expect([loaded.metadata.version, loaded.values]).toEqual(["1.0.0+4e5cbb7b97d0.4", { color: "red", replicas: 3 }]);
  });

  test("a new source revision rebuilds only under the Revision strategy", async () => {
    for (const [strategy, want] of [["ChartVersion", "1.0.0"], ["Revision", "1.0.0+aaaaaaaaaaaa"]] as const) {
      const { store } = memStore();
      const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
      const first = await storedSource(store, files(), `main@sha1:${COMMIT}`);
      const reconciler = helmChartReconciler({ store, fetchFor: createFetch });
      const r1 = await reconciler.reconcile(localChart({ reconcileStrategy: strategy }), context<HelmChartStatus>({}, [repo, first], { creds: { username: "u", password: "p" } }).ctx);
      const status = { ...(r1.status as HelmChartStatus), observedGeneration: 1 };
      const next = await storedSource(store, files(), `main@sha1:${"a".repeat(40)}`);
      const { ctx, events } = context<HelmChartStatus>(status, [repo, next], { creds: { username: "u", password: "p" } });
      const r2 = await reconciler.reconcile(localChart({ reconcileStrategy: strategy }, status), ctx);
      expect([strategy, r2.status?.artifact?.revision, events.map((e) => e.reason)]).toEqual([strategy, want, [strategy === "Revision" ? "ChartPackageSucceeded" : "ArtifactUpToDate"]]);
      expect(r2.status?.observedSourceArtifactRevision).toBe(`main@sha1:${"a".repeat(40)}`);
    }
  });

  test("a chart in a Bucket takes the first 12 hex of the bucket's digest", async () => {
    const { store } = memStore();
    const bucket = await storedSource(store, { "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 2.0.0\n" }, `sha256:${"b".repeat(64)}`, "Bucket");
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(
      localChart({ chart: "./app", sourceRef: { kind: "Bucket", name: "src" }, reconcileStrategy: "Revision" }), context<HelmChartStatus>({}, [bucket]).ctx);
    expect([r.message, r.status?.artifact?.revision]).toEqual(["packaged 'app' chart with version '2.0.0+bbbbbbbbbbbb'", "2.0.0+bbbbbbbbbbbb"]);
  });

  test("a packaged chart in the source is stored as it is", async () => {
    const { store, files: stored } = memStore();
    const { tgz } = await server.addChart({ name: "packed", version: "0.3.0" });
    const packed = await pack(new FileTree([["packed-0.3.0.tgz", { kind: "file", mode: 0o644, data: tgz }]]));
    const artifact = await store.put({ kind: "GitRepository", namespace: "apps", name: "src" }, "x.tar.gz", packed.bytes, { revision: `main@sha1:${COMMIT}`, digest: packed.digest });
    const git = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "src", namespace: "apps" }, spec: {}, status: { artifact } } as KubeObject;
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({ chart: "packed-0.3.0.tgz" }), context<HelmChartStatus>({}, [git]).ctx);
    expect(r.message).toBe("pulled 'packed' chart with version '0.3.0'");
    expect(stored.get("helmchart/apps/podinfo/packed-0.3.0.tgz")).toEqual(tgz);
  });

  test.each([
    ["a path the source does not have", { chart: "charts/nope" }, {}, "InvalidChartReference",
      "HelmChart/apps/podinfo: invalid chart reference: stat charts/nope: no such file or directory"],
    ["a repository dependency no HelmRepository of the namespace serves", {}, { "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: nginx\n    version: 1.x\n    repository: https://charts.example.com/\n" },
      "DependencyBuildError", "HelmChart/apps/podinfo: dependency build error: failed to add remote dependency 'nginx': no chart repository for URL 'https://charts.example.com'"],
    ["a file:// dependency that is not there", {}, { "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: gone\n    version: 1.x\n    repository: file://../gone\n" },
      "DependencyBuildError", "HelmChart/apps/podinfo: dependency build error: failed to add local dependency 'gone': no chart found at '/charts/gone' (reference 'file://../gone')"],
    ["a file:// dependency outside the constraint", {}, { "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: lib\n    version: ^2.0.0\n    repository: file://../lib\n" },
      "DependencyBuildError", "HelmChart/apps/podinfo: dependency build error: failed to add local dependency 'lib': can't get a valid version for constraint '^2.0.0'"],
    ["a values file the source does not have", { valuesFiles: ["env/staging.yaml"] }, {}, "ValuesFilesError",
      "HelmChart/apps/podinfo: values files merge error: no values file found at path '/env/staging.yaml' (reference 'env/staging.yaml')"],
  ])("%s is a clear failure", async (_name, spec, override, reason, message) => {
    const { store } = memStore();
    const repo = await storedRepo(store, server.url, { secretRef: { name: "creds" } });
    const git = await storedSource(store, { ...files(), ...override }, `main@sha1:${COMMIT}`);
    const { ctx } = context<HelmChartStatus>({}, [repo, git], { creds: { username: "u", password: "p" } });
    const err = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart(spec), ctx).then(() => undefined, (e: unknown) => e);
    expect([(err as { reason?: string }).reason, (err as Error).message]).toEqual([reason, message]);
  });
});

describe("HelmChart from an OCI HelmRepository", () => {
  let reg: TestRegistry;
  const pushed: Record<string, { digest: string; chart: Uint8Array }> = {};
  const keyPair = () => {
    const k = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return { pem: k.publicKey.export({ type: "spki", format: "pem" }) as string, sign: async (d: Uint8Array) => new Uint8Array(nodeSign("sha256", d, k.privateKey)) };
  };
  const trusted = keyPair();
  beforeAll(async () => {
    reg = await startRegistry({ auth: true });
    const client = new RegistryClient({ host: reg.host, repository: "charts/web", fetch: createFetch({}), insecure: true, credentials: { username: reg.username!, password: reg.password! } });
    for (const v of ["1.0.0", "1.1.0", "2.0.0"]) {
      const chart = await packTextChart("web", v);
      pushed[v] = { digest: (await pushHelmChart(client, { chart, metadata: { apiVersion: "v2", name: "web", version: v } })).digest, chart };
    }
    await signOciArtifact({ client, digest: pushed["1.1.0"]!.digest, sign: trusted.sign });
    await signOciArtifact({ client, digest: pushed["2.0.0"]!.digest, sign: keyPair().sign });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const ociRepo = (secret = "registry"): Repo => ({
    apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "charts", namespace: "apps" },
    spec: { type: "oci", url: `oci://${reg.host}/charts`, insecure: true, secretRef: { name: secret } },
  });
  const secrets = () => ({
    registry: { username: reg.username!, password: reg.password! },
    dockercfg: { ".dockerconfigjson": JSON.stringify({ auths: { [reg.host]: { auth: btoa(`${reg.username}:${reg.password}`) } } }) },
    cosign: { "cosign.pub": trusted.pem },
  });
  const ociChart = (spec: Partial<HelmChartSpec>) => chart({ chart: "web", ...spec });

  test.each(["registry", "dockercfg"])("pulls the version the range selects with credentials from a %s Secret", async (secret) => {
    const { store, files } = memStore();
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(ociChart({ version: "1.x" }), context<HelmChartStatus>({}, [ociRepo(secret)], secrets()).ctx);
    expect([r.message, r.status?.artifact?.revision]).toEqual(["pulled 'web' chart with version '1.1.0'", "1.1.0"]);
    expect(files.get("helmchart/apps/podinfo/web-1.1.0.tgz")).toEqual(pushed["1.1.0"]!.chart);
  });

  test("a chart signed with a trusted key is verified and stored, with SourceVerified", async () => {
    const { store } = memStore();
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(
      ociChart({ version: "1.1.0", verify: { provider: "cosign", secretRef: { name: "cosign" } } }), context<HelmChartStatus>({}, [ociRepo()], secrets()).ctx);
    expect(r.conditions?.find((c) => c.type === "SourceVerified")).toMatchObject({ status: "True", reason: "Succeeded", message: "verified signature of version 1.1.0" });
    expect(r.status?.artifact?.revision).toBe("1.1.0");
  });

  test.each([
    ["signed with another key", "2.0.0", "InvalidSignature: Cannot verify HOST/charts/web@DIGEST: no signature verified: the signature does not verify with the key cosign.pub"],
    ["not signed", "1.0.0", "NoSignature: Cannot verify HOST/charts/web@DIGEST: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)"],
  ])("a chart %s is refused before it is pulled: nothing stored", async (_name, version, why) => {
    const { store, files } = memStore();
    const err = await helmChartReconciler({ store, fetchFor: createFetch })
      .reconcile(ociChart({ version, verify: { provider: "cosign", secretRef: { name: "cosign" } } }), context<HelmChartStatus>({}, [ociRepo()], secrets()).ctx)
      .then(() => undefined, (e: unknown) => e);
    expect([(err as { reason?: string }).reason, (err as Error).message]).toEqual([
      "VerificationError",
      `HelmChart/apps/podinfo: chart verification error: failed to verify the signature of version ${version}: ${why.replace("HOST", reg.host).replace("DIGEST", pushed[version]!.digest)}`,
    ]);
    expect([...files.keys()].filter((k) => k.startsWith("helmchart/"))).toEqual([]);
  });

  test("a chart in git with an oci:// dependency pulls it with the declared repository's dockerconfigjson", async () => {
    const { store, files } = memStore();
    const git = await storedSource(store, {
      "app/Chart.yaml": `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: web\n    version: ~1.0.0\n    repository: oci://${reg.host}/charts/\n`,
    }, `main@sha1:${COMMIT}`);
    const r = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(localChart({ chart: "app" }), context<HelmChartStatus>({}, [ociRepo("dockercfg"), git], secrets()).ctx);
    expect(r.message).toBe("packaged 'app' chart with version '0.1.0'");
    expect((await unpack(files.get("helmchart/apps/podinfo/app-0.1.0.tgz")!)).read("app/charts/web-1.0.0.tgz")).toEqual(pushed["1.0.0"]!.chart);
  });

  test("a version the registry does not have is InvalidChartReference", async () => {
    const { store } = memStore();
    const err = await helmChartReconciler({ store, fetchFor: createFetch }).reconcile(ociChart({ version: "3.x" }), context<HelmChartStatus>({}, [ociRepo()], secrets()).ctx).catch((e: unknown) => e);
    expect([(err as { reason?: string }).reason, (err as Error).message]).toEqual([
      "InvalidChartReference", "HelmChart/apps/podinfo: invalid chart reference: failed to get chart version for remote reference: could not locate a version matching provided version string 3.x",
    ]);
  });
});

async function packTextChart(name: string, version: string): Promise<Uint8Array> {
  return (await pack(textFileTree({ [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: ${version}\n`, [`${name}/templates/cm.yaml`]: "kind: ConfigMap\n" }))).bytes;
}
