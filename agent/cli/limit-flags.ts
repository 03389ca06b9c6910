/**
 * `rivulet run`'s flags for the agent's one set of limits (core/limits.ts) and its build memory budget:
 * their parseArgs options, their --help lines, and their values checked into a `Limits` with usage errors
 * that say what a valid value looks like.
 */
import { DEFAULTS as LIMITS, FLAGS, formatSize, parseSize, type Limits } from "../core/limits.ts";
import { UsageError } from "./command.ts";

export const DEFAULTS = {
  /** Bytes of files under spec.path that Kustomization builds may have in memory at once. */
  buildMemory: 32 * 1024 * 1024,
};

const SIZE_FLAGS = { maxArtifactSize: "max-artifact-size", maxFileSize: "max-file-size", maxDocumentSize: "max-document-size" } as const;

export const LIMIT_OPTIONS = {
  "max-artifact-entries": { type: "string" as const, default: String(LIMITS.maxEntries) },
  "max-artifact-size": { type: "string" as const, default: formatSize(LIMITS.maxArtifactSize).replace(" ", "") },
  "max-file-size": { type: "string" as const, default: formatSize(LIMITS.maxFileSize).replace(" ", "") },
  "max-document-size": { type: "string" as const, default: formatSize(LIMITS.maxDocumentSize).replace(" ", "") },
  "build-memory": { type: "string" as const, default: formatSize(DEFAULTS.buildMemory).replace(" ", "") },
};

export const LIMIT_HELP = `      ${FLAGS.maxEntries} N  files and directories in one artifact (default ${LIMITS.maxEntries}); a source with
                            more is not Ready and keeps its last artifact
      ${FLAGS.maxArtifactSize} SIZE  bytes of files in one artifact, unpacked (default ${formatSize(LIMITS.maxArtifactSize)})
      ${FLAGS.maxFileSize} SIZE  one file in an artifact (default ${formatSize(LIMITS.maxFileSize)}); a git object over it is
                            refused from its header, before it is inflated
      ${FLAGS.maxDocumentSize} SIZE  one YAML or JSON document a build reads (default ${formatSize(LIMITS.maxDocumentSize)}, the API
                            server's request limit); refused before it is parsed
      --build-memory SIZE   bytes of manifests (files under spec.path) Kustomizations may build at once
                            (default ${formatSize(DEFAULTS.buildMemory)}); a larger build waits for room, one larger than
                            this runs alone`;

export interface LimitFlagValues {
  "max-artifact-entries"?: string;
  "max-artifact-size"?: string;
  "max-file-size"?: string;
  "max-document-size"?: string;
  "build-memory"?: string;
}

/** The limits and the build memory budget the flags ask for; a UsageError for a value that is not one. */
export function limitsOf(values: LimitFlagValues): { limits: Limits; buildMemory: number } {
  const entries = values["max-artifact-entries"] ?? String(LIMITS.maxEntries);
  const maxEntries = Number(entries);
  if (!/^\d+$/.test(entries) || maxEntries < 1) throw new UsageError(`${FLAGS.maxEntries} must be a whole number of at least 1, not "${entries}"`);
  const size = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = parseSize(text);
    if (n === undefined || n < 1) throw new UsageError(`--${flag} must be a size such as 3MiB, 512KiB or 1048576, not "${text}"`);
    return n;
  };
  const limits: Limits = {
    maxEntries,
    maxArtifactSize: size(SIZE_FLAGS.maxArtifactSize, values["max-artifact-size"], LIMITS.maxArtifactSize),
    maxFileSize: size(SIZE_FLAGS.maxFileSize, values["max-file-size"], LIMITS.maxFileSize),
    maxDocumentSize: size(SIZE_FLAGS.maxDocumentSize, values["max-document-size"], LIMITS.maxDocumentSize),
  };
  return { limits, buildMemory: size("build-memory", values["build-memory"], DEFAULTS.buildMemory) };
}
