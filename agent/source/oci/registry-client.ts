/**
 * A small OCI distribution client on a `Fetch` parameter: manifests (GET/HEAD/PUT), tags (paginated),
 * blobs (streamed and checked against their digest and size while they arrive; chunked upload), and
 * referrers (the OCI 1.1 API, falling back to the `sha256-<hex>` referrers tag that registries without the
 * API, such as distribution 2.8, use). Auth follows the `WWW-Authenticate` challenge: basic, or a bearer
 * token from the realm (anonymous, basic, or an identity token as OAuth2 refresh token). Redirects are
 * followed by hand so credentials never travel to another origin (blob storage redirects).
 * Limits: one repository per client; no cross-repository blob mounts.
 */
import { readBounded } from "../../core/bounded-read.ts";
import type { Fetch } from "../../core/fetch.ts";
import { wasmSha256, type Sha256Factory } from "../../artifact/digest.ts";
import { MANIFEST_ACCEPT } from "./media-types.ts";
import { basicAuthorization, parseChallenges, type RegistryCredentials } from "./registry-auth.ts";
import { concat } from "../../core/bytes.ts";
import { describeFetchFailure } from "../../core/fetch-failure.ts";
import { DigestMismatchError, referrersTag, RegistryError, type Descriptor, type FetchedManifest, type ImageIndex, type ImageManifest, type Progress } from "./registry-types.ts";

export const DEFAULTS = {
  /** Manifests and indexes larger than this are refused (distribution itself caps them at 4 MiB). */
  maxManifestSize: 4 * 1024 * 1024,
  /** Blobs larger than this are refused unless the caller passes its own cap. */
  maxBlobSize: 512 * 1024 * 1024,
  /** Upload chunk size: progress is reported per chunk. */
  uploadChunkSize: 4 * 1024 * 1024,
  maxRedirects: 5,
  tagPageSize: 1000,
  maxTagPages: 100,
} as const;

export { DigestMismatchError, RegistryError, type Descriptor, type FetchedManifest, type ImageIndex, type ImageManifest, type Progress } from "./registry-types.ts";

export interface RegistryClientOptions {
  host: string;
  repository: string;
  fetch: Fetch;
  /** Plain HTTP (Flux's `insecure`). */
  insecure?: boolean;
  credentials?: RegistryCredentials;
  sha256?: Sha256Factory;
  signal?: AbortSignal;
}

export class RegistryClient {
  readonly host: string;
  readonly repository: string;
  private readonly base: string;
  private readonly fetch: Fetch;
  private readonly credentials?: RegistryCredentials;
  private readonly sha256: Sha256Factory;
  private readonly signal?: AbortSignal;
  /** Authorization header per scope ("pull" or "pull,push"), learned from the last challenge. */
  private readonly auth = new Map<string, string>();

  constructor(o: RegistryClientOptions) {
    this.host = o.host;
    this.repository = o.repository;
    this.base = `${o.insecure ? "http" : "https"}://${o.host}/v2/${o.repository}`;
    this.fetch = o.fetch;
    this.credentials = o.credentials;
    this.sha256 = o.sha256 ?? wasmSha256;
    this.signal = o.signal;
  }

  /** The manifest or index for a tag or digest; undefined when the registry says it does not exist. */
  async getManifest(reference: string): Promise<FetchedManifest | undefined> {
    const res = await this.request("GET", `/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status === 404) return void (await res.body?.cancel());
    await expectOk(res, `get the manifest ${this.name(reference)}`);
    const bytes = await readCapped(res, DEFAULTS.maxManifestSize, `the manifest ${this.name(reference)}`, this.signal);
    const digest = await this.digestOf(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new DigestMismatchError(`Cannot trust the manifest ${this.name(reference)}: its content hashes to ${digest}`);
    }
    let json: ImageManifest | ImageIndex;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new Error(`Cannot parse the manifest ${this.name(reference)}: it is not JSON`, { cause: err });
    }
    const mediaType = json.mediaType ?? (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    return { digest, mediaType, bytes, json };
  }

  /** The digest a tag points at, without downloading the manifest (when the registry sends it). */
  async headManifest(reference: string): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
    const res = await this.request("HEAD", `/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status === 404) return undefined;
    await expectOk(res, `check the manifest ${this.name(reference)}`);
    const digest = res.headers.get("docker-content-digest");
    if (!digest) {
      const m = await this.getManifest(reference);
      return m && { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    return {
      digest,
      mediaType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(),
      size: Number(res.headers.get("content-length") ?? 0),
    };
  }

  async putManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const res = await this.request(
      "PUT",
      `/manifests/${reference}`,
      { headers: { "content-type": mediaType }, body: bytes as Uint8Array<ArrayBuffer> },
      "pull,push",
    );
    await expectOk(res, `push the manifest ${this.name(reference)}`);
    await res.body?.cancel();
    return this.digestOf(bytes);
  }

  /** Every tag of the repository, following `Link: <...>; rel="next"` pages. */
  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    for await (const page of this.tagPages()) tags.push(...page);
    return tags;
  }

