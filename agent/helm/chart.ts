/**
 * A loaded Helm chart as the rest of the engine sees it: Chart.yaml's metadata, the templates to render,
 * the CRDs kept apart (never templated), the default values, the raw values.schema.json, every other file
 * (for `.Files`), and the subcharts found in `charts/`. Field names follow Helm's chart.Metadata JSON keys
 * so a chart reads the same here as in a stored release. Loading lives in chart-loader.ts.
 */

/** One `dependencies:` entry of Chart.yaml (or requirements.yaml for apiVersion v1). */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  "import-values"?: unknown[];
  alias?: string;
  [extra: string]: unknown;
}

export interface ChartMetadata {
  apiVersion: "v1" | "v2" | "v3";
  name: string;
  version: string;
  type?: "application" | "library" | "";
  condition?: string;
  tags?: string;
  appVersion?: string;
  kubeVersion?: string;
  description?: string;
  dependencies?: ChartDependency[] | null;
  [extra: string]: unknown;
}

export interface ChartFile {
  /** Path inside the chart, slash-separated: `templates/deploy.yaml`, `crds/a.yaml`, `README.md`. */
  name: string;
  data: Uint8Array;
}

export type Values = Record<string, unknown>;

export interface Chart {
  metadata: ChartMetadata;
  lock?: Record<string, unknown>;
  /** Files under templates/, in path order (partials and NOTES.txt included: the renderer picks). */
  templates: ChartFile[];
  /** Files under crds/: applied as they are, never templated. */
  crds: ChartFile[];
  /** values.yaml parsed; {} when the chart has none. */
  values: Values;
  /** values.schema.json as bytes; values-schema.ts validates values against it. */
  schema?: Uint8Array;
  /** Every other file (README, LICENSE, files/..., crds/ too, as Helm's `.Files` holds them). */
  files: ChartFile[];
  /** Subcharts from charts/, loaded recursively. */
  dependencies: Chart[];
}

export function isLibrary(chart: Chart): boolean {
  return chart.metadata.type === "library";
}
