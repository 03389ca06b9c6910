/**
 * The agent's one set of size limits on what comes in from sources: every stage that takes in files
 * (git's tree walk and pack, a bucket listing, an OCI layer, the artifact packer and unpacker, the YAML
 * reader before a build) enforces these same numbers, so an artifact a source stored is one every
 * consumer accepts. They are checked where the data enters and before it is parsed or held where the
 * format says sizes up front (a git object header, a tar header, a document's span of text).
 *
 * Each limit has a `rivulet run` flag (FLAGS); a refusal names the object, the limit and that flag
 * (`exceeded`), so whoever reads the condition knows what to change. Defaults (DEFAULTS) keep one agent's
 * memory bounded: a few artifacts at their cap fit in a few hundred MiB.
 */

export interface Limits {
  /** Entries (files and directories, the root included) in one artifact. */
  maxEntries: number;
  /** Sum of the file sizes in one artifact, unpacked. */
  maxArtifactSize: number;
  /** Size of one file in an artifact. */
  maxFileSize: number;
  /** Size of one YAML or JSON document read for a build (the API server refuses bodies over 3 MiB). */
  maxDocumentSize: number;
}

export const DEFAULTS: Readonly<Limits> = {
  // 20,000 leaves room for large monorepos; Flux has no such cap.
  maxEntries: 20_000,
  // Flux's DefaultMaxUntarSize.
  maxArtifactSize: 100 * 1024 * 1024,
  // Chart archives and CRD bundles stay well under it; a manifest file this size cannot be applied.
  maxFileSize: 16 * 1024 * 1024,
  // etcd's request limit is 1.5 MiB and the API server refuses bodies past 3 MiB: a document larger
  // than this can never be applied, so it is refused before it is parsed.
  maxDocumentSize: 3 * 1024 * 1024,
};

/** The flag that raises each limit. */
export const FLAGS: Readonly<Record<keyof Limits, string>> = {
  maxEntries: "--max-artifact-entries",
  maxArtifactSize: "--max-artifact-size",
  maxFileSize: "--max-file-size",
  maxDocumentSize: "--max-document-size",
};

/** Thrown when data passes a limit; `limit` says which, the message says what and how to raise it. */
export class LimitError extends Error {
  readonly limit: keyof Limits;
  constructor(limit: keyof Limits, message: string) {
    super(message);
    this.name = "LimitError";
    this.limit = limit;
  }
}

/**
 * The one wording of a refusal: `<subject> is <size>` (or `has <n> entries`) `, over the limit of
 * <limit> (raise it with rivulet run <flag>)`. `subject` names what was measured ("the artifact", `file "big/cm.yaml"`); the caller
 * prefixes the object (`GitRepository/ns/name: `).
 */
export function exceeded(limit: keyof Limits, subject: string, found: number | undefined, max: number): LimitError {
  const counted = limit === "maxEntries";
  const show = counted ? (n: number) => `${n.toLocaleString("en-US")} entries` : formatSize;
  const raise = `(raise it with rivulet run ${FLAGS[limit]})`;
  // Unknown when the data stopped being read at the limit (a stream, a pack): only "over" is known.
  if (found === undefined) return new LimitError(limit, `${subject} is over the limit of ${show(max)} ${raise}`);
  return new LimitError(limit, `${subject} ${counted ? "has" : "is"} ${show(found)}, over the limit of ${show(max)} ${raise}`);
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3 };

/** Parses a size flag: `3MiB`, `3Mi`, `100M`, `512KiB`, `1048576`. Undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bytes as people write them: MiB or KiB when whole (limits are), else bytes with separators (what was found). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString("en-US")} bytes`;
}
