/**
 * Pulls a Helm chart stored in an OCI registry the way `helm push` lays it out (Helm 4.2 pkg/registry,
 * read, not copied): an image manifest whose config (`application/vnd.cncf.helm.config.v1+json`) is
 * Chart.yaml as JSON and whose layer `application/vnd.cncf.helm.chart.content.v1.tar+gzip` is the
 * packaged chart, unchanged (the legacy `application/tar+gzip` is read with a warning, as Helm does).
 * `oci://host/repo/chart[:tag][@digest]` with a version resolves as chart-tag.ts says. The chart is
 * checked against its digest and size while it streams, and capped (DEFAULTS). Two steps, so a caller
 * can verify a signature between them: `resolveHelmChart` (requests: a tag list when the version is a
 * range, one HEAD) and `pullResolvedChart` (manifest, config, layer).
 */
import type { Fetch } from "../../core/fetch.ts";
import type { Sha256Factory } from "../../artifact/digest.ts";
import { chartTagChoice, pickChartTag } from "./chart-tag.ts";
import { isIndex, MEDIA } from "./media-types.ts";
import { formatOciReference, parseOciReference } from "./oci-reference.ts";
import type { RegistryCredentials } from "./registry-auth.ts";
import { RegistryClient, type Descriptor, type ImageManifest, type Progress } from "./registry-client.ts";

export const DEFAULTS = {
  /** Largest chart layer pulled: Helm's cap on a decompressed chart (100 MiB) bounds the archive too. */
  maxChartSize: 100 * 1024 * 1024,
  /** Largest config blob (Chart.yaml as JSON). */
  maxConfigSize: 1024 * 1024,
} as const;

export interface HelmChartSource {
  /** `oci://host[:port]/repository/chart`, optionally with `:tag` or `@sha256:...`. */
  url: string;
  /** An exact version or a Masterminds range; empty means the newest (or the reference's tag). */
  version?: string;
  fetch: Fetch;
  credentials?: RegistryCredentials;
  /** Plain HTTP. */
  insecure?: boolean;
  sha256?: Sha256Factory;
  signal?: AbortSignal;
}

export interface ResolvedHelmChart {
  client: RegistryClient;
  /** `host/repository:tag` or `host/repository@digest`, as Helm prints what it pulled. */
  ref: string;
  tag?: string;
  /** The manifest's digest. */
  digest: string;
}

export interface PulledHelmChart extends ResolvedHelmChart {
  /** The config: Chart.yaml's metadata as `helm push` wrote it. */
  metadata: Record<string, unknown>;
  /** The manifest's annotations (`org.opencontainers.image.*` from Chart.yaml and its annotations). */
  annotations: Record<string, string>;
  /** The packaged chart (.tgz) and its layer digest. */
  chart: { bytes: Uint8Array; digest: string; mediaType: string };
}

export interface PullOptions {
  maxChartSize?: number;
  onProgress?: Progress;
  warn?: (message: string) => void;
}

/** The manifest digest the reference and version name; nothing but tags and a HEAD is requested. */
export async function resolveHelmChart(src: HelmChartSource): Promise<ResolvedHelmChart> {
  const ref = parseOciReference(src.url);
  const choice = chartTagChoice(ref, src.version);
  const client = new RegistryClient({
    host: ref.host, repository: ref.repository, fetch: src.fetch, insecure: src.insecure,
    credentials: src.credentials, sha256: src.sha256, signal: src.signal,
  });
  const name = `${ref.host}/${ref.repository}`;
  if (choice.kind === "digest") {
    if (choice.checkTag) {
      // As Helm: a tag that does not resolve is no error when a digest is given; a different digest is.
      const head = await client.headManifest(choice.checkTag);
      if (head && head.digest !== choice.digest) throw new Error(`chart reference digest mismatch: ${head.digest} is not ${choice.digest}`);
    }
    if (!(await client.headManifest(choice.digest))) throw new Error(`Cannot pull the chart ${name}@${choice.digest}: not found`);
    return { client, ref: `${name}@${choice.digest}`, digest: choice.digest };
  }
  const tag = choice.kind === "tag" ? choice.tag : pickChartTag(await client.listTags(), choice.version, formatOciReference({ host: ref.host, repository: ref.repository }));
  const head = await client.headManifest(tag);
  if (!head) throw new Error(`Cannot pull the chart ${name}:${tag}: not found`);
  return { client, ref: `${name}:${tag}`, tag, digest: head.digest };
}

/** The manifest, its config and its chart layer, each checked against its digest. */
export async function pullResolvedChart(r: ResolvedHelmChart, o: PullOptions = {}): Promise<PulledHelmChart> {
  const fail = (why: string) => new Error(`Cannot pull the chart ${r.ref}: ${why}`);
  const fetched = await r.client.getManifest(r.digest);
  if (!fetched) throw fail("not found");
  if (isIndex(fetched.mediaType) || "manifests" in fetched.json) throw fail("it is an image index, not a chart manifest");
  const manifest = fetched.json as ImageManifest;
  if (manifest.config?.mediaType !== MEDIA.helmConfig) throw fail(`could not load config with mediatype ${MEDIA.helmConfig}`);
  const layer = chartLayer(manifest.layers ?? [], o.warn);
  if (!layer) throw fail(`manifest does not contain a layer with mediatype ${MEDIA.helmChart}`);
  const configBytes = await r.client.getBlob(manifest.config, { maxSize: DEFAULTS.maxConfigSize });
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (err) {
    throw new Error(`Cannot pull the chart ${r.ref}: its config is not JSON`, { cause: err });
  }
  const bytes = await r.client.getBlob(layer, { maxSize: o.maxChartSize ?? DEFAULTS.maxChartSize, onProgress: o.onProgress });
  return { ...r, metadata, annotations: { ...manifest.annotations }, chart: { bytes, digest: layer.digest, mediaType: layer.mediaType } };
}

/** Resolves and pulls in one go (no verification step between). */
export async function pullHelmChart(src: HelmChartSource, o: PullOptions = {}): Promise<PulledHelmChart> {
  return pullResolvedChart(await resolveHelmChart(src), o);
}

function chartLayer(layers: Descriptor[], warn?: (m: string) => void): Descriptor | undefined {
  const current = layers.find((l) => l.mediaType === MEDIA.helmChart);
  if (current) return current;
  const legacy = layers.find((l) => l.mediaType === MEDIA.helmChartLegacy);
  if (legacy) warn?.(`chart media type ${MEDIA.helmChartLegacy} is deprecated`);
  return legacy;
}
