/**
 * Bucket (source.toolkit.fluxcd.io/v1): objects under a prefix of an S3-compatible, GCS or Azure bucket,
 * turned into a tar.gz artifact. Schema follows Flux's CRD of the same version, with its CEL rules as
 * runtime checks.
 */
import { s, type Infer } from "./schema.ts";
import { duration, localObjectReference, proxySecretRefField, sourceIgnoreField, sourceStatus, suspendField, timeout } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_V1, defineKind } from "./kind.ts";

type Spec = Record<string, unknown> & { provider?: unknown; sts?: { provider?: unknown; secretRef?: unknown; certSecretRef?: unknown } };
const sts = (self: Record<string, unknown>) => (self as Spec).sts;

export const bucketSpec = s.object(
  {
    bucketName: s.string({ description: "Name of the bucket." }),
    certSecretRef: s.optional(localObjectReference("Secret with TLS material (tls.crt, tls.key, ca.crt) for the endpoint.")),
    endpoint: s.string({ description: "Host (and port) of the bucket service, without scheme." }),
    ignore: sourceIgnoreField,
    insecure: s.optional(s.boolean({ description: "Use plain HTTP to the endpoint." })),
    interval: duration("How often the bucket is checked for updates."),
    prefix: s.optional(s.string({ description: "Only objects whose keys start with this prefix are fetched." })),
    provider: s.optional(
      s.enum(["generic", "aws", "gcp", "azure"], { description: "Bucket service and authentication.", default: "generic" }),
    ),
    proxySecretRef: proxySecretRefField,
    region: s.optional(s.string({ description: "Region of the bucket." })),
    secretRef: s.optional(localObjectReference("Secret with credentials for the bucket (accesskey, secretkey for generic).")),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount for workload identity (not for generic)." })),
    sts: s.optional(
      s.object(
        {
          certSecretRef: s.optional(localObjectReference("Secret with TLS material for the STS endpoint.")),
          endpoint: s.string({ description: "Address of the security token service.", pattern: "^(http|https)://.*$" }),
          provider: s.enum(["aws", "ldap"], { description: "Security token service flavour." }),
          secretRef: s.optional(localObjectReference("Secret with credentials for the STS endpoint (ldap).")),
        },
        { description: "Security token service that issues temporary credentials." },
      ),
    ),
    suspend: suspendField,
    timeout: s.optional(timeout("Timeout for bucket operations.", "60s")),
  },
  {
    description: "Desired state of a Bucket.",
    rules: [
      {
        cel: "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        message: "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
        holds: (self) => self.provider === "aws" || self.provider === "generic" || sts(self) === undefined,
      },
      {
        cel: "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        message: "'aws' is the only supported STS provider for the 'aws' Bucket provider",
        holds: (self) => self.provider !== "aws" || sts(self) === undefined || sts(self)?.provider === "aws",
      },
      {
        cel: "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        message: "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
        holds: (self) => self.provider !== "generic" || sts(self) === undefined || sts(self)?.provider === "ldap",
      },
      {
        cel: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
        message: "spec.sts.secretRef is not required for the 'aws' STS provider",
        holds: (self) => sts(self) === undefined || sts(self)?.provider !== "aws" || sts(self)?.secretRef === undefined,
      },
      {
        cel: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
        message: "spec.sts.certSecretRef is not required for the 'aws' STS provider",
        holds: (self) => sts(self) === undefined || sts(self)?.provider !== "aws" || sts(self)?.certSecretRef === undefined,
      },
      {
        cel: "self.provider != 'generic' || !has(self.serviceAccountName)",
        message: "ServiceAccountName is not supported for the 'generic' Bucket provider",
        holds: (self) => self.provider !== "generic" || self.serviceAccountName === undefined,
      },
      {
        cel: "!has(self.secretRef) || !has(self.serviceAccountName)",
        message: "cannot set both .spec.secretRef and .spec.serviceAccountName",
        holds: (self) => self.secretRef === undefined || self.serviceAccountName === undefined,
      },
    ],
  },
);

export const bucketStatus = sourceStatus("Bucket", {
  url: s.optional(s.string({ description: "Deprecated: address of the latest artifact." })),
});

export type BucketSpec = Infer<typeof bucketSpec>;
export type BucketStatus = Infer<typeof bucketStatus>;

export const bucketKind = defineKind(
  SOURCE_V1,
  {
    kind: "Bucket",
    plural: "buckets",
    printerColumns: [{ jsonPath: ".spec.endpoint", name: "Endpoint", type: "string" }, AGE_COLUMN, ...READY_COLUMNS],
    description: "Objects in a storage bucket fetched into an artifact.",
  },
  bucketSpec,
  bucketStatus,
);
export type Bucket = Infer<typeof bucketKind.schema>;
