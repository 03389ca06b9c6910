/**
 * A real S3 HTTP API for tests: `s3rver` (npm) in-process on 127.0.0.1 with a temp directory (it runs
 * under Bun and Deno as well as Node). s3rver itself checks only the access key id of SigV4 requests, not
 * the signature, so a small middleware in front of its routes verifies SigV4 header signatures from the
 * AWS specification (canonical request, string to sign, HMAC chain) against one key pair and one region,
 * and answers like S3: 403 InvalidAccessKeyId / SignatureDoesNotMatch / AccessDenied (anonymous, unless
 * `allowAnonymous`), 400 AuthorizationHeaderMalformed (wrong region). The payload hash is not checked
 * (clients send UNSIGNED-PAYLOAD). Fixtures are created through the same signed API.
 *
 * s3rver's ListObjectsV2 cannot page here: its continuation tokens are DES-encrypted and single DES is gone
 * from Node 20 (OpenSSL 3), Bun and Deno ("Unknown cipher", a 500 on any truncated listing). So the
 * middleware answers `GET /<bucket>?list-type=2` itself from s3rver's store, sorted (s3rver lists in
 * readdir order), with base64url continuation tokens, and honours `encoding-type=url` as S3 does.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { AwsClient } from "aws4fetch";

/** The part of s3rver's (untyped, CommonJS) API used here; it is a Koa app. */
interface S3rverApp {
  middleware: unknown[];
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

export interface TestS3 {
  /** `127.0.0.1:PORT` (Bucket spec.endpoint, with insecure: true). */
  endpoint: string;
  url: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Requests that reached the server, e.g. `GET /bucket/key` (query strings dropped). */
  requests: string[];
  createBucket(name: string): Promise<void>;
  /** Returns the ETag header as sent (quoted MD5). */
  putObject(bucket: string, key: string, body: string | Uint8Array): Promise<string>;
  deleteObject(bucket: string, key: string): Promise<void>;
  stop(): Promise<void>;
}

export interface TestS3Options {
  accessKey?: string;
  secretKey?: string;
  region?: string;
  allowAnonymous?: boolean;
}

interface StoredObject {
  key: string;
  size: number;
  metadata: Record<string, string>;
  lastModifiedDate: Date;
}
interface S3rverStore {
  getBucket(name: string): Promise<unknown>;
  listObjects(bucket: string, options: { prefix?: string }): Promise<{ objects: StoredObject[]; isTruncated: boolean }>;
}

interface KoaCtx {
  store: S3rverStore;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s, "utf8").digest();

function s3Error(ctx: KoaCtx, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = "application/xml";
  ctx.set("x-amz-error-code", code);
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/** ListObjectsV2 over s3rver's store (see the module comment for why). */
async function listObjectsV2(ctx: KoaCtx, bucket: string, query: URLSearchParams): Promise<void> {
  if (!(await ctx.store.getBucket(bucket))) return s3Error(ctx, 404, "NoSuchBucket", "The specified bucket does not exist");
  const maxKeys = Math.min(1000, Number(query.get("max-keys") ?? "1000"));
  const token = query.get("continuation-token");
  const startAfter = token ? Buffer.from(token, "base64url").toString("utf8") : (query.get("start-after") ?? "");
  const prefix = query.get("prefix") ?? "";
  // s3rver walks the directory in readdir order, so its own startAfter/maxKeys paging skips keys; S3 lists
  // in UTF-8 byte order, which Buffer.compare gives.
  const all = (await ctx.store.listObjects(bucket, { prefix })).objects
    .filter((o) => Buffer.compare(Buffer.from(o.key), Buffer.from(startAfter)) > 0)
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const result = { objects: all.slice(0, maxKeys), isTruncated: all.length > maxKeys };
  const urlEncoded = query.get("encoding-type") === "url";
  const name = (k: string) => xmlEscape(urlEncoded ? encodeURIComponent(k).replace(/%2F/g, "/").replace(/%20/g, "+") : k);
  const last = result.objects[result.objects.length - 1];
  const contents = result.objects
    .map((o) => `<Contents><Key>${name(o.key)}</Key><LastModified>${o.lastModifiedDate.toISOString()}</LastModified><ETag>${xmlEscape(o.metadata["etag"] ?? "")}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join("");
  ctx.status = 200;
  ctx.type = "application/xml";
  ctx.body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${xmlEscape(bucket)}</Name><Prefix>${name(prefix)}</Prefix><KeyCount>${result.objects.length}</KeyCount>` +
    `<MaxKeys>${maxKeys}</MaxKeys>${urlEncoded ? "<EncodingType>url</EncodingType>" : ""}<IsTruncated>${result.isTruncated}</IsTruncated>` +
    (token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : "") +
    (result.isTruncated && last ? `<NextContinuationToken>${Buffer.from(last.key, "utf8").toString("base64url")}</NextContinuationToken>` : "") +
    `${contents}</ListBucketResult>`;
}

/** Checks an `Authorization: AWS4-HMAC-SHA256 ...` header; returns an error [status, code, message] or undefined. */
export function verifySigV4(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
  keys: { accessKey: string; secretKey: string; region: string },
  now = new Date(),
): [number, string, string] | undefined {
  const auth = String(req.headers["authorization"] ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]*)\/(\d{8})\/([^/]*)\/([^/]*)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [400, "AuthorizationHeaderMalformed", "The authorization header is malformed."];
  const [accessKey, date, region, service, signedHeaders, signature] = m.slice(1) as [string, string, string, string, string, string];
  if (accessKey !== keys.accessKey) return [403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."];
  if (region !== keys.region) {
    return [400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${region}' is wrong; expecting '${keys.region}'`];
  }
  if (service !== "s3") return [400, "AuthorizationHeaderMalformed", "The authorization header is malformed; wrong service."];
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when || amzDate.slice(0, 8) !== date) return [403, "AccessDenied", "AWS authentication requires a valid x-amz-date header"];
  const t = Date.UTC(+when[1]!, +when[2]! - 1, +when[3]!, +when[4]!, +when[5]!, +when[6]!);
  if (Math.abs(now.getTime() - t) > 15 * 60_000) return [403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."];

  const [rawPath = "/", rawQuery = ""] = req.url.split("?", 2) as [string, string?];
  const path = rawPath.split("/").map((seg) => rfc3986(decodeURIComponent(seg))).join("/");
  const query = rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const [k = "", v = ""] = pair.split("=", 2) as [string, string?];
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const names = signedHeaders.split(";");
  if (!names.includes("host")) return [403, "AccessDenied", "The host header must be signed."];
  const canonicalHeaders = names
    .map((n) => {
      const v = req.headers[n];
      return `${n}:${(Array.isArray(v) ? v.join(",") : String(v ?? "")).trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const payload = String(req.headers["x-amz-content-sha256"] ?? "UNSIGNED-PAYLOAD");
  const canonical = [req.method.toUpperCase(), path, query, canonicalHeaders, signedHeaders, payload].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${keys.secretKey}`, date), region), "s3"), "aws4_request");
  const expected = hmac(key, toSign);
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return [403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."];
  }
  return undefined;
}

export async function startS3Server(options: TestS3Options = {}): Promise<TestS3> {
  const accessKey = options.accessKey ?? "rivulet-access";
  const secretKey = options.secretKey ?? "rivulet-secret-key-0123456789";
  const region = options.region ?? "us-east-1";
  const dir = mkdtempSync(join(tmpdir(), "rivulet-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
  const requests: string[] = [];
  const verify = async (ctx: KoaCtx, next: () => Promise<void>) => {
    requests.push(`${ctx.method} ${ctx.url.split("?")[0]}`);
    if (ctx.headers["authorization"] === undefined) {
      if (!options.allowAnonymous) return s3Error(ctx, 403, "AccessDenied", "Access Denied");
    } else {
      const failure = verifySigV4(ctx, { accessKey, secretKey, region });
      if (failure) return s3Error(ctx, ...failure);
      // Verified here; s3rver's own check would only know its built-in key.
      delete ctx.headers["authorization"];
    }
    const [path = "", rawQuery = ""] = ctx.url.split("?", 2) as [string, string?];
    const query = new URLSearchParams(rawQuery);
    const segments = path.split("/").filter(Boolean);
    if (ctx.method === "GET" && segments.length === 1 && query.get("list-type") === "2") {
      return listObjectsV2(ctx, decodeURIComponent(segments[0]!), query);
    }
    return next();
  };
  server.middleware.unshift(verify);
  const address = await server.run();
  const endpoint = `127.0.0.1:${address.port}`;
  const url = `http://${endpoint}`;
  const admin = new AwsClient({ accessKeyId: accessKey, secretAccessKey: secretKey, service: "s3", region, retries: 0 });
  const objectUrl = (bucket: string, key: string) => `${url}/${bucket}/${key.split("/").map(rfc3986).join("/")}`;
  const check = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`Cannot ${what} on the test S3 server: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    endpoint,
    url,
    accessKey,
    secretKey,
    region,
    requests,
    async createBucket(name) {
      await check(await fetch(await admin.sign(`${url}/${name}`, { method: "PUT" })), `create bucket ${name}`);
    },
    async putObject(bucket, key, body) {
      const res = await check(await fetch(await admin.sign(objectUrl(bucket, key), { method: "PUT", body })), `put ${bucket}/${key}`);
      return res.headers.get("etag") ?? "";
    },
    async deleteObject(bucket, key) {
      await check(await fetch(await admin.sign(objectUrl(bucket, key), { method: "DELETE" })), `delete ${bucket}/${key}`);
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
