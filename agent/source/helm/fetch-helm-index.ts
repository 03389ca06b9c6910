/**
 * Downloads a Helm chart repository's index.yaml over HTTP(S), as source-controller's ChartRepository
 * does: `index.yaml` joined to the URL's path, basic auth or a bearer token when credentials are given, the whole fetch
 * under a timeout, and the body capped (Flux's MaxIndexSize) before anything parses it. The bytes come
 * back untouched: their digest is the repository's revision, as in Flux.
 *
 * Error messages keep the words of Flux's condition messages ("failed to fetch <url> : 401 Unauthorized")
 * so what users search for matches; the credentials never appear in them.
 */
import { readBounded } from "../../core/bounded-read.ts";
import { basicAuthorization } from "../oci/registry-auth.ts";
import type { Fetch } from "../../core/fetch.ts";
import { describeFetchFailure } from "../../core/fetch-failure.ts";

export const DEFAULTS = {
  /** Largest index accepted, in bytes (source-controller's MaxIndexSize, 50 MiB). */
  maxIndexBytes: 50 * 1024 * 1024,
  timeoutMs: 60_000,
};

export interface BasicAuth {
  username: string;
  password: string;
}

/**
 * What a repository request authenticates with: basic auth (Helm's getter), or an `Authorization: Bearer`
 * token, the Secret key Flux's GitRepository reads (`bearerToken`).
 */
export type RepositoryAuth = BasicAuth | { bearerToken: string };

/** The Authorization header value for `auth`. */
export function repositoryAuthorization(auth: RepositoryAuth): string {
  return "bearerToken" in auth ? `Bearer ${auth.bearerToken}` : basicAuthorization(auth.username, auth.password);
}

export interface FetchHelmIndexOptions {
  /** The repository URL (spec.url), http:// or https://. */
  url: string;
  fetch: Fetch;
  auth?: RepositoryAuth;
  timeoutMs?: number;
  maxBytes?: number;
}

export class HelmIndexFetchError extends Error {
  /** The HTTP status when the server answered with an error. */
  readonly status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.name = "HelmIndexFetchError";
    this.status = options?.status;
  }
}

/** The index address of a repository: `index.yaml` joined to the URL's path (Flux's DownloadIndex). */
export function helmIndexUrl(repositoryUrl: string): string {
  const u = new URL(repositoryUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/index.yaml`;
  return u.toString();
}

/** The index bytes and the address they came from. */
export async function fetchHelmIndex(o: FetchHelmIndexOptions): Promise<{ url: string; bytes: Uint8Array }> {
  const url = helmIndexUrl(o.url);
  const maxBytes = o.maxBytes ?? DEFAULTS.maxIndexBytes;
  const bytes = await helmHttpGet(url, { ...o, maxBytes, tooLarge: `index exceeds the maximum index file size of ${maxBytes} bytes` });
  return { url, bytes };
}

/**
 * One GET as Helm's HTTP getter makes it (the credentials when given, a timeout over the whole exchange, the
 * body capped at `maxBytes`); any failure is a HelmIndexFetchError worded "failed to fetch <url> : <why>".
 */
export async function helmHttpGet(
  url: string,
  o: { fetch: Fetch; auth?: RepositoryAuth; timeoutMs?: number; maxBytes: number; tooLarge: string },
): Promise<Uint8Array> {
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const headers: Record<string, string> = { "User-Agent": "Helm/4 (rivulet)" };
  if (o.auth) headers.Authorization = repositoryAuthorization(o.auth);
  const signal = AbortSignal.timeout(timeoutMs);
  const why = (err: unknown) => (signal.aborted ? `timeout of ${timeoutMs / 1000}s exceeded` : describeFetchFailure(err));
  let res: Response;
  try {
    // A redirect to another origin is followed without the Authorization header (fetch drops it there).
    res = await o.fetch(url, { headers, signal, redirect: "follow" });
  } catch (err) {
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${why(err)}`, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${res.status} ${res.statusText || statusText(res.status)}`.trimEnd(), { status: res.status });
  }
  try {
    return await readCapped(res, o.maxBytes, o.tooLarge);
  } catch (err) {
    if (err instanceof HelmIndexFetchError) throw err;
    throw new HelmIndexFetchError(`failed to fetch ${url} : ${why(err)}`, { cause: err });
  }
}

async function readCapped(res: Response, maxBytes: number, message: string): Promise<Uint8Array> {
  const body = await readBounded(res.body, res.headers.get("content-length"), maxBytes);
  if (body === "too large") throw new HelmIndexFetchError(message);
  return body;
}

/** Go's http.StatusText for the answers a repository gives, when the response has no reason phrase. */
function statusText(status: number): string {
  const known: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" };
  return known[status] ?? "";
}
