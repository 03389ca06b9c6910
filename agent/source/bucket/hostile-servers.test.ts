/**
 * The bucket source against S3 endpoints that answer ListObjectsV2 and GET and then misbehave
 * (test/support/hostile-server.ts): each ends within the Bucket's timeout with a message naming the
 * bucket, holding no more than a page or an object's cap, and never sends a signed request elsewhere.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createS3Client, DEFAULTS, S3RequestError } from "./s3-client.ts";
import { fetchBucketArtifact } from "./fetch-bucket-artifact.ts";
import { dripBody, endlessBody, startHostileServer, startSelfSignedServer, type HostileServer } from "../../../test/support/hostile-server.ts";

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function start(app: Hono): Promise<HostileServer> {
  const s = await startHostileServer(app);
  servers.push(s);
  return s;
}
const credentials = { accessKey: "AKIDEXAMPLE", secretKey: "s3cret-key" };
const XML = { "content-type": "application/xml" };

function listPage(keys: string[], next?: string): string {
  const contents = keys.map((k) => `<Contents><Key>${k}</Key><ETag>"e"</ETag><Size>1</Size></Contents>`).join("");
  const more = next ? `<IsTruncated>true</IsTruncated><NextContinuationToken>${next}</NextContinuationToken>` : "<IsTruncated>false</IsTruncated>";
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name>${more}${contents}</ListBucketResult>`;
}

async function failure(p: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const t0 = performance.now();
  const err = await p.then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(Error);
  return { err: err as Error, ms: performance.now() - t0 };
}

describe("the bucket source against hostile S3 endpoints", () => {
  test("a listing whose continuation tokens never end stops at the page cap", async () => {
    const app = new Hono();
    let pages = 0;
    // Empty truncated pages with a fresh token each: no object cap would ever stop this.
    app.get("/b", (c) => c.body(listPage([], `token-${++pages}`), 200, XML));
    const s = await start(app);
    const client = createS3Client({ endpoint: s.host, insecure: true, bucket: "b", credentials, fetch });
    const { err } = await failure(client.listObjects(""));
    expect(err).toBeInstanceOf(S3RequestError);
    expect(err.message).toBe(`Cannot list bucket "b" at ${s.url}: the listing did not end after ${DEFAULTS.maxListPages} pages`);
    expect(pages).toBe(DEFAULTS.maxListPages);
  });

  test("a listing page that never ends is cut at the page size cap, not held", async () => {
    const body = endlessBody(new TextEncoder().encode("<Contents><Key>k</Key><ETag>e</ETag><Size>1</Size></Contents>".repeat(1000)), new TextEncoder().encode("<ListBucketResult>"));
    const app = new Hono();
    app.get("/b", () => new Response(body.stream, { headers: XML }));
    const s = await start(app);
    const client = createS3Client({ endpoint: s.host, insecure: true, bucket: "b", credentials, fetch });
    const { err } = await failure(client.listObjects(""));
    expect(err.message).toBe(`Cannot list bucket "b" at ${s.url}: a page of the listing exceeds the limit of ${DEFAULTS.maxListPageBytes} bytes`);
    expect(body.sent()).toBeLessThan(DEFAULTS.maxListPageBytes + 32 * 1024 * 1024);
  });

  test("a listing that drips one byte a second ends at the Bucket's timeout", async () => {
    const app = new Hono();
    app.get("/b", () => new Response(dripBody(new TextEncoder().encode(listPage(["a.yaml"])), 1000).stream, { headers: XML }));
    const s = await start(app);
    const { err, ms } = await failure(fetchBucketArtifact({ bucketName: "b", endpoint: s.host, insecure: true, credentials, fetch, timeoutMs: 1500 }));
    expect(err.message).toBe(`Cannot list bucket "b" at ${s.url}: timed out`);
    expect(ms).toBeLessThan(4000);
  });

  test("an object that drips ends at the timeout of the download phase", async () => {
    const app = new Hono();
    app.get("/b", (c) => c.body(listPage(["a.yaml"]), 200, XML));
    app.get("/b/a.yaml", () => new Response(dripBody(new Uint8Array(100), 1000).stream));
    const s = await start(app);
    const { err, ms } = await failure(fetchBucketArtifact({ bucketName: "b", endpoint: s.host, insecure: true, credentials, fetch, timeoutMs: 1500 }));
    expect(err.message).toContain(`Cannot get object "a.yaml" from bucket "b" at ${s.url}: timed out`);
    expect(ms).toBeLessThan(4000);
  });

  test("a redirect to another host is not followed, so the signed request goes nowhere else", async () => {
    const other = await start(new Hono());
    const app = new Hono();
    app.get("/b", (c) => c.redirect(`http://localhost:${other.port}/b`, 307));
    const s = await start(app);
    const client = createS3Client({ endpoint: s.host, insecure: true, bucket: "b", credentials, fetch });
    const { err } = await failure(client.listObjects(""));
    expect(err.message).toBe(`Cannot list bucket "b" at ${s.url}: the service redirects elsewhere (check spec.endpoint and spec.region) (HTTP 307)`);
    expect(s.requests[0]!.headers.authorization).toStartWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
    expect(other.requests).toEqual([]);
  });

  test("a self-signed certificate without a CA is refused and said to be untrusted", async () => {
    const tls = await startSelfSignedServer();
    servers.push(tls);
    const client = createS3Client({ endpoint: tls.host, bucket: "b", credentials, fetch });
    const { err } = await failure(client.listObjects(""));
    expect(err.message).toStartWith(`Cannot list bucket "b" at ${tls.url}: endpoint unreachable: the server's TLS certificate is not trusted (`);
    expect(tls.requests).toBe(0);
  });
});
