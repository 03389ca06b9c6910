/**
 * HelmRepository (source.toolkit.fluxcd.io/v1): a Helm chart repository. `type: default` is an HTTP(S)
 * repository whose index.yaml becomes the artifact; `type: oci` is a registry that HelmCharts pull from
 * directly, with no artifact. Schema follows Flux's CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { accessFromField, artifact, duration, localObjectReference, reconciledStatus, suspendField, timeout } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_V1, defineKind } from "./kind.ts";

export const helmRepositorySpec = s.object(
  {
    accessFrom: accessFromField,
    certSecretRef: s.optional(
      localObjectReference("Secret with TLS material (tls.crt, tls.key, ca.crt); wins over the same keys in secretRef."),
    ),
    insecure: s.optional(s.boolean({ description: "Allow plain HTTP to an OCI registry (type oci only)." })),
    interval: s.optional(duration("How often the repository index is checked for updates.")),
    passCredentials: s.optional(
      s.boolean({ description: "Send the secretRef credentials to chart URLs on other hosts than the repository's." }),
    ),
    provider: s.optional(
      s.enum(["generic", "aws", "azure", "gcp"], { description: "Authentication provider (type oci only).", default: "generic" }),
    ),
    secretRef: s.optional(
      localObjectReference("Secret with basic auth (username, password); its TLS keys (certFile, keyFile, caFile) are deprecated."),
    ),
    suspend: suspendField,
    timeout: s.optional(timeout("Timeout for fetching the index, and for OCI chart pulls; 60s when unset.")),
    type: s.optional(s.enum(["default", "oci"], { description: "HTTP(S) index repository or OCI registry ('oci://' URL)." })),
    url: s.string({ description: "Repository address with scheme: http(s):// or oci://.", pattern: "^(http|https|oci)://.*$" }),
  },
  { description: "Desired state of a HelmRepository." },
);

export const helmRepositoryStatus = reconciledStatus("HelmRepository", {
  artifact: s.optional(artifact("The index of the last successful reconciliation.")),
  url: s.optional(s.string({ description: "Address of the latest index artifact; best effort, prefer artifact." })),
});

export type HelmRepositorySpec = Infer<typeof helmRepositorySpec>;
export type HelmRepositoryStatus = Infer<typeof helmRepositoryStatus>;

export const helmRepositoryKind = defineKind(
  SOURCE_V1,
  {
    kind: "HelmRepository",
    plural: "helmrepositories",
    shortNames: ["helmrepo"],
    printerColumns: [{ jsonPath: ".spec.url", name: "URL", type: "string" }, AGE_COLUMN, ...READY_COLUMNS],
    description: "A Helm chart repository whose index becomes an artifact.",
  },
  helmRepositorySpec,
  helmRepositoryStatus,
);
export type HelmRepository = Infer<typeof helmRepositoryKind.schema>;
