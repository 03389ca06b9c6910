/**
 * The Bucket source: lists an S3-compatible bucket, builds Flux's etag index, and downloads the objects only
 * when the index revision differs from the last one, as source-controller does (reference/flux.md §1.3, §2.1):
 *
 * 1. list every object under `spec.prefix` (ListObjectsV2, continuation tokens);
 * 2. read the bucket-root `.sourceignore` object if it exists; its patterns, then `spec.ignore`, exclude keys
 *    (artifact/source-ignore.ts `bucketIgnore`: gitignore syntax, root-scoped, and, unlike Git sources, with
 *    NO default patterns: Flux builds the Bucket matcher from the user's patterns only);
 * 3. index = key -> etag for every remaining key that does not end in "/" and is not `.sourceignore`;
 *    revision = bucket-index.ts `indexRevision` (`sha256:<hex>` of sorted `key etag\n` lines);
 * 4. revision equal to `lastRevision`: stop, nothing downloaded;
 * 5. otherwise GET every indexed object with bounded concurrency; an object gone since the listing leaves
 *    the index, a changed ETag replaces the listed one, and the revision is computed again, as Flux does.
 *
 * The files keep their full keys (prefix included) as paths; the root `.sourceignore`, when present, is part
 * of the files too (Flux downloads it into the artifact directory and archives without a filter). The result
 * carries the rules it applied (`rules`); pack them with those, not the tree's own, to match Flux's artifact
 * (over the downloaded tree they exclude nothing, and the rules are not built twice).
 *
 * Only `provider: generic` is implemented; aws, gcp and azure (and `spec.sts`) fail with a terminal error.
 * Keys that are not safe relative paths (`..`, `.`, empty segments, backslashes, NUL) fail the fetch rather
 * than being written somewhere unexpected. All I/O goes through the `fetch` parameter.
 */
import { FileTree } from "../../artifact/file-tree.ts";
import { bucketIgnore, type SourceIgnore } from "../../artifact/source-ignore.ts";
import { DEFAULTS as ARTIFACT } from "../../artifact/unpack.ts";
import { TerminalError, TransientError } from "../../core/errors.ts";
import type { Fetch } from "../../core/fetch.ts";
import { indexRevision, trimEtag, type BucketIndex } from "./bucket-index.ts";
import { createS3Client, DEFAULTS as S3, S3RequestError, type S3Credentials } from "./s3-client.ts";

export const DEFAULTS = {
  provider: "generic",
  /** Bucket `spec.timeout` default; applied to the listing and to the downloads separately, as Flux does. */
  timeoutMs: 60_000,
  /** Parallel GETs. Flux allows 100 goroutines; one agent per tenant keeps its footprint smaller. */
  concurrency: 16,
  /** Total bytes of the indexed objects: the artifact cap (Flux's default untar limit). */
  maxSize: ARTIFACT.maxSize,
  /** Indexed objects: the artifact entry cap. */
  maxObjects: ARTIFACT.maxEntries,
  /** Listed objects, before ignore rules. */
  maxListedObjects: S3.maxListedObjects,
  pageSize: S3.pageSize,
  /** Bytes of the bucket-root `.sourceignore`. */
  maxIgnoreFileSize: 1024 * 1024,
  ignoreFile: ".sourceignore",
  fileMode: 0o644,
  dirMode: 0o755,
} as const;

/** Flux condition reasons the errors carry. */
const REASON = { operation: "BucketOperationFailed", url: "URLInvalid" } as const;

export interface BucketLimits {
  concurrency: number;
  maxSize: number;
  maxObjects: number;
  maxListedObjects: number;
  pageSize: number;
}

export interface BucketFetchOptions {
  /** Bucket `spec.provider`; only "generic" (the default) is supported. */
  provider?: string;
  bucketName: string;
  /** host[:port] without scheme. */
  endpoint: string;
  /** Signing region; empty means us-east-1. */
  region?: string;
  prefix?: string;
  /** Plain HTTP. */
  insecure?: boolean;
  /** `spec.ignore` (gitignore lines). */
  ignore?: string;
  /** `spec.sts`: rejected when set (not supported). */
  sts?: unknown;
  /** From `spec.secretRef` (see bucket-credentials.ts); absent means anonymous requests. */
  credentials?: S3Credentials;
  fetch: Fetch;
  /** `status.artifact.revision` of the last artifact; equal index revision means nothing is downloaded. */
  lastRevision?: string;
  signal?: AbortSignal;
  /** `spec.timeout` in milliseconds. */
  timeoutMs?: number;
  limits?: Partial<BucketLimits>;
}

export type BucketFetchResult =
  | { revision: string; unchanged: true; objects: number }
  | { revision: string; unchanged: false; objects: number; files: FileTree; rules: SourceIgnore };

/** Why a key cannot become a file path, or undefined when it can. */
export function unsafeKeyReason(key: string): string | undefined {
  if (key.includes("\\")) return "contains a backslash";
  if (key.includes("\0")) return "contains a NUL byte";
  for (const seg of key.split("/")) {
    if (seg === "") return "has an empty path segment";
    if (seg === "." || seg === "..") return `has a "${seg}" path segment`;
  }
  return undefined;
}

function phaseSignal(outer: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return outer ? AbortSignal.any([outer, timeout]) : timeout;
}

function asRivuletError(err: unknown): unknown {
  if (err instanceof S3RequestError) return new TransientError(REASON.operation, err.message, { cause: err });
  return err;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure aborts the rest. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const combined = AbortSignal.any([signal, stop.signal]);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item, combined);
      } catch (err) {
        if (!failure) failure = { err };
        stop.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}

