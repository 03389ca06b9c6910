import { describe, expect, test } from "bun:test";
import { chartLoader, helmChartName, helmChartTemplate } from "./helm-release-chart.ts";
import type { ReconcileContext } from "./reconciler.ts";
import type { KubeObject } from "../kube/types.ts";
import { pack } from "../artifact/pack.ts";
import { textFileTree } from "../artifact/file-tree.ts";

const hr = (spec: Record<string, unknown>) => ({ metadata: { name: "web", namespace: "team" }, spec: { interval: "5m", ...spec } }) as Parameters<typeof helmChartTemplate>[0];
const chartSpec = { chart: "podinfo", sourceRef: { kind: "HelmRepository" as const, name: "charts" } };

describe("the HelmChart helm-controller makes from spec.chart", () => {
  test("is named <namespace>-<name> and takes the HelmRelease's interval, version * and ChartVersion by default", () => {
    expect(helmChartName(hr({}))).toBe("team-web");
    expect(helmChartTemplate(hr({ chart: { spec: chartSpec } }))).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "HelmChart",
      metadata: { name: "team-web", namespace: "team" },
      spec: { chart: "podinfo", version: "*", sourceRef: { kind: "HelmRepository", name: "charts" }, interval: "5m", reconcileStrategy: "ChartVersion" },
    });
  });
  test("carries spec.chart.metadata and the optional fields", () => {
    const t = helmChartTemplate(hr({
      chart: {
        metadata: { labels: { team: "a" }, annotations: { note: "x" } },
        spec: { ...chartSpec, version: "1.x", interval: "1m", valuesFiles: ["prod.yaml"], ignoreMissingValuesFiles: true, reconcileStrategy: "Revision" },
      },
    }))!;
    expect(t.metadata).toEqual({ name: "team-web", namespace: "team", labels: { team: "a" }, annotations: { note: "x" } });
    expect(t.spec).toMatchObject({ version: "1.x", interval: "1m", valuesFiles: ["prod.yaml"], ignoreMissingValuesFiles: true, reconcileStrategy: "Revision" });
  });
  test("none for spec.chartRef", () => {
    expect(helmChartTemplate(hr({ chartRef: { kind: "OCIRepository", name: "podinfo" } }))).toBeUndefined();
  });
});

describe("chartLoader", () => {
  const ready = (status: Record<string, unknown>, generation = 1): KubeObject => ({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "podinfo", namespace: "team", generation }, status });
  const ctx = (obj: KubeObject | undefined) => ({ read: async () => obj }) as unknown as ReconcileContext;
  const loader = chartLoader({ store: { get: async () => undefined }, fieldManager: "helm-controller", requeueMs: 1000 });
  const ref = hr({ chartRef: { kind: "OCIRepository", name: "podinfo" } });
  test.each([
    ["missing", undefined, "OCIRepository 'team/podinfo' is not ready: not found"],
    ["not ready", ready({ observedGeneration: 1, conditions: [{ type: "Ready", status: "False", message: "pull failed" }] }), "OCIRepository 'team/podinfo' is not ready: pull failed"],
    ["an older generation", ready({ observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] }, 2), "OCIRepository 'team/podinfo' is not ready: no artifact yet"],
    ["no artifact", ready({ observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] }), "OCIRepository 'team/podinfo' is not ready: no artifact yet"],
    ["an artifact not in storage", ready({ observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }], artifact: { path: "ocirepository/team/podinfo/x.tgz", digest: "sha256:0", revision: "1.0.0@sha256:0", lastUpdateTime: "2026-01-01T00:00:00Z" } }), "OCIRepository 'team/podinfo' artifact ocirepository/team/podinfo/x.tgz is not in storage yet"],
  ])("requeues, not blocks, when the source is %s", async (_name, obj, message) => {
    const err = await loader.get(ref, ctx(obj)).catch((e) => e);
    expect(err).toMatchObject({ kind: "not-ready", reason: "ArtifactFailed", message, retryAfterMs: 1000 });
  });
  test("waiting for the chart is written to status but is no event, as helm-controller only logs it", async () => {
    expect(await loader.get(ref, ctx(undefined)).catch((e) => e)).toMatchObject({ kind: "not-ready", quiet: true });
  });
  test("refuses ExternalArtifact when the agent was given no HTTP client", async () => {
    const err = await loader.get(hr({ chartRef: { kind: "ExternalArtifact", name: "x" } }), ctx(undefined)).catch((e) => e);
    expect(err).toMatchObject({ kind: "terminal", reason: "InvalidChartReference", message: "chartRef kind ExternalArtifact is not supported by this agent" });
  });
});

