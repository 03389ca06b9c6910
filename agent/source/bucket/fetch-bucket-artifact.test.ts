/**
 * fetchBucketArtifact against a real S3 HTTP API (s3rver on 127.0.0.1, with SigV4 verified in front of it,
 * see test/support/s3-server.ts), through the agent's own fetch.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { createFetch } from "../../runtime/http-fetch.ts";
import { startS3Server, type TestS3 } from "../../../test/support/s3-server.ts";
import { RivuletError } from "../../core/errors.ts";
import { fetchBucketArtifact, unsafeKeyReason, type BucketFetchOptions } from "./fetch-bucket-artifact.ts";
import { fluxBucketCases } from "../../../test/support/fixtures.ts";

const fluxCases = fluxBucketCases();

let s3: TestS3;
let anon: TestS3;
const fetch = createFetch();
let n = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  anon = await startS3Server({ allowAnonymous: true });
});
afterAll(async () => {
  await s3?.stop();
  await anon?.stop();
});

/** A fresh bucket with the given objects. */
async function bucketWith(objects: Record<string, string>, server = s3): Promise<string> {
  const name = `bucket-${++n}-${Date.now() % 100000}`;
  await server.createBucket(name);
  for (const [k, v] of Object.entries(objects)) await server.putObject(name, k, v);
  return name;
}

function opts(bucketName: string, extra: Partial<BucketFetchOptions> = {}): BucketFetchOptions {
  return {
    bucketName,
    endpoint: s3.endpoint,
    insecure: true,
    credentials: { accessKey: s3.accessKey, secretKey: s3.secretKey },
    fetch,
    ...extra,
  };
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const sha256 = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;
const text = (files: Map<string, unknown>, path: string) => {
  const node = files.get(path) as { kind: string; data: Uint8Array } | undefined;
  return node?.kind === "file" ? new TextDecoder().decode(node.data) : undefined;
};
const filePaths = (files: Map<string, { kind: string }>) => [...files].filter(([, v]) => v.kind === "file").map(([k]) => k).sort();

async function failure(p: Promise<unknown>): Promise<RivuletError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RivuletError) return err;
    throw err;
  }
  throw new Error("expected the fetch to fail");
}

