/**
 * The bucket client against AWS's published examples (test/fixtures/s3/SOURCE.md): the SigV4 worked
 * examples of the S3 API Reference (canonical request, string to sign, Authorization header) and the
 * ListObjectsV2 sample responses. The other bucket tests talk to a server we wrote; these compare with
 * what AWS documents, so a signer or parser that drifts from S3 fails here even when it agrees with itself.
 */
import { describe, expect, test } from "bun:test";
import { createS3Client, signS3Request, type S3Credentials } from "./s3-client.ts";
import { parseListPage } from "./s3-xml.ts";
import { fixtureText } from "../../../test/support/fixtures.ts";

const text = (name: string) => fixtureText(`s3/${name}`);

interface SigningExample {
  name: string;
  url: string;
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  authorization: string;
}
const sigv4 = JSON.parse(text("sigv4-header-examples.json")) as {
  credentials: S3Credentials;
  region: string;
  datetime: string;
  examples: SigningExample[];
};

/** AWS's examples join the Authorization fields with ",", aws4fetch (like the AWS SDKs) with ", "; S3 takes both. */
const commaJoined = (authorization: string | null) => authorization?.replace(/, /g, ",");

async function sha256Hex(s: string): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("SigV4 as the S3 API Reference's worked examples compute it", () => {
  test.each(sigv4.examples.map((e) => [e.name, e] as const))("%s: canonical request, string to sign and Authorization match", async (_name, example) => {
    // The fixture is consistent with itself: the string to sign ends with the canonical request's hash.
    expect(example.stringToSign.endsWith(await sha256Hex(example.canonicalRequest))).toBe(true);
    const signed = await signS3Request(sigv4.credentials, sigv4.region, example.url, { headers: example.headers }, sigv4.datetime);
    const steps = await signed.steps();
    expect(steps.canonicalRequest).toBe(example.canonicalRequest);
    expect(steps.stringToSign).toBe(example.stringToSign);
    expect(commaJoined(signed.request.headers.get("authorization"))).toBe(example.authorization);
    expect(signed.request.headers.get("x-amz-date")).toBe(sigv4.datetime);
  });

  test("another secret gives another signature for the same request", async () => {
    const example = sigv4.examples[2]!;
    const other = { ...sigv4.credentials, secretKey: `${sigv4.credentials.secretKey}x` };
    const signed = await signS3Request(other, sigv4.region, example.url, { headers: example.headers }, sigv4.datetime);
    expect(commaJoined(signed.request.headers.get("authorization"))).not.toBe(example.authorization);
  });
});

describe("ListObjectsV2 sample responses from the S3 API Reference", () => {
  test.each([
    ["example-1", [{ key: "my-image.jpg", etag: '"fba9dede5f27731c9771645a39863328"', size: 434234 }], false, undefined],
    ["example-2", [{ key: "ExampleObject.txt", etag: '"599bab3ed2c697f1d26842727561fd94"', size: 857 }], false, undefined],
    ["example-3", [{ key: "photos/2006/", etag: '"d41d8cd98f00b204e9800998ecf8427e"', size: 0 }], false, undefined],
    ["example-4", [{ key: "happyface.jpg", etag: '"70ee1738b6b21e2c8a43f3a5ab0eee71"', size: 11 }], true, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="],
  ] as const)("%s parses to its objects and truncation", (name, objects, isTruncated, token) => {
    const page = parseListPage(text(`list-objects-v2-${name}.xml`));
    expect(page).toEqual({ objects: [...objects], isTruncated, ...(token ? { nextContinuationToken: token } : {}) });
  });

  test("the client follows the documented continuation token, sent encoded and signed", async () => {
    const pages = [text("list-objects-v2-example-4.xml"), text("list-objects-v2-example-1.xml")];
    const seen: Request[] = [];
    const client = createS3Client({
      endpoint: "s3.amazonaws.com",
      bucket: "bucket",
      credentials: sigv4.credentials,
      fetch: async (input) => {
        seen.push(input as Request);
        return new Response(pages[seen.length - 1], { status: 200, headers: { "content-type": "application/xml" } });
      },
    });
    const objects = await client.listObjects("");
    expect(objects.map((o) => o.key)).toEqual(["happyface.jpg", "my-image.jpg"]);
    expect(seen.map((r) => new URL(r.url).search)).toEqual([
      "?list-type=2&encoding-type=url&max-keys=1000",
      "?list-type=2&encoding-type=url&max-keys=1000&continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D",
    ]);
    // Both requests are signed for the same bucket path; S3 re-derives this from the query it receives.
    for (const r of seen) {
      expect(new URL(r.url).pathname).toBe("/bucket");
      expect(commaJoined(r.headers.get("authorization"))).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/);
    }
  });
});
