import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { HelmChartSpec, HelmChartStatus } from "../api/helm-chart.ts";
import type { HelmRepositorySpec, HelmRepositoryStatus } from "../api/helm-repository.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactStore, type StoreFs } from "../storage/artifact-store.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { loadChartArchive } from "../helm/chart-loader.ts";
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
async function storedRepo(store: ArtifactStore, url: string, spec: Partial<HelmRepositorySpec> = {}): Promise<Repo> {
  const repo: Repo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "charts", namespace: "apps", generation: 1 }, spec: { interval: "5m", url, ...spec } };
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
    ["a GitRepository source", { sourceRef: { kind: "GitRepository" as const, name: "charts" } }, "UnsupportedSourceKind",
      "HelmChart/apps/podinfo: charts from a GitRepository are not supported yet: use a HelmRepository source"],
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
