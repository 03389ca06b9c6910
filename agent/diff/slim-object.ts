/**
 * The slim copy of a live object that the live cache keeps instead of the whole object: identity,
 * resourceVersion, what rivulet's field manager owns (as canonical JSON text, which costs far less memory
 * than the object graph it came from) and its hash, plus the few fields health checks (kstatus) and
 * pruning read. Everything else (other managers' fields, most of status, managedFields) is dropped.
 * Limits: health fields are a fixed list (DEFAULTS); a check that needs more must read the object.
 */
import type { KubeObject } from "../kube/types.ts";
import { canonicalText } from "./canonical.ts";
import { managerFields, ownedFields } from "./fields-v1.ts";
import type { ObjectHasher } from "./object-hash.ts";

export const DEFAULTS = {
  /** status fields kstatus reads for the built-in kinds and for custom resources with conditions. */
  statusFields: [
    "observedGeneration",
    "conditions",
    "phase",
    "replicas",
    "readyReplicas",
    "availableReplicas",
    "updatedReplicas",
    "currentReplicas",
    "currentRevision",
    "updateRevision",
    "desiredNumberScheduled",
    "numberReady",
    "numberAvailable",
    "updatedNumberScheduled",
    "active",
    "succeeded",
    "failed",
    "loadBalancer",
  ],
  /** spec fields kstatus compares with status. */
  specFields: ["replicas", "paused", "type", "completions", "parallelism", "updateStrategy"],
  /**
   * Labels and annotations pruning and reconcile skipping read (by prefix), and Helm's ownership label and
   * annotations, which a HelmRelease's ownership check reads.
   */
  metadataPrefixes: ["kustomize.toolkit.fluxcd.io/", "rivulet.dev/", "app.kubernetes.io/managed-by", "meta.helm.sh/"],
};

export interface SlimObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  deleting: boolean;
  /** Canonical JSON of the owned projection (fields-v1.ts ownedFields); undefined when the manager owns nothing. */
  owned?: string;
  /** Hash of `owned`. */
  ownedHash?: string;
  /** Labels and annotations under DEFAULTS.metadataPrefixes. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** DEFAULTS.specFields and DEFAULTS.statusFields, for health checks. */
  health?: { spec?: Record<string, unknown>; status?: Record<string, unknown> };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function pick(src: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isRecord(src)) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const k of keys) if (src[k] !== undefined) (out ??= {})[k] = src[k];
  return out;
}

function pickPrefixed(m: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!m) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(m)) {
    if (DEFAULTS.metadataPrefixes.some((p) => k.startsWith(p))) (out ??= {})[k] = v;
  }
  return out;
}

/** The slim copy of `obj` for field manager `manager`. */
export function slimObject(obj: KubeObject, manager: string, hasher: ObjectHasher): SlimObject {
  const m = obj.metadata;
  const slim: SlimObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: m.name ?? "",
    uid: m.uid ?? "",
    resourceVersion: m.resourceVersion ?? "",
    deleting: Boolean(m.deletionTimestamp),
  };
  if (m.namespace) slim.namespace = m.namespace;
  if (m.generation !== undefined) slim.generation = m.generation;
  const fields = managerFields(obj, manager);
  if (fields) {
    slim.owned = canonicalText(ownedFields(obj, fields));
    slim.ownedHash = hasher.hashText(slim.owned);
  }
  const labels = pickPrefixed(m.labels);
  if (labels) slim.labels = labels;
  const annotations = pickPrefixed(m.annotations);
  if (annotations) slim.annotations = annotations;
  const spec = pick(obj.spec, DEFAULTS.specFields);
  const status = pick(obj.status, DEFAULTS.statusFields);
  if (spec || status) slim.health = { ...(spec && { spec }), ...(status && { status }) };
  return slim;
}

/**
 * Bytes the slim copy holds, estimated from its strings (2 bytes a character, the worst case of JS
 * engines) plus a fixed cost per property; bench/diff.ts checks the estimate against the measured heap.
 */
export function slimBytes(s: SlimObject): number {
  return estimate(s);
}

function estimate(v: unknown): number {
  if (typeof v === "string") return 16 + 2 * v.length;
  if (typeof v !== "object" || v === null) return 8;
  let n = 32;
  if (Array.isArray(v)) for (const x of v) n += 8 + estimate(x);
  else for (const [k, x] of Object.entries(v)) n += 8 + 2 * k.length + estimate(x);
  return n;
}
