/**
 * HelmChart (source.toolkit.fluxcd.io/v1): one chart version from a HelmRepository (or a chart directory
 * in a GitRepository or Bucket), packaged as a .tgz artifact with its values files merged in. Schema
 * follows Flux's CRD of the same version, with its CEL rule as a runtime check.
 */
import { s, type Infer } from "./schema.ts";
import { artifact, duration, localObjectReference, ociVerification, reconciledStatus, suspendField } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_V1, defineKind } from "./kind.ts";

export const HELM_CHART_SOURCE_KINDS = ["HelmRepository", "GitRepository", "Bucket"] as const;

type Spec = Record<string, unknown> & { sourceRef?: { kind?: unknown } };

export const helmChartSpec = s.object(
  {
    chart: s.string({ description: "Chart name in the repository, or the chart's path in a Git or Bucket source." }),
    ignoreMissingValuesFiles: s.optional(s.boolean({ description: "Skip valuesFiles that do not exist instead of failing." })),
    interval: duration("How often the source is checked for a new chart."),
    reconcileStrategy: s.optional(
      s.enum(["ChartVersion", "Revision"], {
        description: "What makes a new artifact: a new chart version, or any new source revision (Git, Bucket).",
        default: "ChartVersion",
      }),
    ),
    sourceRef: s.object(
      {
        apiVersion: s.optional(s.string({ description: "API version of the source." })),
        kind: s.enum(HELM_CHART_SOURCE_KINDS, { description: "Kind of the source." }),
        name: s.string({ description: "Name of the source, in the same namespace." }),
      },
      { description: "The source the chart comes from." },
    ),
    suspend: suspendField,
    valuesFiles: s.optional(
      s.array(s.string(), { description: "Values files in the chart's source, merged in order and packaged as values.yaml." }),
    ),
    verify: ociVerification("Signature verification of an OCI chart."),
    version: s.optional(
      s.string({ description: "SemVer version or range of the chart (HelmRepository sources only).", default: "*" }),
    ),
  },
  {
    description: "Desired state of a HelmChart.",
    rules: [
      {
        cel: "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
        message: "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
        holds: (self) => self.verify === undefined || (self as Spec).sourceRef?.kind === "HelmRepository",
      },
    ],
  },
);

export const helmChartStatus = reconciledStatus("HelmChart", {
  artifact: s.optional(artifact("The packaged chart of the last successful reconciliation.")),
  observedChartName: s.optional(s.string({ description: "Name of the chart the last reconciliation resolved." })),
  observedSourceArtifactRevision: s.optional(s.string({ description: "Revision of the source artifact last used." })),
  observedValuesFiles: s.optional(s.array(s.string(), { description: "Values files merged into the current artifact." })),
  url: s.optional(s.string({ description: "Address of the latest chart artifact; best effort, prefer artifact." })),
});

export type HelmChartSpec = Infer<typeof helmChartSpec>;
export type HelmChartStatus = Infer<typeof helmChartStatus>;

export const helmChartKind = defineKind(
  SOURCE_V1,
  {
    kind: "HelmChart",
    plural: "helmcharts",
    shortNames: ["hc"],
    printerColumns: [
      { jsonPath: ".spec.chart", name: "Chart", type: "string" },
      { jsonPath: ".spec.version", name: "Version", type: "string" },
      { jsonPath: ".spec.sourceRef.kind", name: "Source Kind", type: "string" },
      { jsonPath: ".spec.sourceRef.name", name: "Source Name", type: "string" },
      AGE_COLUMN,
      ...READY_COLUMNS,
    ],
    description: "A Helm chart from a source, packaged into an artifact.",
  },
  helmChartSpec,
  helmChartStatus,
);
export type HelmChart = Infer<typeof helmChartKind.schema>;
