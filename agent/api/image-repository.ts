/**
 * ImageRepository (image.toolkit.fluxcd.io/v1): a container image repository whose tags are scanned
 * every interval, for ImagePolicies to choose from. Schema follows Flux's CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { accessFromField, duration, localObjectReference, proxySecretRefField, reconciledStatus, suspendField, timeout } from "./common.ts";
import { AGE_COLUMN, IMAGE_V1, READY_COLUMNS, defineKind } from "./kind.ts";

/** Cosign signature tags are not images to deploy. */
export const DEFAULT_EXCLUSION_LIST = ["^.*\\.sig$"];

export const imageRepositorySpec = s.object(
  {
    accessFrom: accessFromField,
    certSecretRef: s.optional(localObjectReference("Secret with TLS material (tls.crt, tls.key, ca.crt) for the registry.")),
    exclusionList: s.optional(
      s.array(s.string(), {
        description: "Go regular expressions; tags matching any of them are left out of the scan.",
        default: DEFAULT_EXCLUSION_LIST,
        maxItems: 25,
      }),
    ),
    image: s.string({ description: "Image name without tag or digest, e.g. ghcr.io/org/app." }),
    insecure: s.optional(s.boolean({ description: "Allow plain HTTP to the registry." })),
    interval: duration("How often the registry is scanned for tags."),
    provider: s.optional(
      s.enum(["generic", "aws", "azure", "gcp"], { description: "Authentication provider.", default: "generic" }),
    ),
    proxySecretRef: proxySecretRefField,
    secretRef: s.optional(localObjectReference("Secret of type kubernetes.io/dockerconfigjson with registry credentials.")),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount whose image pull secrets are used.", maxLength: 253 })),
    suspend: suspendField,
    timeout: s.optional(timeout("Timeout for a scan; the interval when unset.")),
  },
  { description: "Desired state of an ImageRepository." },
);

export const scanResult = s.object(
  {
    latestTags: s.optional(s.array(s.string(), { description: "The newest tags, at most ten, in descending sort order." })),
    revision: s.optional(s.string({ description: "Digest of the scanned tag list." })),
    scanTime: s.optional(s.string({ description: "When the scan finished.", format: "date-time" })),
    tagCount: s.integer({ description: "Number of tags kept after the exclusion list." }),
  },
  { description: "The result of the last successful scan." },
);

export const imageRepositoryStatus = reconciledStatus("ImageRepository", {
  canonicalImageName: s.optional(s.string({ description: "The fully qualified image name, e.g. index.docker.io/library/alpine." })),
  lastScanResult: s.optional(scanResult),
  observedExclusionList: s.optional(s.array(s.string(), { description: "Exclusion list of the last scan." })),
});

export type ImageRepositorySpec = Infer<typeof imageRepositorySpec>;
export type ImageRepositoryStatus = Infer<typeof imageRepositoryStatus>;
export type ScanResult = Infer<typeof scanResult>;

export const imageRepositoryKind = defineKind(
  IMAGE_V1,
  {
    kind: "ImageRepository",
    plural: "imagerepositories",
    shortNames: ["imgrepo", "imagerepo"],
    printerColumns: [
      { jsonPath: ".spec.image", name: "Image", type: "string" },
      { jsonPath: ".status.lastScanResult.tagCount", name: "Tags", type: "string" },
      ...READY_COLUMNS,
      { jsonPath: ".status.lastScanResult.scanTime", name: "Last scan", priority: 1, type: "string" },
      AGE_COLUMN,
    ],
    description: "A container image repository whose tags are scanned.",
  },
  imageRepositorySpec,
  imageRepositoryStatus,
);
export type ImageRepository = Infer<typeof imageRepositoryKind.schema>;
