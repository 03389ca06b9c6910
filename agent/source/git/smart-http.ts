/**
 * What git's two smart-HTTP services share (gitprotocol-http): the repository URL without credentials and
 * the auth header (basic from `auth` or the URL's userinfo, or bearer), one request with errors sorted
 * into GitError problems, a size-capped body read, and the v0 ref advertisement (refs with the
 * capabilities after a NUL on the first line) that receive-pack always sends and upload-pack sends to a
 * v0 client. `action` words the messages: "fetch" for upload-pack, "push to" for receive-pack.
 * TLS (a CA bundle, client certificates) is bound into `fetch` by agent/runtime/http-fetch.ts.
 */
import type { Fetch } from "../../core/fetch.ts";
import { readBounded } from "../../core/bounded-read.ts";
import { describeFetchFailure, timedOut, tlsFailure } from "../../core/fetch-failure.ts";
import { displayUrl, GitError } from "./git-error.ts";
import { pktText, type Pkt } from "./pkt-line.ts";

export const DEFAULTS = {
  agent: "rivulet/0.1",
} as const;

export interface GitAuth {
  username?: string;
  password?: string;
  bearerToken?: string;
}

export interface RemoteRef {
  name: string;
  id: string;
  /** For annotated tags: the object the tag points at (the commit). */
  peeled?: string;
}

export type GitAction = "fetch" | "push to";

export interface HttpOptions {
  url: string;
  fetch: Fetch;
  auth?: GitAuth;
  signal?: AbortSignal;
  /** The deadline behind `signal`, only for the error message. */
  timeoutMs?: number;
}

/** The repository base URL without credentials, and the auth header (URL userinfo is used if no auth). */
export function prepare(options: HttpOptions, action: GitAction): { base: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(options.url);
  } catch {
    throw new GitError("unsupported", `Cannot ${action} ${options.url}: not a valid URL`);
  }
  if (u.protocol === "ssh:") throw new GitError("unsupported", `Cannot ${action} ${displayUrl(options.url)}: SSH is not supported, use an HTTPS URL`);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new GitError("unsupported", `Cannot ${action} ${displayUrl(options.url)}: unsupported scheme "${u.protocol}"`);
  }
  const auth = { ...options.auth };
  if (!auth.username && !auth.bearerToken && u.username) {
    auth.username = decodeURIComponent(u.username);
    auth.password = decodeURIComponent(u.password);
  }
  u.username = "";
  u.password = "";
  const headers: Record<string, string> = { "User-Agent": `git/2.0 (${DEFAULTS.agent})` };
  if (auth.bearerToken) headers.Authorization = `Bearer ${auth.bearerToken}`;
  else if (auth.username || auth.password) headers.Authorization = `Basic ${base64(`${auth.username ?? ""}:${auth.password ?? ""}`)}`;
  return { base: u.toString().replace(/\/+$/, ""), headers };
}

export async function request(options: HttpOptions, action: GitAction, shown: string, url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    // A redirect to another origin is followed without the Authorization header (fetch drops it there).
    res = await options.fetch(url, { ...init, signal: options.signal, redirect: "follow" });
  } catch (err) {
    const why = describeFetchFailure(err, options.signal, options.timeoutMs);
    if (timedOut(options.signal)) throw new GitError("timeout", `Cannot ${action} ${shown}: ${why}`, { cause: err });
    if (options.signal?.aborted || tlsFailure(err)) throw new GitError("unreachable", `Cannot ${action} ${shown}: ${why}`, { cause: err });
    throw new GitError("unreachable", `Cannot ${action} ${shown}: the server is unreachable (${why})`, { cause: err });
  }
  if (res.ok) return res;
  await res.body?.cancel().catch(() => {});
  const s = res.status;
  if (s === 401) throw new GitError("auth", `Cannot ${action} ${shown}: authentication failed (HTTP 401)`);
  if (s === 403) throw new GitError("auth", `Cannot ${action} ${shown}: access denied (HTTP 403)`);
  if (s === 404) throw new GitError("not-found", `Cannot ${action} ${shown}: repository not found (HTTP 404)`);
  throw new GitError("protocol", `Cannot ${action} ${shown}: unexpected HTTP ${s} ${res.statusText}`.trimEnd());
}

