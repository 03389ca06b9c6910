/**
 * A minimal S3 client for the bucket source: ListObjectsV2 with continuation tokens and GET object, both
 * path-style (`<scheme>://<endpoint>/<bucket>/<key>`, as source-controller's minio client does for generic
 * endpoints), signed with SigV4 (aws4fetch's signer, `signS3Request`) when credentials are given and anonymous otherwise.
 *
 * I/O only through the `Fetch` parameter (agent/core/fetch.ts), so TLS settings come from the caller.
 * Redirects are not followed: S3 answers a wrong region or endpoint with 301/307, and re-sending a signed
 * request to another host would only fail later with a less helpful message.
 *
 * Errors are `S3RequestError`s whose message reads `Cannot <action>: <what happened> (HTTP <status> <code>)`.
 */
import { AwsV4Signer } from "aws4fetch";
import { concat } from "../../core/bytes.ts";
import type { Fetch } from "../../core/fetch.ts";
import { describeFetchFailure } from "../../core/fetch-failure.ts";
import { parseErrorBody, parseListPage, type ListedObject, type S3ErrorBody } from "./s3-xml.ts";

export const DEFAULTS = {
  /** Keys per ListObjectsV2 page; S3's own maximum. */
  pageSize: 1000,
  /** Listed objects (before ignore rules) at which listing stops with an error. */
  maxListedObjects: 200_000,
  /** Region used for signing when the spec leaves it empty (minio-go's default for S3-compatible services). */
  region: "us-east-1",
  /** Bytes of an error body read for its code and message. */
  maxErrorBody: 64 * 1024,
  /** Bytes of one ListObjectsV2 page (1,000 keys of S3's 1,024-byte maximum, escaped, fit well within). */
  maxListPageBytes: 8 * 1024 * 1024,
  /** Pages followed before a listing that never ends is given up (1,000 of 1,000 keys is 5x maxListedObjects). */
  maxListPages: 1000,
} as const;

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

export interface S3ClientOptions {
  /** host[:port], no scheme (Bucket `spec.endpoint`). */
  endpoint: string;
  /** Plain HTTP instead of HTTPS (Bucket `spec.insecure`). */
  insecure?: boolean;
  region?: string;
  bucket: string;
  /** Absent: anonymous (unsigned) requests. */
  credentials?: S3Credentials;
  fetch: Fetch;
}

