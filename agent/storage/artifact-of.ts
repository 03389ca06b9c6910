/**
 * Reads a source object's `status.artifact` as agent/api's `Artifact`, the one shape an artifact has
 * (the store writes it, sources report it, Kustomizations, includes and `rivulet diff` read it). Objects
 * read from the API server or another controller's cache are untyped, so the fields the schema requires
 * are checked here once: a status without a well-formed artifact reads as none, which every caller
 * already handles as "not ready yet".
 */
import type { Artifact } from "../api/common.ts";

const REQUIRED = ["path", "revision", "digest", "url", "lastUpdateTime"] as const;

function isArtifact(a: unknown): a is Artifact {
  if (typeof a !== "object" || a === null) return false;
  const fields: Partial<Record<string, unknown>> = { ...a };
  return REQUIRED.every((k) => typeof fields[k] === "string");
}

/** The object's `status.artifact`, or undefined when it has none (or a malformed one). */
export function artifactOf(obj: object | undefined): Artifact | undefined {
  const status = obj && "status" in obj ? obj.status : undefined;
  const artifact = typeof status === "object" && status !== null && "artifact" in status ? status.artifact : undefined;
  return isArtifact(artifact) ? artifact : undefined;
}
