/**
 * What helm-controller records of a Helm release in `status.history`: the Observation (the release
 * without its chart's files: name, version, info, chart metadata, config, manifest, non-test hooks,
 * namespace, OCI digest), its digest, and the Snapshot made from it (internal/release/observation.go,
 * read, not copied). The digest is `sha256:` over Go's json.Encoder output of the Observation, trailing
 * newline included, so it must be Go's bytes exactly: field order, omitempty, Helm 4's time encoding
 * (zero times left out, RFC 3339 with trailing fractional zeros dropped) and HTML-safe escapes. Then a
 * snapshot rivulet writes agrees with one helm-controller would write for the same release.
 */
import { GoStruct, encodeGoJson, type GoJson } from "../core/go-json.ts";
import { digestOf } from "../artifact/digest.ts";
import type { Release, ReleaseInfo, StoredHook } from "../helm/release-codec.ts";
import type { HelmReleaseSnapshot } from "../api/helm-release.ts";
import { configDigest } from "./helm-release-digests.ts";
import { selectTests, type TestFilter } from "../release/release-test.ts";

export type ReleaseAction = "install" | "upgrade" | "rollback" | "uninstall";

/** The Observation as Go would encode it, plus what the Snapshot needs beside the digest. */
export interface Observation {
  name: string;
  version: number;
  namespace: string;
  info: ReleaseInfo;
  chartMetadata: Record<string, unknown>;
  /** null when the release has no user values, as Flux records them. */
  config: Record<string, unknown> | null;
  manifest: string;
  /** The release's hooks without test hooks (a `helm test` run must not change the digest); null when none. */
  hooks: StoredHook[] | null;
  ociDigest?: string;
}

/** The Observation of a release (helm-controller's ObserveRelease with its default filter). */
export function observeRelease(release: Release, ociDigest?: string): Observation {
  const hooks = (release.hooks ?? []).filter((h) => !(h.events ?? []).includes("test"));
  const config = release.config && Object.keys(release.config).length > 0 ? release.config : null;
  return {
    name: release.name,
    version: release.version,
    namespace: release.namespace,
    info: release.info,
    chartMetadata: release.chart?.metadata ?? {},
    config,
    manifest: release.manifest ?? "",
    hooks: hooks.length > 0 ? hooks : null,
    ...(ociDigest ? { ociDigest } : {}),
  };
}

/** `sha256:<hex>` of the Observation as helm-controller computes it. */
export async function observationDigest(obs: Observation): Promise<string> {
  return digestOf(new TextEncoder().encode(`${encodeGoJson(observationJson(obs))}\n`));
}

/** The Snapshot helm-controller writes into status.history for an observed release. */
export async function snapshotOf(obs: Observation, action?: ReleaseAction): Promise<HelmReleaseSnapshot> {
  const meta = obs.chartMetadata;
  const deleted = goTime(obs.info.deleted);
  return {
    apiVersion: "v2",
    digest: await observationDigest(obs),
    name: obs.name,
    namespace: obs.namespace,
    version: obs.version,
    status: obs.info.status,
    ...(action ? { action } : {}),
    chartName: str(meta.name),
    chartVersion: str(meta.version),
    ...(str(meta.appVersion) ? { appVersion: str(meta.appVersion) } : {}),
    configDigest: await configDigest(obs.config),
    // metav1.Time writes seconds in UTC; a zero time is written as null by Go and so left out here.
    firstDeployed: metaTime(obs.info.first_deployed) ?? "",
    lastDeployed: metaTime(obs.info.last_deployed) ?? "",
    ...(deleted ? { deleted: metaTime(obs.info.deleted)! } : {}),
    ...(obs.ociDigest ? { ociDigest: obs.ociDigest } : {}),
  };
}

type TestHooks = NonNullable<HelmReleaseSnapshot["testHooks"]>;

/**
 * The release's test hooks by name with their last run, as status.history records them, keeping those
 * spec.test.filters select (the same selection the test action runs).
 */
export function testHooksOf(release: Release, filters: readonly TestFilter[] = []): TestHooks {
  const tests = (release.hooks ?? []).filter((h) => (h.events ?? []).includes("test"));
  const out: TestHooks = {};
  for (const h of selectTests(tests, filters).run) {
    const run = h.last_run ?? { phase: "" };
    const lastStarted = metaTime(run.started_at);
    const lastCompleted = metaTime(run.completed_at);
    out[h.name] = {
      ...(lastStarted ? { lastStarted } : {}),
      ...(lastCompleted ? { lastCompleted } : {}),
      ...(run.phase ? { phase: run.phase } : {}),
    };
  }
  return out;
}

function observationJson(obs: Observation): GoStruct {
  return new GoStruct([
    ["name", obs.name],
    ["version", obs.version],
    ["info", infoJson(obs.info)],
    ["chartMetadata", metadataJson(obs.chartMetadata)],
    ["config", (obs.config as GoJson) ?? null],
    ["manifest", obs.manifest],
    ["hooks", obs.hooks ? obs.hooks.map(hookJson) : null],
    ["namespace", obs.namespace],
    ...omitEmpty([["ociDigest", obs.ociDigest ?? ""]]),
  ]);
}

