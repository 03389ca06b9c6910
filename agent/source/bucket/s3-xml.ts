/**
 * Reads the two XML documents the bucket source needs from an S3-compatible service: a ListObjectsV2 page
 * (ListBucketResult) and an error body (Error). S3 writes flat, predictable XML (no CDATA, no namespaces
 * on child elements, text escaped with entities), so a few anchored patterns are enough; anything else in
 * the document is ignored. Keys come back URL-encoded when the server honours `encoding-type=url` (and says
 * so in EncodingType), and are decoded the way minio-go does (`+` is a space).
 */

export interface ListedObject {
  key: string;
  /** As sent by the server, usually quoted. */
  etag: string;
  size: number;
}

export interface ListPage {
  objects: ListedObject[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

export interface S3ErrorBody {
  code: string;
  message: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decodes XML character and entity references. */
export function decodeXmlText(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`, "g");
  for (const m of xml.matchAll(re)) out.push(m[1] ?? "");
  return out;
}

function child(xml: string, name: string): string | undefined {
  const found = elements(xml, name)[0];
  return found === undefined ? undefined : decodeXmlText(found);
}

function decodeS3Name(name: string, encodingType: string | undefined): string {
  if (encodingType !== "url") return name;
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch (err) {
    throw new Error(`Cannot decode the object key "${name}": not valid URL encoding`, { cause: err });
  }
}

/** Parses one ListObjectsV2 response body. */
export function parseListPage(xml: string): ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) {
    throw new Error(`Cannot read the bucket listing: the response is not a ListBucketResult document: ${xml.slice(0, 120)}`);
  }
  // Contents blocks hold Key/ETag/Size; remove them before reading the top-level fields.
  const contents = elements(xml, "Contents");
  const top = xml.replace(/<Contents>[\s\S]*?<\/Contents>/g, "");
  const encodingType = child(top, "EncodingType");
  const objects = contents.map((block) => {
    const key = child(block, "Key");
    if (key === undefined) throw new Error("Cannot read the bucket listing: an entry has no Key");
    const size = Number(child(block, "Size") ?? "0");
    return { key: decodeS3Name(key, encodingType), etag: child(block, "ETag") ?? "", size: Number.isFinite(size) ? size : 0 };
  });
  const token = child(top, "NextContinuationToken");
  return {
    objects,
    isTruncated: child(top, "IsTruncated") === "true",
    ...(token ? { nextContinuationToken: token } : {}),
  };
}

/** Parses an S3 `<Error>` body; undefined when the body is not one (HEAD responses, proxies, HTML). */
export function parseErrorBody(xml: string): S3ErrorBody | undefined {
  const block = elements(xml, "Error")[0];
  if (block === undefined) return undefined;
  return { code: child(block, "Code") ?? "", message: child(block, "Message") ?? "" };
}
