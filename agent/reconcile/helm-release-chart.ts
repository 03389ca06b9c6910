/**
 * The chart a HelmRelease releases, as helm-controller gets it: for `spec.chart`, the HelmChart
 * `<namespace>-<name>` made from the template (labels and annotations from spec.chart.metadata, written
 * only when it differs from the cached copy, with the controller's finalizer from the first apply), for
 * `spec.chartRef` the OCIRepository, HelmChart or ExternalArtifact named, in the HelmRelease's namespace.
 * Either must be Ready for its generation with an artifact (an ExternalArtifact only needs an artifact,
 * as helm-controller checks it); until then the reconcile is requeued, not blocked. The .tgz is read from
 * the agent's own artifact store (no HTTP to itself), or for an ExternalArtifact, which another tool in
 * the namespace produces and serves, downloaded from its `status.artifact.url` and checked against its
 * digest; either is loaded once per artifact digest.
 *
 * The agent watches no ExternalArtifact (its CRD is not among rivulet's), so a new artifact there is seen
 * at the HelmRelease's next interval or on a reconcile request.
 */
import { NotReadyError, TerminalError } from "../core/errors.ts";
import type { Fetch } from "../core/fetch.ts";
import { digestOf, type Sha256Factory } from "../artifact/digest.ts";
import { DEFAULTS as CHART_FETCH } from "../source/helm/fetch-chart.ts";
import { helmHttpGet, HelmIndexFetchError } from "../source/helm/fetch-helm-index.ts";
import { chartWithSourceRevision } from "./helm-release-chart-revision.ts";
import type { KubeObject } from "../kube/types.ts";
import { canonicalJson } from "../diff/canonical.ts";
import type { Artifact } from "../api/common.ts";
import type { HelmRelease } from "../api/helm-release.ts";
import { helmChartKind } from "../api/helm-chart.ts";
import type { Chart } from "../helm/chart.ts";
import { loadChartArchive } from "../helm/chart-loader.ts";
import type { ArtifactStore } from "../storage/artifact-store.ts";
import type { ReconcileContext } from "./reconciler.ts";
import { FINALIZER } from "./controller.ts";

const SOURCE_API = helmChartKind.apiVersion;
/** How many loaded charts are kept, by artifact digest. */
const CHART_CACHE_SIZE = 16;

type HR = Pick<HelmRelease, "metadata" | "spec">;

export interface ReleaseChart {
  chart: Chart;
  artifact: Artifact;
  /** "<namespace>/<name>" of the HelmChart made from spec.chart. */
  helmChart?: string;
  /** The digest of a chart from an OCIRepository or ExternalArtifact (history[].ociDigest). */
  ociDigest?: string;
}

/** The HelmChart helm-controller makes from spec.chart. */
export function helmChartName(hr: HR): string {
  return `${hr.metadata.namespace}-${hr.metadata.name}`;
}

export function helmChartTemplate(hr: HR): KubeObject | undefined {
  const t = hr.spec.chart;
  if (!t) return undefined;
  const s = t.spec;
  const spec: Record<string, unknown> = {
    chart: s.chart,
    version: s.version ?? "*",
    sourceRef: { kind: s.sourceRef.kind, name: s.sourceRef.name },
    interval: s.interval ?? hr.spec.interval,
    reconcileStrategy: s.reconcileStrategy ?? "ChartVersion",
    ...(s.valuesFiles?.length ? { valuesFiles: s.valuesFiles } : {}),
    ...(s.ignoreMissingValuesFiles ? { ignoreMissingValuesFiles: true } : {}),
    ...(s.verify ? { verify: s.verify } : {}),
  };
  return {
    apiVersion: SOURCE_API,
    kind: helmChartKind.kind,
    metadata: {
      name: helmChartName(hr),
      namespace: hr.metadata.namespace,
      ...(t.metadata?.labels ? { labels: t.metadata.labels } : {}),
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
    },
    spec,
  };
}

export interface ChartDeps {
  store: Pick<ArtifactStore, "get">;
  fieldManager: string;
  requeueMs: number;
  /** HTTP for an ExternalArtifact's chart; without it that kind is refused. */
  fetch?: Fetch;
  sha256?: Sha256Factory;
}