export interface S3Client {
  /** `http(s)://endpoint`, for messages. */
  readonly baseUrl: string;
  /** Every object under the prefix, following continuation tokens. */
  listObjects(prefix: string, options?: { pageSize?: number; maxObjects?: number; signal?: AbortSignal }): Promise<ListedObject[]>;
  /** The object's bytes and unquoted-or-not ETag as sent; undefined when the key does not exist. */
  getObject(key: string, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<{ data: Uint8Array; etag: string } | undefined>;
}

/** A failed S3 request; `status` and `code` are absent when no response came back. */
export class S3RequestError extends Error {
  readonly status?: number;
  readonly code?: string;
  constructor(message: string, details: { status?: number; code?: string; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "S3RequestError";
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
  }
}

/** What SigV4 signed for one request; the steps are kept so tests can compare them with AWS's examples. */
export interface SignedS3Request {
  request: Request;
  /** The canonical request and string to sign (computed on demand: only tests need them). */
  steps(): Promise<{ canonicalRequest: string; stringToSign: string }>;
}

/**
 * Signs a request the way S3 checks it (SigV4, service `s3`: paths encoded once, `x-amz-content-sha256`
 * sent, `UNSIGNED-PAYLOAD` unless the caller set it). Every header the caller set is signed, Range
 * included, as AWS's own examples do. `datetime` (`YYYYMMDDTHHMMSSZ`) pins the clock for tests.
 */
export async function signS3Request(
  credentials: S3Credentials,
  region: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  datetime?: string,
): Promise<SignedS3Request> {
  const signer = new AwsV4Signer({
    method: init.method ?? "GET",
    url,
    ...(init.headers ? { headers: init.headers } : {}),
    accessKeyId: credentials.accessKey,
    secretAccessKey: credentials.secretKey,
    service: "s3",
    region,
    allHeaders: true,
    ...(datetime ? { datetime } : {}),
  });
  const signed = await signer.sign();
  const request = new Request(signed.url.toString(), { method: signed.method, headers: signed.headers, redirect: "manual", ...(init.signal ? { signal: init.signal } : {}) });
  return { request, steps: async () => ({ canonicalRequest: await signer.canonicalString(), stringToSign: await signer.stringToSign() }) };
}

/** RFC 3986 unreserved characters stay, everything else is percent-encoded (what SigV4 signs). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Validates `spec.endpoint` (host[:port]) and returns the base URL. */
export function endpointUrl(endpoint: string, insecure = false): string {
  if (!endpoint || /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) || /[/?#@\s]/.test(endpoint)) {
    throw new Error(
      `Cannot use the bucket endpoint "${endpoint}": expected host[:port] without scheme or path (set insecure: true for plain HTTP)`,
    );
  }
  const url = `${insecure ? "http" : "https"}://${endpoint}`;
  try {
    new URL(url);
  } catch (err) {
    throw new Error(`Cannot use the bucket endpoint "${endpoint}": not a valid host[:port]`, { cause: err });
  }
  return url;
}

function describeStatus(status: number, code: string): string {
  if (status === 403 || code === "AccessDenied" || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") {
    return "access denied";
  }
  if (code === "NoSuchBucket") return "bucket not found";
  if (status === 404) return "not found";
  if (status >= 300 && status < 400) return "the service redirects elsewhere (check spec.endpoint and spec.region)";
  if (code === "AuthorizationHeaderMalformed") return "the request was signed for the wrong region (check spec.region)";
  if (status >= 500) return "the service failed";
  return "unexpected response";
}

/**
 * The body, refused as soon as it is (or says it will be) over `maxBytes`; a read that fails or is cut by
 * the deadline is an S3RequestError in the same words as a failed request.
 */
async function readCapped(res: Response, maxBytes: number, what: string, signal?: AbortSignal, noun = "the object"): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new S3RequestError(`Cannot ${what}: ${noun} is ${declared} bytes, over the limit of ${maxBytes}`, { status: res.status });
  }
  try {
    // With a declared length, HTTP framing already bounds the body; one arrayBuffer() is cheaper than a
    // chunk loop (measured in bench/bucket.ts).
    if (Number.isFinite(declared)) return new Uint8Array(await res.arrayBuffer());
    if (!res.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new S3RequestError(`Cannot ${what}: ${noun} exceeds the limit of ${maxBytes} bytes`, { status: res.status });
      }
      chunks.push(value);
    }
    return concat(chunks);
  } catch (err) {
    if (err instanceof S3RequestError) throw err;
    throw new S3RequestError(`Cannot ${what}: ${describeFetchFailure(err, signal)}`, { status: res.status, cause: err });
  }
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const baseUrl = endpointUrl(options.endpoint, options.insecure);
  const region = options.region || DEFAULTS.region;
  const credentials = options.credentials;
  const bucketPath = `/${encodeSegment(options.bucket)}`;

  async function send(url: string, what: string, signal?: AbortSignal): Promise<Response> {
    try {
      const req = credentials
        ? (await signS3Request(credentials, region, url, signal ? { signal } : {})).request
        : new Request(url, { method: "GET", redirect: "manual", ...(signal ? { signal } : {}) });
      return await options.fetch(req);
    } catch (err) {
      if (signal?.aborted) throw new S3RequestError(`Cannot ${what}: ${describeFetchFailure(err, signal)}`, { cause: signal.reason });
      throw new S3RequestError(`Cannot ${what}: endpoint unreachable: ${describeFetchFailure(err)}`, { cause: err });
    }
  }

  async function failure(res: Response, what: string): Promise<S3RequestError> {
    let body: S3ErrorBody | undefined;
    try {
      body = parseErrorBody(new TextDecoder().decode(await readCapped(res, DEFAULTS.maxErrorBody, what)));
    } catch {
      body = undefined;
    }
    const code = body?.code || res.headers.get("x-amz-error-code") || "";
    const describe = describeStatus(res.status, code);
    // The service's own message adds nothing to "access denied"/"not found", but explains the rest.
    const extra = body?.message && !/^(access denied|bucket not found|not found)$/.test(describe) ? `: ${body.message}` : "";
    return new S3RequestError(`Cannot ${what}: ${describe} (HTTP ${res.status}${code ? ` ${code}` : ""})${extra}`, {
      status: res.status,
      ...(code ? { code } : {}),
    });
  }

  return {
    baseUrl,

    async listObjects(prefix, opts = {}) {
      const what = `list bucket "${options.bucket}" at ${baseUrl}`;
      const pageSize = opts.pageSize ?? DEFAULTS.pageSize;
      const maxObjects = opts.maxObjects ?? DEFAULTS.maxListedObjects;
      const out: ListedObject[] = [];
      const seenTokens = new Set<string>();
      let token: string | undefined;
      for (let pages = 1; ; pages++) {
        const q = new URLSearchParams({ "list-type": "2", "encoding-type": "url", "max-keys": String(pageSize) });
        if (prefix) q.set("prefix", prefix);
        if (token) q.set("continuation-token", token);
        const res = await send(`${baseUrl}${bucketPath}?${q.toString().replace(/\+/g, "%20")}`, what, opts.signal);
        if (res.status !== 200) throw await failure(res, what);
        const page = parseListPage(new TextDecoder().decode(await readCapped(res, DEFAULTS.maxListPageBytes, what, opts.signal, "a page of the listing")));
        out.push(...page.objects);
        if (out.length > maxObjects) {
          throw new S3RequestError(`Cannot ${what}: more than ${maxObjects} objects under the prefix "${prefix}"`, {});
        }
        if (!page.isTruncated) return out;
        if (!page.nextContinuationToken || seenTokens.has(page.nextContinuationToken)) {
          throw new S3RequestError(`Cannot ${what}: the service reported more objects without a new continuation token`, {});
        }
        if (pages >= DEFAULTS.maxListPages) {
          throw new S3RequestError(`Cannot ${what}: the listing did not end after ${pages} pages`, {});
        }
        seenTokens.add(page.nextContinuationToken);
        token = page.nextContinuationToken;
      }
    },

    async getObject(key, opts = {}) {
      const what = `get object "${key}" from bucket "${options.bucket}" at ${baseUrl}`;
      const path = key.split("/").map(encodeSegment).join("/");
      const res = await send(`${baseUrl}${bucketPath}/${path}`, what, opts.signal);
      if (res.status === 200) {
        const data = await readCapped(res, opts.maxBytes ?? Number.MAX_SAFE_INTEGER, what, opts.signal);
        return { data, etag: res.headers.get("etag") ?? "" };
      }
      const err = await failure(res, what);
      // A 404 without an error code is a missing key too (minio-go reads it the same way).
      if (err.code === "NoSuchKey" || (res.status === 404 && err.code === undefined)) return undefined;
      throw err;
    },
  };
}