describe("fetchBucketArtifact", () => {
  test.each(fluxCases.map((c) => [c.name, c] as const))("gives the revision source-controller's test %p pins, over the same objects", async (_name, c) => {
    const b = await bucketWith(c.objects);
    const r = await fetchBucketArtifact(opts(b, c.ignore ? { ignore: c.ignore } : {}));
    expect(r.revision).toBe(c.revision);
    expect(r.objects).toBe(Object.keys(c.index).length);
    expect(r.unchanged).toBe(false);
  });

  test("downloads every object with its key as path and the revision of the key/etag index", async () => {
    const content = { "a.yaml": "kind: A\n", "apps/b.yaml": "kind: B\n", "apps/deep/c.yaml": "kind: C\n" };
    const b = await bucketWith(content);
    const r = await fetchBucketArtifact(opts(b));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual(["a.yaml", "apps/b.yaml", "apps/deep/c.yaml"]);
    expect(text(r.files, "apps/deep/c.yaml")).toBe("kind: C\n");
    expect(r.files.get("apps/deep")?.kind).toBe("dir");
    expect(r.objects).toBe(3);
    const index = Object.keys(content).sort().map((k) => `${k} ${md5(content[k as keyof typeof content])}\n`).join("");
    expect(r.revision).toBe(sha256(index));
  });

  test("lists only keys under the prefix, keeping the full key as path", async () => {
    const b = await bucketWith({ "apps/a.yaml": "a", "apps2/x.yaml": "x", "infra/b.yaml": "b", "apps/sub/c.yaml": "c" });
    const r = await fetchBucketArtifact(opts(b, { prefix: "apps/" }));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual(["apps/a.yaml", "apps/sub/c.yaml"]);
    expect(r.revision).toBe(sha256(`apps/a.yaml ${md5("a")}\napps/sub/c.yaml ${md5("c")}\n`));
  });

  test("follows continuation tokens across pages", async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 23; i++) objects[`obj/${String(i).padStart(3, "0")}.txt`] = `v${i}`;
    const b = await bucketWith(objects);
    s3.requests.length = 0;
    const r = await fetchBucketArtifact(opts(b, { limits: { pageSize: 5 } }));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual(Object.keys(objects).sort());
    expect(s3.requests.filter((q) => q === `GET /${b}`).length).toBe(5);
    const paged = await fetchBucketArtifact(opts(b, { limits: { pageSize: 1000 } }));
    expect(paged.revision).toBe(r.revision);
  });

  test("spec.ignore and the bucket-root .sourceignore exclude keys, with no default patterns", async () => {
    const b = await bucketWith({
      ".sourceignore": "# from the bucket\n*.md\n",
      "apps/a.yaml": "a",
      "apps/README.md": "docs",
      "apps/logo.png": "png", // a Git default pattern, kept for buckets
      "apps/.git/config": "git", // ditto
      "secret/key.yaml": "s",
      "secret/keep.yaml": "k",
    });
    const r = await fetchBucketArtifact(opts(b, { ignore: "secret/\n!secret/keep.yaml\n" }));
    if (r.unchanged) throw new Error("expected files");
    // The root .sourceignore is part of the files (Flux downloads it into the artifact dir) but not of the index.
    expect(filePaths(r.files)).toEqual([".sourceignore", "apps/.git/config", "apps/a.yaml", "apps/logo.png", "secret/keep.yaml"]);
    const index = ["apps/.git/config git", "apps/a.yaml a", "apps/logo.png png", "secret/keep.yaml k"]
      .map((l) => l.split(" ") as [string, string])
      .map(([k, v]) => `${k} ${md5(v)}\n`)
      .join("");
    expect(r.revision).toBe(sha256(index));
  });

  test("the bucket-root .sourceignore applies under a prefix too", async () => {
    const b = await bucketWith({ ".sourceignore": "drop.yaml\n", "apps/drop.yaml": "d", "apps/keep.yaml": "k" });
    const r = await fetchBucketArtifact(opts(b, { prefix: "apps/" }));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual([".sourceignore", "apps/keep.yaml"]);
  });

  test("an unchanged etag index is detected without downloading any object", async () => {
    const b = await bucketWith({ "a.yaml": "a", "b/c.yaml": "c" });
    const first = await fetchBucketArtifact(opts(b));
    s3.requests.length = 0;
    const second = await fetchBucketArtifact(opts(b, { lastRevision: first.revision }));
    expect(second).toEqual({ revision: first.revision, unchanged: true, objects: 2 });
    expect(s3.requests).toEqual([`GET /${b}`]);
  });

  test("a changed, added or deleted object changes the revision", async () => {
    const b = await bucketWith({ "a.yaml": "a", "b.yaml": "b" });
    const seen = new Set([(await fetchBucketArtifact(opts(b))).revision]);
    const steps: Array<() => Promise<unknown>> = [
      () => s3.putObject(b, "a.yaml", "a2"),
      () => s3.putObject(b, "c.yaml", "c"),
      () => s3.deleteObject(b, "b.yaml"),
    ];
    for (const step of steps) {
      const before = [...seen].pop()!;
      await step();
      const r = await fetchBucketArtifact(opts(b, { lastRevision: before }));
      expect(r.unchanged).toBe(false);
      expect(seen.has(r.revision)).toBe(false);
      seen.add(r.revision);
    }
    const last = await fetchBucketArtifact(opts(b));
    if (last.unchanged) throw new Error("expected files");
    expect(filePaths(last.files)).toEqual(["a.yaml", "c.yaml"]);
    expect(text(last.files, "a.yaml")).toBe("a2");
  });

  test("objects that change between listing and download update the index, as Flux's fetchIndexFiles does", async () => {
    const b = await bucketWith({ "keep.yaml": "k", "gone.yaml": "g", "changed.yaml": "old" });
    let raced = false;
    // The real server, changed by another writer right after it answered the listing.
    const racing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!raced && url.searchParams.get("list-type") === "2") {
        raced = true;
        await s3.deleteObject(b, "gone.yaml");
        await s3.putObject(b, "changed.yaml", "new");
      }
      return res;
    };
    const r = await fetchBucketArtifact(opts(b, { fetch: racing }));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual(["changed.yaml", "keep.yaml"]);
    expect(text(r.files, "changed.yaml")).toBe("new");
    expect(r.revision).toBe(sha256(`changed.yaml ${md5("new")}\nkeep.yaml ${md5("k")}\n`));
    expect(r.objects).toBe(2);
    expect((await fetchBucketArtifact(opts(b))).revision).toBe(r.revision);
  });

  test.each([
    ["a wrong secret key", { accessKey: "rivulet-access", secretKey: "wrong" }, "SignatureDoesNotMatch"],
    ["an unknown access key", { accessKey: "nobody", secretKey: "x" }, "InvalidAccessKeyId"],
  ])("%s is access denied with the service's code", async (_name, credentials, code) => {
    const b = await bucketWith({ "a.yaml": "a" });
    const err = await failure(fetchBucketArtifact(opts(b, { credentials })));
    expect(err.message).toBe(`Cannot list bucket "${b}" at http://${s3.endpoint}: access denied (HTTP 403 ${code})`);
    expect(err.kind).toBe("transient");
    expect(err.reason).toBe("BucketOperationFailed");
  });

  test("no credentials sends anonymous requests: refused by a private server, served by a public one", async () => {
    const b = await bucketWith({ "a.yaml": "a" });
    const err = await failure(fetchBucketArtifact(opts(b, { credentials: undefined })));
    expect(err.message).toBe(`Cannot list bucket "${b}" at http://${s3.endpoint}: access denied (HTTP 403 AccessDenied)`);
    const pub = await bucketWith({ "p.yaml": "p" }, anon);
    const r = await fetchBucketArtifact(opts(pub, { endpoint: anon.endpoint, credentials: undefined }));
    expect(r.revision).toBe(sha256(`p.yaml ${md5("p")}\n`));
  });

  test("a region other than the server's is refused; an empty region signs for us-east-1", async () => {
    const b = await bucketWith({ "a.yaml": "a" });
    const err = await failure(fetchBucketArtifact(opts(b, { region: "eu-west-1" })));
    expect(err.message).toContain(`Cannot list bucket "${b}" at http://${s3.endpoint}: the request was signed for the wrong region (check spec.region) (HTTP 400 AuthorizationHeaderMalformed)`);
    expect((await fetchBucketArtifact(opts(b, { region: "" }))).unchanged).toBe(false);
  });

  test("a missing bucket is reported as not found", async () => {
    const err = await failure(fetchBucketArtifact(opts("no-such-bucket")));
    expect(err.message).toBe(`Cannot list bucket "no-such-bucket" at http://${s3.endpoint}: bucket not found (HTTP 404 NoSuchBucket)`);
  });

  test("an unreachable endpoint is reported as such", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const err = await failure(fetchBucketArtifact(opts("b", { endpoint: `127.0.0.1:${port}` })));
    expect(err.message.startsWith(`Cannot list bucket "b" at http://127.0.0.1:${port}: endpoint unreachable: `)).toBe(true);
    expect(err.kind).toBe("transient");
  });

  test.each([
    ["aws", 'Cannot fetch bucket "b": provider "aws" is not supported (only "generic" S3-compatible endpoints with an accesskey/secretkey Secret are)'],
    ["gcp", 'Cannot fetch bucket "b": provider "gcp" is not supported (only "generic" S3-compatible endpoints with an accesskey/secretkey Secret are)'],
    ["azure", 'Cannot fetch bucket "b": provider "azure" is not supported (only "generic" S3-compatible endpoints with an accesskey/secretkey Secret are)'],
  ])("provider %s is refused as a terminal error", async (provider, message) => {
    const err = await failure(fetchBucketArtifact(opts("b", { provider })));
    expect(err.message).toBe(message);
    expect(err.kind).toBe("terminal");
  });

  test.each([
    ["http://127.0.0.1:9000"],
    ["127.0.0.1:9000/path"],
    [""],
  ])("endpoint %p is refused: host[:port] without scheme", async (endpoint) => {
    const err = await failure(fetchBucketArtifact(opts("b", { endpoint })));
    expect(err.message).toBe(`Cannot use the bucket endpoint "${endpoint}": expected host[:port] without scheme or path (set insecure: true for plain HTTP)`);
    expect(err.reason).toBe("URLInvalid");
  });

  test("the object count and total size caps stop the fetch before downloading", async () => {
    const b = await bucketWith({ "a.yaml": "12345", "b.yaml": "67890" });
    s3.requests.length = 0;
    const count = await failure(fetchBucketArtifact(opts(b, { limits: { maxObjects: 1 } })));
    expect(count.message).toBe(`Cannot fetch bucket "${b}" at http://${s3.endpoint}: 2 objects exceed the limit of 1`);
    const size = await failure(fetchBucketArtifact(opts(b, { limits: { maxSize: 9 } })));
    expect(size.message).toBe(`Cannot fetch bucket "${b}" at http://${s3.endpoint}: the objects total 10 bytes, over the limit of 9`);
    expect(s3.requests.filter((r) => r.startsWith(`GET /${b}/`))).toEqual([]);
  });

  test.each([
    ["a/../../etc/passwd", 'has a ".." path segment'],
    ["./a", 'has a "." path segment'],
    ["a//b", "has an empty path segment"],
    ["/a", "has an empty path segment"],
    ["a\\b", "contains a backslash"],
    ["a\0b", "contains a NUL byte"],
    ["apps/ok.yaml", undefined],
    ["..a/b..", undefined],
  ])("unsafeKeyReason(%p) is %p", (key, why) => {
    expect(unsafeKeyReason(key)).toBe(why);
  });

  test("an object key that is not a safe path fails the fetch before any download", async () => {
    // s3rver (like most servers) cannot store "..", "." or empty segments, but accepts a backslash.
    const b = await bucketWith({ "ok.yaml": "ok", "a\\b": "x" });
    s3.requests.length = 0;
    const err = await failure(fetchBucketArtifact(opts(b)));
    expect(err.message).toBe(`Cannot fetch bucket "${b}" at http://${s3.endpoint}: object key "a\\b" contains a backslash`);
    expect(s3.requests).toEqual([`GET /${b}`]);
  });

  test("keys with spaces, plus signs, unicode and reserved characters round-trip through listing and GET", async () => {
    const keys = ["with space.yaml", "plus+sign.yaml", "ünïcødé/日本.yaml", "q?a=b&c.yaml", "per%cent.yaml", "emoji-\u{1f600}.yaml"];
    const b = await bucketWith(Object.fromEntries(keys.map((k) => [k, `content of ${k}`])));
    const r = await fetchBucketArtifact(opts(b));
    if (r.unchanged) throw new Error("expected files");
    expect(filePaths(r.files)).toEqual([...keys].sort());
    for (const k of keys) expect(text(r.files, k)).toBe(`content of ${k}`);
  });

  test("an unsafe key that the ignore rules exclude does not matter", async () => {
    const b = await bucketWith({ "ok.yaml": "ok", "tmp\\x": "x" });
    const r = await fetchBucketArtifact(opts(b, { ignore: "tmp*\n" }));
    expect(r.objects).toBe(1);
  });

  test("a server that never answers is reported as timed out", async () => {
    const sockets: Array<{ destroy(): void }> = [];
    const silent = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)));
    try {
      const started = Date.now();
      const err = await failure(fetchBucketArtifact(opts("b", { endpoint: `127.0.0.1:${port}`, timeoutMs: 300 })));
      expect(err.message).toBe(`Cannot list bucket "b" at http://127.0.0.1:${port}: timed out`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  test("an aborted signal cancels the fetch", async () => {
    const b = await bucketWith({ "a.yaml": "a" });
    const err = await failure(fetchBucketArtifact(opts(b, { signal: AbortSignal.abort() })));
    expect(err.message).toBe(`Cannot list bucket "${b}" at http://${s3.endpoint}: cancelled`);
  });
});