/** The whole body, refused as soon as it is (or says it will be) over `max`: never more than max is held. */
export async function readBody(res: Response, max: number, action: GitAction, shown: string, options: Pick<HttpOptions, "signal" | "timeoutMs"> = {}): Promise<Uint8Array> {
  let body: Uint8Array | "too large";
  try {
    body = await readBounded(res.body, res.headers.get("content-length"), max);
  } catch (err) {
    throw readFailure(err, action, shown, options);
  }
  if (body === "too large") throw tooLarge(action, shown, max);
  return body;
}

/**
 * The body chunk by chunk into `take`, which parses each as it comes (a packfile), so the body is never
 * held whole; refused as readBody refuses (a declared or a grown size over `max`). `take` returning
 * "done" ends the read; `take` throwing cancels the download and the error propagates.
 */
export async function streamBody(
  res: Response,
  max: number,
  action: GitAction,
  shown: string,
  options: Pick<HttpOptions, "signal" | "timeoutMs">,
  take: (chunk: Uint8Array) => "done" | undefined,
): Promise<void> {
  if (Number(res.headers.get("content-length") ?? "NaN") > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(action, shown, max);
  }
  if (!res.body) return;
  const reader = res.body.getReader();
  let total = 0;
  let ended = false;
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (err) {
        throw readFailure(err, action, shown, options);
      }
      if ((ended = r.done)) return;
      total += r.value.byteLength;
      if (total > max) throw tooLarge(action, shown, max);
      if (take(r.value) === "done") return;
    }
  } finally {
    // Stop the download, without waiting for the connection to wind down.
    if (!ended) void reader.cancel().catch(() => {});
  }
}

function tooLarge(action: GitAction, shown: string, max: number): GitError {
  return new GitError("protocol", `Cannot ${action} ${shown}: the response exceeds ${max} bytes`);
}

function readFailure(err: unknown, action: GitAction, shown: string, options: Pick<HttpOptions, "signal" | "timeoutMs">): GitError {
  const why = describeFetchFailure(err, options.signal, options.timeoutMs);
  if (timedOut(options.signal)) return new GitError("timeout", `Cannot ${action} ${shown}: ${why} while reading the response`, { cause: err });
  return new GitError("unreachable", `Cannot ${action} ${shown}: the connection failed while reading (${why})`, { cause: err });
}

/** Drops the "# service=..." line and its flush that v0 advertisements (and some v2 ones) start with. */
export function skipServiceLine(pkts: Pkt[]): Pkt[] {
  if (pkts[0]?.type === "data" && pktText(pkts[0].data).startsWith("# service=")) return pkts.slice(pkts[1]?.type === "flush" ? 2 : 1);
  return pkts;
}

export function parseV0Advertisement(pkts: Pkt[], shown: string): { refs: RemoteRef[]; capabilities: Map<string, string> } {
  const refs: RemoteRef[] = [];
  const capabilities = new Map<string, string>();
  const byName = new Map<string, RemoteRef>();
  for (const p of pkts) {
    if (p.type !== "data") break;
    let line = pktText(p.data);
    const nul = line.indexOf("\0");
    if (nul >= 0) {
      for (const c of line.slice(nul + 1).split(" ")) {
        const eq = c.indexOf("=");
        if (c) capabilities.set(eq < 0 ? c : c.slice(0, eq), eq < 0 ? "" : c.slice(eq + 1));
      }
      line = line.slice(0, nul);
    }
    const [id, name] = line.split(" ");
    if (!id || !name) throw new GitError("protocol", `Cannot list the refs of ${shown}: malformed advertisement line "${line}"`);
    if (name === "capabilities^{}") continue; // an empty repository
    if (name.endsWith("^{}")) {
      const tag = byName.get(name.slice(0, -3));
      if (tag) tag.peeled = id;
      continue;
    }
    const ref = { name, id };
    refs.push(ref);
    byName.set(name, ref);
  }
  return { refs, capabilities };
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
