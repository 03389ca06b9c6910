/**
 * Downloads a Helm chart repository's index.yaml over HTTP(S), as source-controller's ChartRepository
 * does: `index.yaml` joined to the URL's path, basic auth when credentials are given, the whole fetch
 * under a timeout, and the body capped (Flux's MaxIndexSize) before anything parses it. The bytes come
 * back untouched: their digest is the repository's revision, as in Flux.
 *
 * Error messages keep the words of Flux's condition messages ("failed to fetch <url> : 401 Unauthorized")
 * so what users search for matches; the credentials never appear in them.
 */
import { base64Encode, concat } from "../../core/bytes.ts";
import type { Fetch } from "../../core/fetch.ts";

export const DEFAULTS = {
  /** Largest index accepted, in bytes (source-controller's MaxIndexSize, 50 MiB). */
  maxIndexBytes: 50 * 1024 * 1024,
  timeoutMs: 60_000,
};

export interface BasicAuth {
  username: string;
  password: string;
}

export interface FetchHelmIndexOptions {
  /** The repository URL (spec.url), http:// or https://. */
  url: string;
  fetch: Fetch;
  basicAuth?: BasicAuth;
  timeoutMs?: number;
  maxBytes?: number;
}

export class HelmIndexFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HelmIndexFetchError";
  }
}

/** The index address of a repository: `index.yaml` joined to the URL's path (Flux's DownloadIndex). */
export function helmIndexUrl(repositoryUrl: string): string {
  const u = new URL(repositoryUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/index.yaml`;
  return u.toString();
}

/** The `Authorization` header value for basic auth, as Go's SetBasicAuth writes it. */
export function basicAuthHeader(auth: BasicAuth): string {
  return `Basic ${base64Encode(new TextEncoder().encode(`${auth.username}:${auth.password}`))}`;
}

/** The index bytes and the address they came from. */
export async function fetchHelmIndex(o: FetchHelmIndexOptions): Promise<{ url: string; bytes: Uint8Array }> {
  const url = helmIndexUrl(o.url);
  const maxBytes = o.maxBytes ?? DEFAULTS.maxIndexBytes;
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const headers: Record<string, string> = { "User-Agent": "Helm/4 (rivulet)" };
  if (o.basicAuth) headers.Authorization = basicAuthHeader(o.basicAuth);
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await o.fetch(url, { headers, signal, redirect: "follow" });
  } catch (err) {
    const why = signal.aborted ? `timeout of ${timeoutMs / 1000}s exceeded` : err instanceof Error ? err.message : String(err);
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${why}`, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${res.status} ${res.statusText || statusText(res.status)}`.trimEnd());
  }
  try {
    return { url, bytes: await readCapped(res, maxBytes) };
  } catch (err) {
    if (err instanceof HelmIndexFetchError) throw err;
    const why = signal.aborted ? `timeout of ${timeoutMs / 1000}s exceeded` : err instanceof Error ? err.message : String(err);
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${why}`, { cause: err });
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new HelmIndexFetchError(`index exceeds the maximum index file size of ${maxBytes} bytes`);
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(r.value);
  }
  return concat(parts);
}

/** Go's http.StatusText for the answers a repository gives, when the response has no reason phrase. */
function statusText(status: number): string {
  const known: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" };
  return known[status] ?? "";
}