describe("the HelmChart for spec.chart is written only when it must be", () => {
  const release = hr({ chart: { spec: chartSpec } });
  const template = helmChartTemplate(release)!;
  const loader = chartLoader({ store: { get: async () => undefined }, fieldManager: "helm-controller", requeueMs: 1000 });
  const run = async (cached: KubeObject | undefined) => {
    const applied: KubeObject[] = [];
    const reads: string[] = [];
    const ctx = {
      cached: () => cached,
      read: async () => (reads.push("read"), cached),
      client: { apply: async (o: KubeObject) => (applied.push(o), { ...o, metadata: { ...o.metadata, generation: 1 } }) },
    } as unknown as ReconcileContext;
    await loader.get(release, ctx).catch(() => undefined);
    return { applied, reads };
  };
  const live = (meta: Partial<KubeObject["metadata"]> = {}, spec: Record<string, unknown> = {}): KubeObject => ({
    ...template,
    metadata: { ...template.metadata, generation: 1, ...meta },
    spec: { ...(template.spec as Record<string, unknown>), suspend: false, ...spec },
  });

  test("a HelmChart not cached is applied at once, with the controller's finalizer, without a read first", async () => {
    const { applied, reads } = await run(undefined);
    expect(reads).toEqual([]);
    expect(applied.map((o) => o.metadata.finalizers)).toEqual([["finalizers.fluxcd.io"]]);
  });
  test("an unchanged HelmChart is not applied again (server defaults are no difference)", async () => {
    expect((await run(live({ finalizers: ["finalizers.fluxcd.io"] }))).applied).toEqual([]);
  });
  test("a changed template is applied with the finalizer kept, so the field manager does not remove it", async () => {
    const { applied } = await run(live({ finalizers: ["finalizers.fluxcd.io"] }, { version: "2.0.0" }));
    expect(applied.map((o) => [o.metadata.finalizers, (o.spec as { version: string }).version])).toEqual([[["finalizers.fluxcd.io"], "*"]]);
  });
  test("a HelmChart being deleted without the finalizer does not get it back", async () => {
    const { applied } = await run(live({ deletionTimestamp: "2026-01-01T00:00:00Z" }, { version: "2.0.0" }));
    expect(applied.map((o) => o.metadata.finalizers)).toEqual([undefined]);
  });
});

describe("chartLoader with an ExternalArtifact", async () => {
  const tgz = (await pack(textFileTree({ "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.2.0\n", "web/templates/cm.yaml": "kind: ConfigMap\n" }))).bytes;
  const digest = `sha256:${Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", tgz)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  const url = "http://source-watcher.flux-system.svc/externalartifact/team/web/chart.tgz";
  const requests: string[] = [];
  const served = (status = 200, body: Uint8Array = tgz) => async (u: string | URL | Request) => {
    requests.push(String(u));
    return new Response(status === 200 ? body.slice() : "no", { status });
  };
  const external = (artifact?: Record<string, unknown>): KubeObject => ({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "ExternalArtifact",
    metadata: { name: "web", namespace: "team", generation: 3 },
    status: artifact ? { artifact: { path: "team/web/chart.tgz", url, digest, revision: "1.2.0", lastUpdateTime: "2026-01-01T00:00:00Z", ...artifact } } : {},
  });
  const ref = hr({ chartRef: { kind: "ExternalArtifact", name: "web" } });
  const ctx = (obj: KubeObject | undefined) => ({ read: async () => obj }) as unknown as ReconcileContext;
  const loaderWith = (fetch: ReturnType<typeof served>) => chartLoader({ store: { get: async () => undefined }, fieldManager: "helm-controller", requeueMs: 1000, fetch });

  test("downloads the chart from status.artifact.url once per digest, with no Ready condition needed", async () => {
    requests.length = 0;
    const loader = loaderWith(served());
    const got = await loader.get(ref, ctx(external({})));
    expect([got.chart.metadata.version, got.ociDigest, got.artifact.digest]).toEqual(["1.2.0", undefined, digest]);
    await loader.get(ref, ctx(external({})));
    expect(requests).toEqual([url]);
  });
  test("a revision with a digest puts its first 12 hex in the chart version, as helm-controller's digest tracking", async () => {
    const got = await loaderWith(served()).get(ref, ctx(external({ revision: `1.2.0@${digest}` })));
    expect([got.chart.metadata.version, got.ociDigest]).toEqual([`1.2.0+${digest.slice(7, 19)}`, digest]);
  });
  test.each([
    ["no artifact", undefined, served(), { kind: "not-ready", reason: "ArtifactFailed", message: "ExternalArtifact 'team/web' is not ready: does not have an artifact" }],
    ["a 404 from its producer", {}, served(404), { kind: "not-ready", reason: "ArtifactFailed", message: `Source not ready: artifact not found at '${url}'` }],
    ["a 500 from its producer", {}, served(500), { kind: "transient", message: `Could not load chart: failed to fetch ${url} : 500 Internal Server Error` }],
    ["bytes whose digest differs", {}, served(200, new Uint8Array([1, 2, 3])), { kind: "transient", message: `Could not load chart: integrity failure: computed digest doesn't match '${digest}'` }],
    ["a digest that is not sha256", { digest: "sha512:00" }, served(), { kind: "transient", message: "failed to parse digest 'sha512:00': only sha256 is supported" }],
  ])("%s: the reconcile waits or fails with a clear message", async (_name, artifact, fetch, want) => {
    const err = await loaderWith(fetch).get(ref, ctx(external(artifact))).catch((e) => e);
    expect({ kind: err.kind ?? "transient", message: err.message, ...(err.reason ? { reason: err.reason } : {}) }).toEqual(want);
  });
});
