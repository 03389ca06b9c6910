import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeXmlText, parseErrorBody, parseListPage } from "./s3-xml.ts";

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

describe("S3 XML", () => {
  test("reads keys, quoted etags, sizes and the continuation token of a ListObjectsV2 page", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>apps/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>apps/a &amp; b.yaml</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>apps/c.yaml</Key><ETag>"abc-2"</ETag><Size>20</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>`;
    expect(parseListPage(xml)).toEqual({
      objects: [
        { key: "apps/a & b.yaml", etag: '"0cc175b9c0f1b6a831c399e269772661"', size: 1 },
        { key: "apps/c.yaml", etag: '"abc-2"', size: 20 },
      ],
      isTruncated: true,
      nextContinuationToken: "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
    });
  });

  test("decodes URL-encoded keys only when the server says EncodingType url", () => {
    const page = (enc: string) =>
      `<ListBucketResult>${enc}<IsTruncated>false</IsTruncated><Contents><Key>a+b%2Fc%25</Key><ETag>"e"</ETag><Size>0</Size></Contents></ListBucketResult>`;
    expect(parseListPage(page("<EncodingType>url</EncodingType>")).objects[0]!.key).toBe("a b/c%");
    expect(parseListPage(page("")).objects[0]!.key).toBe("a+b%2Fc%25");
  });

  test("an empty listing has no objects and is not truncated", () => {
    expect(parseListPage("<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>")).toEqual({
      objects: [],
      isTruncated: false,
    });
  });

  test("a non-listing document is an error that quotes it", () => {
    expect(() => parseListPage("<html>proxy login</html>")).toThrow(
      "Cannot read the bucket listing: the response is not a ListBucketResult document: <html>proxy login</html>",
    );
  });

  test.each([
    ['<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>', { code: "NoSuchBucket", message: "The specified bucket does not exist" }],
    ["<Error><Code>AccessDenied</Code><Message>it&apos;s &lt;denied&gt;</Message></Error>", { code: "AccessDenied", message: "it's <denied>" }],
    ["", undefined],
    ["<html>502</html>", undefined],
  ])("parseErrorBody(%s)", (xml, want) => {
    expect(parseErrorBody(xml)).toEqual(want);
  });

  test("decodeXmlText inverts XML escaping, numeric references included", () => {
    expect(decodeXmlText("&#x27;&#96;&#128512;")).toBe("'`\u{1f600}");
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => decodeXmlText(escape(s)) === s));
  });
});