export async function fetchBucketArtifact(options: BucketFetchOptions): Promise<BucketFetchResult> {
  const bucket = options.bucketName;
  const provider = options.provider || DEFAULTS.provider;
  if (provider !== "generic") {
    throw new TerminalError(
      REASON.operation,
      `Cannot fetch bucket "${bucket}": provider "${provider}" is not supported (only "generic" S3-compatible endpoints with an accesskey/secretkey Secret are)`,
    );
  }
  if (options.sts !== undefined && options.sts !== null) {
    throw new TerminalError(REASON.operation, `Cannot fetch bucket "${bucket}": spec.sts is not supported`);
  }
  const limits: BucketLimits = {
    concurrency: options.limits?.concurrency ?? DEFAULTS.concurrency,
    maxSize: options.limits?.maxSize ?? DEFAULTS.maxSize,
    maxObjects: options.limits?.maxObjects ?? DEFAULTS.maxObjects,
    maxListedObjects: options.limits?.maxListedObjects ?? DEFAULTS.maxListedObjects,
    pageSize: options.limits?.pageSize ?? DEFAULTS.pageSize,
  };
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const prefix = options.prefix ?? "";

  let client;
  try {
    client = createS3Client({
      endpoint: options.endpoint,
      insecure: options.insecure ?? false,
      bucket,
      fetch: options.fetch,
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  } catch (err) {
    throw new TerminalError(REASON.url, err instanceof Error ? err.message : String(err), { cause: err });
  }
  const where = `bucket "${bucket}" at ${client.baseUrl}`;

  // Index: list, load ignore rules, filter.
  let index: BucketIndex;
  let sizes: Map<string, number>;
  let ignoreFile: { data: Uint8Array; etag: string } | undefined;
  let rules: SourceIgnore;
  try {
    const signal = phaseSignal(options.signal, timeoutMs);
    const listed = await client.listObjects(prefix, { pageSize: limits.pageSize, maxObjects: limits.maxListedObjects, signal });
    // An empty prefix lists the root `.sourceignore` itself, so a missing one costs no extra request.
    const ignoreListed = listed.some((o) => o.key === DEFAULTS.ignoreFile);
    if (ignoreListed || !DEFAULTS.ignoreFile.startsWith(prefix)) {
      ignoreFile = await client.getObject(DEFAULTS.ignoreFile, { maxBytes: DEFAULTS.maxIgnoreFileSize, signal });
    }
    rules = bucketIgnore(ignoreFile ? new TextDecoder().decode(ignoreFile.data) : undefined, options.ignore);
    index = new Map();
    sizes = new Map();
    for (const o of listed) {
      if (o.key.endsWith("/") || o.key === DEFAULTS.ignoreFile) continue;
      if (rules.ignores(o.key, false)) continue;
      index.set(o.key, trimEtag(o.etag));
      sizes.set(o.key, o.size);
    }
  } catch (err) {
    throw asRivuletError(err);
  }

  if (index.size > limits.maxObjects) {
    throw new TransientError(REASON.operation, `Cannot fetch ${where}: ${index.size} objects exceed the limit of ${limits.maxObjects}`);
  }
  let listedBytes = 0;
  for (const s of sizes.values()) listedBytes += s;
  if (listedBytes > limits.maxSize) {
    throw new TransientError(REASON.operation, `Cannot fetch ${where}: the objects total ${listedBytes} bytes, over the limit of ${limits.maxSize}`);
  }
  for (const key of index.keys()) {
    const why = unsafeKeyReason(key);
    if (why) throw new TransientError(REASON.operation, `Cannot fetch ${where}: object key "${key}" ${why}`);
  }

  const revision = await indexRevision(index);
  if (options.lastRevision !== undefined && options.lastRevision === revision) {
    return { revision, unchanged: true, objects: index.size };
  }

  // Download.
  const data = new Map<string, Uint8Array>();
  let downloaded = 0;
  try {
    const signal = phaseSignal(options.signal, timeoutMs);
    await forEachLimit([...index.keys()], limits.concurrency, signal, async (key, sig) => {
      const got = await client.getObject(key, { maxBytes: limits.maxSize - downloaded, signal: sig });
      if (!got) {
        index.delete(key); // gone since the listing, as Flux drops it
        return;
      }
      downloaded += got.data.byteLength;
      if (downloaded > limits.maxSize) {
        throw new TransientError(REASON.operation, `Cannot fetch ${where}: the objects exceed the limit of ${limits.maxSize} bytes`);
      }
      const etag = trimEtag(got.etag);
      if (etag && etag !== index.get(key)) index.set(key, etag);
      data.set(key, got.data);
    });
  } catch (err) {
    throw asRivuletError(err);
  }

  const files = new FileTree();
  const addFile = (path: string, bytes: Uint8Array): void => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const existing = files.get(dir);
      if (existing?.kind === "file") {
        throw new TransientError(REASON.operation, `Cannot fetch ${where}: object "${dir}" is also a directory of "${path}"`);
      }
      if (!existing) files.set(dir, { kind: "dir", mode: DEFAULTS.dirMode });
    }
    if (files.get(path)?.kind === "dir") {
      throw new TransientError(REASON.operation, `Cannot fetch ${where}: object "${path}" is also a directory of other objects`);
    }
    files.set(path, { kind: "file", mode: DEFAULTS.fileMode, data: bytes });
  };
  if (ignoreFile) addFile(DEFAULTS.ignoreFile, ignoreFile.data);
  for (const key of [...data.keys()].sort()) addFile(key, data.get(key)!);

  return { revision: await indexRevision(index), unchanged: false, objects: index.size, files, rules };
}
