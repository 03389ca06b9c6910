/**
 * Downloads one chart archive named by a repository index, as source-controller's ChartRepository does
 * through Helm's HTTP getter: the repository's credentials (basic auth or bearer token) go only to the repository's own scheme and host unless
 * `passCredentials` says otherwise (a chart URL on another host would otherwise receive the password), the
 * TLS settings go with every request, and the body is capped (Flux's MaxChartSize, 10 MiB).
 *
 * Beyond Flux: when the index gives a digest, the archive's sha256 must match it, so a tampered or
 * truncated download is refused before it is stored.
 */
import type { Fetch } from "../../core/fetch.ts";
import { digestOf, type Sha256Factory } from "../../artifact/digest.ts";
import { helmHttpGet, HelmIndexFetchError, type RepositoryAuth } from "./fetch-helm-index.ts";

export const DEFAULTS = {
  /** Largest chart archive accepted, in bytes (source-controller's MaxChartSize). */
  maxChartBytes: 10 * 1024 * 1024,
};

export interface FetchChartOptions {
  /** The repository URL (HelmRepository spec.url): whose host may receive the credentials. */
  repositoryUrl: string;
  /** The chart's absolute URL (relative index URLs resolved already). */
  chartUrl: string;
  fetch: Fetch;
  auth?: RepositoryAuth;
  passCredentials?: boolean;
  /** Hex sha256 from the index (with or without `sha256:`); checked when given. */
  digest?: string;
  timeoutMs?: number;
  maxBytes?: number;
  sha256?: Sha256Factory;
}

/**
 * Whether the repository's credentials go with a request to `chartUrl`: Helm's HTTP getter sends them
 * when told to pass them everywhere, or when scheme and host (with port) are the repository's.
 */
export function sendsCredentials(repositoryUrl: string, chartUrl: string, passCredentials = false): boolean {
  const repo = new URL(repositoryUrl);
  const chart = new URL(chartUrl);
  return passCredentials || (repo.protocol === chart.protocol && repo.host === chart.host);
}

export async function fetchChart(o: FetchChartOptions): Promise<Uint8Array> {
  const maxBytes = o.maxBytes ?? DEFAULTS.maxChartBytes;
  const auth = o.auth && sendsCredentials(o.repositoryUrl, o.chartUrl, o.passCredentials) ? o.auth : undefined;
  const bytes = await helmHttpGet(o.chartUrl, { fetch: o.fetch, auth, timeoutMs: o.timeoutMs, maxBytes, tooLarge: `chart exceeds the maximum chart size of ${maxBytes} bytes` });
  if (o.digest) {
    const want = o.digest.replace(/^sha256:/, "").toLowerCase();
    const got = (await digestOf(bytes, o.sha256)).slice("sha256:".length);
    if (got !== want) throw new HelmIndexFetchError(`the chart from ${o.chartUrl} has sha256 digest ${got}, the index says ${want}`);
  }
  return bytes;
}
