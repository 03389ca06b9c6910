/**
 * A bucket with more objects than one ListObjectsV2 page holds (S3's 1,000), fetched with the default page
 * size: every object arrives, the listing took two pages, and the revision is the index's. Needs no
 * Kubernetes, so it is a unit test.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { fetchBucketArtifact } from "./fetch-bucket-artifact.ts";
import { createFetch } from "../../runtime/http-fetch.ts";
import { startS3Server, type TestS3 } from "../../../test/support/s3-server.ts";

const COUNT = 1_050;
let s3: TestS3;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket("many");
  const keys = Array.from({ length: COUNT }, (_, i) => `objects/${String(i).padStart(5, "0")}.yaml`);
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map((k) => s3.putObject("many", k, `n: ${k}\n`)));
  }
}, 120_000);
afterAll(async () => {
  await s3?.stop();
});

test("a bucket of more than 1,000 objects is listed over two pages and fetched completely", async () => {
  s3.requests.length = 0;
  const r = await fetchBucketArtifact({
    bucketName: "many",
    endpoint: s3.endpoint,
    insecure: true,
    credentials: { accessKey: s3.accessKey, secretKey: s3.secretKey },
    fetch: createFetch(),
  });
  if (r.unchanged) throw new Error("expected files");
  expect(r.objects).toBe(COUNT);
  expect(s3.requests.filter((q) => q === "GET /many").length).toBe(2);
  const keys = [...r.files.keys()].filter((k) => k.startsWith("objects/")).sort();
  expect(keys.length).toBe(COUNT);
  const index = keys.map((k) => `${k} ${createHash("md5").update(`n: ${k}\n`).digest("hex")}\n`).join("");
  expect(r.revision).toBe(`sha256:${createHash("sha256").update(index).digest("hex")}`);
}, 120_000);