type Field = readonly [string, GoJson];

/** The fields that Go's omitempty keeps: not "", 0, false, null, or an empty list or map. */
function omitEmpty(fields: ReadonlyArray<readonly [string, unknown]>): Field[] {
  return fields.filter(([, v]) => !isEmpty(v)) as Field[];
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object" && !(v instanceof GoStruct)) return Object.keys(v).length === 0;
  return false;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(str) : undefined);

/** Helm 4's Info.MarshalJSON: zero times left out, the rest omitempty (resources are never stored). */
function infoJson(info: ReleaseInfo): GoStruct {
  return new GoStruct(
    omitEmpty([
      ["first_deployed", goTime(info.first_deployed)],
      ["last_deployed", goTime(info.last_deployed)],
      ["deleted", goTime(info.deleted)],
      ["description", str(info.description)],
      ["status", str(info.status)],
      ["rollback_revision", typeof info.rollback_revision === "number" ? info.rollback_revision : 0],
      ["notes", str(info.notes)],
    ]),
  );
}

/** Helm's chart.Metadata in its field order. */
function metadataJson(m: Record<string, unknown>): GoStruct {
  const maintainers = Array.isArray(m.maintainers)
    ? m.maintainers.map((x) => {
        const mt = (x ?? {}) as Record<string, unknown>;
        return new GoStruct(omitEmpty([["name", str(mt.name)], ["email", str(mt.email)], ["url", str(mt.url)]]));
      })
    : undefined;
  const dependencies = Array.isArray(m.dependencies) ? m.dependencies.map((d) => dependencyJson((d ?? {}) as Record<string, unknown>)) : undefined;
  return new GoStruct(
    omitEmpty([
      ["name", str(m.name)],
      ["home", str(m.home)],
      ["sources", strings(m.sources)],
      ["version", str(m.version)],
      ["description", str(m.description)],
      ["keywords", strings(m.keywords)],
      ["maintainers", maintainers],
      ["icon", str(m.icon)],
      ["apiVersion", str(m.apiVersion)],
      ["condition", str(m.condition)],
      ["tags", str(m.tags)],
      ["appVersion", str(m.appVersion)],
      ["deprecated", m.deprecated === true],
      ["annotations", m.annotations],
      ["kubeVersion", str(m.kubeVersion)],
      ["dependencies", dependencies],
      ["type", str(m.type)],
    ]),
  );
}

/** Helm's chart.Dependency: name and repository are always written. */
function dependencyJson(d: Record<string, unknown>): GoStruct {
  return new GoStruct([
    ["name", str(d.name)],
    ...omitEmpty([["version", str(d.version)]]),
    ["repository", str(d.repository)],
    ...omitEmpty([
      ["condition", str(d.condition)],
      ["tags", strings(d.tags)],
      ["enabled", d.enabled === true],
      ["import-values", Array.isArray(d["import-values"]) ? d["import-values"] : undefined],
      ["alias", str(d.alias)],
    ]),
  ]);
}

/** Helm's release.Hook, with HookExecution.MarshalJSON leaving zero times out. */
function hookJson(h: StoredHook): GoStruct {
  const run = h.last_run ?? { phase: "" };
  const lastRun = new GoStruct([
    ...omitEmpty([
      ["started_at", goTime(run.started_at)],
      ["completed_at", goTime(run.completed_at)],
    ]),
    ["phase", str(run.phase)],
  ]);
  return new GoStruct([
    ...omitEmpty([
      ["name", str(h.name)],
      ["kind", str(h.kind)],
      ["path", str(h.path)],
      ["manifest", str(h.manifest)],
      ["events", h.events],
    ]),
    ["last_run", lastRun],
    ...omitEmpty([
      ["weight", typeof h.weight === "number" ? h.weight : 0],
      ["delete_policies", h.delete_policies],
      ["output_log_policies", h.output_log_policies],
    ]),
  ]);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A stored time as Go writes it back after reading it (time.Time's RFC3339Nano): trailing fractional
 * zeros dropped and a zero offset as `Z`; "" for Go's zero time (or no time), which Helm 4 leaves out.
 */
export function goTime(t: string | undefined): string {
  if (!t) return "";
  const m = RFC3339.exec(t);
  if (!m) return t;
  const [, base, fraction = "", zone] = m;
  if (base === "0001-01-01T00:00:00" && /^\.?0*$/.test(fraction) && (zone === "Z" || zone === "+00:00")) return "";
  const frac = fraction.replace(/0+$/, "");
  return `${base}${frac === "." ? "" : frac}${zone === "+00:00" || zone === "-00:00" ? "Z" : zone}`;
}

/** metav1.Time as the API writes it: UTC, whole seconds; undefined for a zero time. */
function metaTime(t: string | undefined): string | undefined {
  const g = goTime(t);
  if (!g) return undefined;
  const ms = Date.parse(g);
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
