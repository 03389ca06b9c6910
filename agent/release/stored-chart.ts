/**
 * The chart as Helm stores it in a release (pkg/chart/v2 Chart's JSON): metadata with Helm's keys in
 * the Go struct's order and its omitempty rules, the lock, every template (NOTES.txt and partials too),
 * the default values, the schema and the other files as base64, as Go encodes []byte. Subcharts are not
 * stored (Helm's Chart.dependencies has no JSON tag), so neither are they here.
 */
import { base64Encode } from "../core/bytes.ts";
import type { Chart, ChartDependency } from "../helm/chart.ts";
import type { StoredChart } from "../helm/release-codec.ts";

/** Chart.Metadata's JSON keys in the order Go writes them; all are omitempty. */
const METADATA_KEYS = [
  "name",
  "home",
  "sources",
  "version",
  "description",
  "keywords",
  "maintainers",
  "icon",
  "apiVersion",
  "condition",
  "tags",
  "appVersion",
  "deprecated",
  "annotations",
  "kubeVersion",
  "dependencies",
  "type",
] as const;

/** Dependency's JSON keys in Go's order; name and repository are always written. */
const DEPENDENCY_KEYS = ["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias"] as const;
const ALWAYS = new Set(["name", "repository"]);

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === "" || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);

function pick(source: Record<string, unknown>, keys: readonly string[], always: Set<string> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = source[k];
    if (always.has(k)) out[k] = v ?? "";
    else if (!isEmpty(v)) out[k] = v;
  }
  return out;
}

export function storedChart(chart: Chart): StoredChart {
  const metadata = pick(chart.metadata, METADATA_KEYS);
  if (Array.isArray(metadata.dependencies)) metadata.dependencies = (metadata.dependencies as ChartDependency[]).map((d) => pick(d, DEPENDENCY_KEYS, ALWAYS));
  const file = (f: { name: string; data: Uint8Array }) => ({ name: f.name, data: base64Encode(f.data) });
  return {
    metadata,
    lock: chart.lock ?? null,
    templates: chart.templates.map(file),
    values: chart.values,
    schema: chart.schema ? base64Encode(chart.schema) : null,
    // Go writes a zero time.Time for a chart loaded without modification times.
    schemamodtime: "0001-01-01T00:00:00Z",
    files: chart.files.map(file),
  };
}