  /**
   * The tags page by page (`?n=` asks for DEFAULTS.tagPageSize, the registry may send fewer or more), so
   * a caller that filters can hold one page at a time. A repository the registry does not know has none.
   */
  async *tagPages(): AsyncGenerator<string[]> {
    let path = `/tags/list?n=${DEFAULTS.tagPageSize}`;
    for (let page = 0; page < DEFAULTS.maxTagPages; page++) {
      const res = await this.request("GET", path);
      if (res.status === 404) {
        await res.body?.cancel();
        return;
      }
      await expectOk(res, `list the tags of ${this.name()}`);
      const body = JSON.parse(new TextDecoder().decode(await readCapped(res, DEFAULTS.maxManifestSize, `the tag list of ${this.name()}`, this.signal)));
      const tags: unknown = body?.tags ?? [];
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) {
        throw new RegistryError(`Cannot list the tags of ${this.name()}: the registry's answer has no list of tags`, res.status);
      }
      yield tags;
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get("link") ?? "");
      if (!next) return;
      const url = new URL(next[1]!, this.base);
      path = url.pathname.replace(/^\/v2\/.+?\/tags\/list/, "/tags/list") + url.search;
    }
    throw new Error(`Cannot list the tags of ${this.name()}: more than ${DEFAULTS.maxTagPages} pages`);
  }

  /** The blob's bytes, hashed and counted while they stream in; a wrong digest or size is an error. */
  async getBlob(desc: Pick<Descriptor, "digest" | "size">, o: { maxSize?: number; onProgress?: Progress } = {}): Promise<Uint8Array> {
    const max = o.maxSize ?? DEFAULTS.maxBlobSize;
    if (desc.size > max) throw new Error(`Cannot pull the blob ${desc.digest}: its size ${desc.size} is over the limit of ${max} bytes`);
    const res = await this.request("GET", `/blobs/${desc.digest}`);
    await expectOk(res, `pull the blob ${desc.digest}`);
    const hash = await this.sha256();
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body!.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        total += r.value.length;
        if (total > desc.size) {
          await reader.cancel();
          throw new DigestMismatchError(`Cannot trust the blob ${desc.digest}: the registry sent more than the ${desc.size} bytes its descriptor names`);
        }
        hash.update(r.value);
        chunks.push(r.value);
        o.onProgress?.(total, desc.size);
      }
    } catch (err) {
      if (err instanceof DigestMismatchError) throw err;
      throw new RegistryError(`Cannot pull the blob ${desc.digest}: ${describeFetchFailure(err, this.signal)} after ${total} of ${desc.size} bytes`, 0, undefined, { cause: err });
    }
    if (total !== desc.size) {
      throw new DigestMismatchError(`Cannot trust the blob ${desc.digest}: the registry sent ${total} of ${desc.size} bytes`);
    }
    const actual = `sha256:${hash.hex()}`;
    if (actual !== desc.digest) throw new DigestMismatchError(`Cannot trust the blob ${desc.digest}: its content hashes to ${actual}`);
    return concat(chunks);
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/blobs/${digest}`, {}, "pull,push");
    if (res.status === 404) return false;
    await expectOk(res, `check the blob ${digest}`);
    return true;
  }

  /** Uploads a blob unless the registry has it; returns its descriptor fields. */
  async pushBlob(bytes: Uint8Array, o: { onProgress?: Progress } = {}): Promise<{ digest: string; size: number }> {
    const digest = await this.digestOf(bytes);
    const size = bytes.length;
    if (await this.hasBlob(digest)) {
      o.onProgress?.(size, size);
      return { digest, size };
    }
    const start = await this.request("POST", `/blobs/uploads/`, {}, "pull,push");
    await expectOk(start, `start the upload of ${digest} to ${this.name()}`);
    await start.body?.cancel();
    let location = this.uploadLocation(start);
    const chunk = DEFAULTS.uploadChunkSize;
    let sent = 0;
    while (size - sent > chunk) {
      const part = bytes.subarray(sent, sent + chunk);
      const res = await this.requestUrl("PATCH", location, {
        headers: { "content-type": "application/octet-stream", "content-range": `${sent}-${sent + part.length - 1}` },
        body: part as Uint8Array<ArrayBuffer>,
      }, "pull,push");
      await expectOk(res, `upload ${digest} to ${this.name()}`);
      await res.body?.cancel();
      location = this.uploadLocation(res);
      sent += part.length;
      o.onProgress?.(sent, size);
    }
    const url = new URL(location);
    url.searchParams.set("digest", digest);
    const done = await this.requestUrl("PUT", url.toString(), {
      headers: { "content-type": "application/octet-stream" },
      body: bytes.subarray(sent) as Uint8Array<ArrayBuffer>,
    }, "pull,push");
    await expectOk(done, `finish the upload of ${digest} to ${this.name()}`);
    await done.body?.cancel();
    o.onProgress?.(size, size);
    return { digest, size };
  }

  /**
   * Manifests that name `digest` as their subject: the referrers API when the registry has it, else the
   * `sha256-<hex>` tag holding an index (the OCI 1.1 fallback). Empty when neither exists.
   */
  async referrers(digest: string): Promise<Descriptor[]> {
    const res = await this.request("GET", `/referrers/${digest}`, { headers: { accept: "application/vnd.oci.image.index.v1+json" } });
    const type = res.headers.get("content-type") ?? "";
    if (res.status === 200 && type.startsWith("application/vnd.oci.image.index.v1+json")) {
      const index = JSON.parse(new TextDecoder().decode(await readCapped(res, DEFAULTS.maxManifestSize, "the referrers index", this.signal)));
      return (index.manifests as Descriptor[]) ?? [];
    }
    await res.body?.cancel();
    const tagged = await this.getManifest(referrersTag(digest));
    if (!tagged || !("manifests" in tagged.json)) return [];
    return tagged.json.manifests ?? [];
  }

  private name(reference?: string): string {
    const ref = reference === undefined ? "" : reference.startsWith("sha256:") ? `@${reference}` : `:${reference}`;
    return `${this.host}/${this.repository}${ref}`;
  }

  private async digestOf(bytes: Uint8Array): Promise<string> {
    const h = await this.sha256();
    h.update(bytes);
    return `sha256:${h.hex()}`;
  }

  private uploadLocation(res: Response): string {
    const loc = res.headers.get("location");
    if (!loc) throw new RegistryError(`Cannot upload to ${this.name()}: the registry sent no upload location`, res.status);
    return new URL(loc, this.base).toString();
  }

  private request(method: string, path: string, init: RequestInit = {}, scope = "pull"): Promise<Response> {
    return this.requestUrl(method, this.base + path, init, scope);
  }

  /** One request with the auth dance: on 401, answer the challenge once and retry. */
  private async requestUrl(method: string, url: string, init: RequestInit, scope: string): Promise<Response> {
    const known = this.auth.get(scope);
    let res = await this.send(method, url, init, known);
    if (res.status !== 401) return res;
    const challenge = res.headers.get("www-authenticate") ?? "";
    await res.body?.cancel();
    const header = await this.answer(challenge, scope);
    if (!header) throw new RegistryError(`Cannot authenticate to ${this.host}: the registry asks for credentials and none were given`, 401, "UNAUTHORIZED");
    this.auth.set(scope, header);
    res = await this.send(method, url, init, header);
    if (res.status === 401) {
      await res.body?.cancel();
      throw new RegistryError(`Cannot authenticate to ${this.host}: the registry refused the credentials`, 401, "UNAUTHORIZED");
    }
    return res;
  }

  private async send(method: string, url: string, init: RequestInit, authorization?: string): Promise<Response> {
    let target = url;
    const origin = new URL(url).origin;
    for (let hop = 0; hop <= DEFAULTS.maxRedirects; hop++) {
      const headers = new Headers(init.headers);
      if (authorization && new URL(target).origin === origin) headers.set("authorization", authorization);
      let res: Response;
      try {
        res = await this.fetch(target, { ...init, method, headers, redirect: "manual", signal: this.signal });
      } catch (err) {
        throw new RegistryError(`Cannot reach the registry ${this.host}: ${describeFetchFailure(err, this.signal)}`, 0, undefined, { cause: err });
      }
      const loc = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && res.status !== 304 && loc && method !== "POST" && method !== "PATCH" && method !== "PUT") {
        await res.body?.cancel();
        target = new URL(loc, target).toString();
        continue;
      }
      return res;
    }
    throw new RegistryError(`Cannot reach ${url}: more than ${DEFAULTS.maxRedirects} redirects`, 0);
  }

  private async answer(header: string, scope: string): Promise<string | undefined> {
    const challenges = parseChallenges(header);
    const c = this.credentials;
    const bearer = challenges.find((x) => x.scheme === "bearer");
    if (bearer) {
      if (c && "bearerToken" in c) return `Bearer ${c.bearerToken}`;
      return `Bearer ${await this.token(bearer.params, scope)}`;
    }
    if (challenges.some((x) => x.scheme === "basic") && c && "username" in c) return basicAuthorization(c.username, c.password);
    return undefined;
  }

  /** Fetches a registry token from the challenge's realm (docker token spec, or OAuth2 for identity tokens). */
  private async token(params: Record<string, string>, scope: string): Promise<string> {
    const realm = params.realm;
    if (!realm) throw new RegistryError(`Cannot authenticate to ${this.host}: the bearer challenge names no realm`, 401);
    const wantedScope = `repository:${this.repository}:${scope}`;
    const c = this.credentials;
    let res: Response;
    if (c && "identityToken" in c) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: c.identityToken, client_id: "rivulet", scope: wantedScope });
      if (params.service) form.set("service", params.service);
      res = await this.fetch(realm, { method: "POST", body: form, signal: this.signal });
    } else {
      const url = new URL(realm);
      if (params.service) url.searchParams.set("service", params.service);
      url.searchParams.set("scope", wantedScope);
      const headers: Record<string, string> = {};
      if (c && "username" in c) headers.authorization = basicAuthorization(c.username, c.password);
      res = await this.fetch(url.toString(), { headers, signal: this.signal });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`Cannot get a token from ${realm}: HTTP ${res.status}`, res.status, "UNAUTHORIZED");
    }
    const body = JSON.parse(new TextDecoder().decode(await readCapped(res, 1024 * 1024, "the token response", this.signal)));
    const token = body.token ?? body.access_token;
    if (typeof token !== "string") throw new RegistryError(`Cannot get a token from ${realm}: the response has no token`, res.status);
    return token;
  }
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  let code: string | undefined;
  let detail = "";
  try {
    const body = JSON.parse(await res.text());
    const first = body.errors?.[0];
    code = first?.code;
    if (first) detail = `: ${first.code}${first.message ? ` ${first.message}` : ""}`;
  } catch {
    // not a distribution error body
  }
  throw new RegistryError(`Cannot ${what}: HTTP ${res.status}${detail}`, res.status, code);
}

/**
 * The body, refused as soon as it is (or says it will be) over `max`, so a hostile registry's 1 GB
 * manifest costs at most `max` bytes; a read cut by the deadline says it timed out.
 */
async function readCapped(res: Response, max: number, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  let body: Uint8Array | "too large";
  try {
    body = await readBounded(res.body, res.headers.get("content-length"), max);
  } catch (err) {
    throw new RegistryError(`Cannot read ${what}: ${describeFetchFailure(err, signal)}`, 0, undefined, { cause: err });
  }
  if (body === "too large") throw new Error(`Cannot read ${what}: it is larger than ${max} bytes`);
  return body;
}
