/**
 * Helm's stored release record: the `release` value of a `sh.helm.release.v1.<name>.v<rev>` Secret or
 * ConfigMap, which is base64(gzip(JSON)). The JSON keys are Go's json tags from Helm 4.2
 * (pkg/release/v1); fields we do not model are kept as they are, so decode then encode loses nothing.
 * Readers accept plain base64(JSON) too, as Helm does when the gzip magic is missing. Limits: the
 * inflated JSON is capped (DEFAULTS) so a hostile Secret cannot exhaust memory.
 */
import { base64Decode, base64Encode } from "../core/bytes.ts";
import { gunzip } from "../artifact/gunzip.ts";
import { gzipDeterministic } from "../artifact/gzip.ts";

export const DEFAULTS = {
  /** Largest inflated release JSON accepted; kube-prometheus-stack's is 6.6 MB, a Secret holds 1 MiB gzipped. */
  maxJsonBytes: 64 * 1024 * 1024,
} as const;

export type ReleaseStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

export type HookEvent =
  | "pre-install"
  | "post-install"
  | "pre-delete"
  | "post-delete"
  | "pre-upgrade"
  | "post-upgrade"
  | "pre-rollback"
  | "post-rollback"
  | "test";

export type HookDeletePolicy = "before-hook-creation" | "hook-succeeded" | "hook-failed";

export interface HookExecution {
  started_at?: string;
  completed_at?: string;
  phase: "Succeeded" | "Failed" | "Running" | "Unknown" | "";
}

export interface StoredHook {
  name: string;
  kind: string;
  path: string;
  manifest: string;
  events: HookEvent[];
  last_run: HookExecution;
  /** Left out when 0, as Go's omitempty does. */
  weight?: number;
  /** Left out when empty. */
  delete_policies?: HookDeletePolicy[];
  output_log_policies?: string[];
  [extra: string]: unknown;
}

/** A file of the stored chart: `data` is the base64 of its bytes, as Go encodes `[]byte`. */
export interface StoredFile {
  name: string;
  data: string;
  modtime?: string;
}

export interface StoredChart {
  metadata: Record<string, unknown>;
  lock: Record<string, unknown> | null;
  templates: StoredFile[];
  values: Record<string, unknown> | null;
  schema: string | null;
  files: StoredFile[];
  [extra: string]: unknown;
}

export interface ReleaseInfo {
  first_deployed?: string;
  last_deployed?: string;
  deleted?: string;
  description?: string;
  status: ReleaseStatus;
  notes?: string;
  rollback_revision?: number;
  [extra: string]: unknown;
}

export interface Release {
  name: string;
  namespace: string;
  version: number;
  info: ReleaseInfo;
  chart: StoredChart;
  config?: Record<string, unknown> | null;
  manifest: string;
  hooks?: StoredHook[];
  apply_method?: "ssa" | "csa" | "";
  [extra: string]: unknown;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/** Decodes the `release` string Helm stores (before the Kubernetes API's own base64 of Secret data). */
export function decodeRelease(stored: string): Release {
  let bytes: Uint8Array;
  try {
    bytes = base64Decode(stored);
  } catch (err) {
    throw new Error("Cannot decode the Helm release: the value is not base64", { cause: err });
  }
  if (GZIP_MAGIC.every((b, i) => bytes[i] === b)) {
    try {
      bytes = gunzip(bytes, DEFAULTS.maxJsonBytes);
    } catch (err) {
      throw new Error(`Cannot decode the Helm release: ${(err as Error).message}`, { cause: err });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(`Cannot decode the Helm release: ${(err as Error).message}`, { cause: err });
  }
  return checkRelease(value);
}

/** Encodes a release as Helm stores it: base64(gzip(JSON)). */
export function encodeRelease(release: Release): string {
  return base64Encode(gzipDeterministic(new TextEncoder().encode(JSON.stringify(release))));
}

/** The Secret name Helm's storage gives revision `version` of release `name`. */
export function releaseSecretName(name: string, version: number): string {
  return `sh.helm.release.v1.${name}.v${version}`;
}

function checkRelease(value: unknown): Release {
  const fail = (what: string): never => {
    throw new Error(`Cannot decode the Helm release: ${what}`);
  };
  if (!isObject(value)) return fail("the JSON is not an object");
  if (typeof value.name !== "string") fail('"name" is not a string');
  if (typeof value.version !== "number" || !Number.isInteger(value.version)) fail('"version" is not an integer');
  if (!isObject(value.info) || typeof value.info.status !== "string") fail('"info.status" is missing');
  if (value.chart !== undefined && value.chart !== null && !isObject(value.chart)) fail('"chart" is not an object');
  if (value.hooks !== undefined && value.hooks !== null && !Array.isArray(value.hooks)) fail('"hooks" is not a list');
  return value as Release;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