export function chartLoader(deps: ChartDeps) {
  const charts = new Map<string, Chart>();

  async function load(artifact: Artifact, label: string, external: boolean): Promise<Chart> {
    const hit = charts.get(artifact.digest);
    if (hit) return hit;
    const bytes = external ? await downloadExternalChart(deps, artifact) : await deps.store.get(artifact.path);
    if (!bytes) throw new NotReadyError("ArtifactFailed", `${label} artifact ${artifact.path} is not in storage yet`, { retryAfterMs: deps.requeueMs });
    const chart = await loadChartArchive(bytes, label);
    if (charts.size >= CHART_CACHE_SIZE) charts.delete(charts.keys().next().value!);
    charts.set(artifact.digest, chart);
    return chart;
  }

  /** The chart source as it is now, with the HelmChart made or updated first for spec.chart. */
  async function source(hr: HR, ctx: ReconcileContext): Promise<{ obj: KubeObject | undefined; ref: string; helmChart?: string }> {
    const ns = hr.metadata.namespace!;
    const template = helmChartTemplate(hr);
    if (template) {
      const name = template.metadata.name!;
      const key = { apiVersion: SOURCE_API, kind: helmChartKind.kind, namespace: ns, name };
      // Compared with the HelmChart controller's cached copy: one not cached yet is applied, not read
      // first (an unchanged server-side apply writes nothing), so a new release costs no GET.
      const live = ctx.cached ? ctx.cached(key) : await ctx.read(key);
      let obj = live;
      if (!live || !sameTemplate(live, template)) obj = await ctx.client.apply(withFinalizer(template, live), { fieldManager: deps.fieldManager, force: true });
      return { obj, ref: `HelmChart '${ns}/${name}'`, helmChart: `${ns}/${name}` };
    }
    const ref = hr.spec.chartRef;
    if (!ref) throw new TerminalError("InvalidChartReference", "one of spec.chart or spec.chartRef must be set");
    if (ref.kind === "ExternalArtifact" && !deps.fetch) throw new TerminalError("InvalidChartReference", `chartRef kind ${ref.kind} is not supported by this agent`);
    const obj = await ctx.read({ apiVersion: SOURCE_API, kind: ref.kind, namespace: ns, name: ref.name });
    return { obj, ref: `${ref.kind} '${ns}/${ref.name}'` };
  }

  return {
    async get(hr: HR, ctx: ReconcileContext): Promise<ReleaseChart> {
      const { obj, ref, helmChart } = await source(hr, ctx);
      // helm-controller only logs this wait (no event): the chart's own controller reports its progress.
      const notReady = (why: string) => new NotReadyError("ArtifactFailed", `${ref} is not ready: ${why}`, { retryAfterMs: deps.requeueMs, quiet: true });
      if (!obj) throw notReady("not found");
      const status = (obj.status ?? {}) as { artifact?: Artifact; observedGeneration?: number; conditions?: Array<{ type: string; status: string; message?: string }> };
      const kind = hr.spec.chartRef?.kind ?? helmChartKind.kind;
      const external = kind === "ExternalArtifact";
      const ready = status.conditions?.find((c) => c.type === "Ready");
      if (!external && (status.observedGeneration !== obj.metadata.generation || ready?.status !== "True")) throw notReady(ready?.message || "no artifact yet");
      if (!status.artifact) throw notReady(external ? "does not have an artifact" : "no artifact yet");
      const loaded = await load(status.artifact, ref, external);
      const { chart, ociDigest } = chartWithSourceRevision(loaded, kind, status.artifact.revision);
      return { chart, artifact: status.artifact, ...(helmChart ? { helmChart } : {}), ...(ociDigest ? { ociDigest } : {}) };
    },
  };
}

/**
 * An ExternalArtifact's chart from the URL its producer serves, as helm-controller's
 * SecureLoadChartFromURL: a 404 waits for the producer, any other answer fails, and bytes whose digest is
 * not the artifact's are refused before they are loaded.
 */
async function downloadExternalChart(deps: ChartDeps, artifact: Artifact): Promise<Uint8Array> {
  const url = artifact.url;
  if (!artifact.digest.startsWith("sha256:")) throw new Error(`failed to parse digest '${artifact.digest}': only sha256 is supported`);
  const maxBytes = CHART_FETCH.maxChartBytes;
  let bytes: Uint8Array;
  try {
    bytes = await helmHttpGet(url, { fetch: deps.fetch!, maxBytes, tooLarge: `chart exceeds the maximum chart size of ${maxBytes} bytes` });
  } catch (err) {
    if (err instanceof HelmIndexFetchError && err.status === 404) {
      throw new NotReadyError("ArtifactFailed", `Source not ready: artifact not found at '${url}'`, { retryAfterMs: deps.requeueMs });
    }
    throw new Error(`Could not load chart: ${(err as Error).message}`, { cause: err });
  }
  if ((await digestOf(bytes, deps.sha256)) !== artifact.digest) throw new Error(`Could not load chart: integrity failure: computed digest doesn't match '${artifact.digest}'`);
  return bytes;
}

/**
 * The template with the HelmChart controller's finalizer, so the controller need not patch it in after
 * the first apply. Kept in every apply (the field manager owns it: leaving it out would remove it), but
 * not added to a HelmChart being deleted that no longer has it (the API server refuses new finalizers).
 */
function withFinalizer(template: KubeObject, live: KubeObject | undefined): KubeObject {
  if (live?.metadata.deletionTimestamp && !live.metadata.finalizers?.includes(FINALIZER)) return template;
  return { ...template, metadata: { ...template.metadata, finalizers: [FINALIZER] } };
}

function sameTemplate(live: KubeObject, want: KubeObject): boolean {
  const pick = (o: KubeObject, spec: unknown) => canonicalJson([spec, o.metadata.labels ?? {}, o.metadata.annotations ?? {}]);
  const liveSpec = { ...((live.spec ?? {}) as Record<string, unknown>) };
  // Defaults the API server fills in are not differences.
  const wantSpec = want.spec as Record<string, unknown>;
  for (const k of Object.keys(liveSpec)) if (!(k in wantSpec)) delete liveSpec[k];
  const labels = Object.fromEntries(Object.entries(live.metadata.labels ?? {}).filter(([k]) => k in (want.metadata.labels ?? {})));
  const annotations = Object.fromEntries(Object.entries(live.metadata.annotations ?? {}).filter(([k]) => k in (want.metadata.annotations ?? {})));
  return pick({ ...live, metadata: { ...live.metadata, labels, annotations } }, liveSpec) === pick(want, wantSpec);
}
