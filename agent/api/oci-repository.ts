/**
 * OCIRepository (source.toolkit.fluxcd.io/v1): an OCI artifact (tag, semver range or digest) whose layer
 * becomes a tar.gz artifact. Schema follows Flux's CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { duration, localObjectReference, ociVerification, proxySecretRefField, sourceIgnoreField, sourceStatus, suspendField, timeout } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_V1, defineKind } from "./kind.ts";

const layerSelector = (description: string) =>
  s.object(
    {
      mediaType: s.optional(s.string({ description: "Media type of the layer to use; the first layer when unset." })),
      operation: s.optional(
        s.enum(["extract", "copy"], { description: "Extract the tar+gzip layer (default) or copy it as it is." }),
      ),
    },
    { description },
  );

export const ociRepositorySpec = s.object(
  {
    certSecretRef: s.optional(localObjectReference("Secret with TLS material (tls.crt, tls.key, ca.crt) for the registry.")),
    ignore: sourceIgnoreField,
    insecure: s.optional(s.boolean({ description: "Allow plain HTTP to the registry." })),
    interval: duration("How often the registry is checked for updates."),
    layerSelector: s.optional(layerSelector("Which layer of the artifact to use and how.")),
    provider: s.optional(
      s.enum(["generic", "aws", "azure", "gcp"], { description: "Authentication provider.", default: "generic" }),
    ),
    proxySecretRef: proxySecretRefField,
    ref: s.optional(
      s.object(
        {
          digest: s.optional(s.string({ description: "Manifest digest; wins over semver and tag." })),
          semver: s.optional(s.string({ description: "SemVer range over tags; wins over tag." })),
          semverFilter: s.optional(s.string({ description: "Regular expression that tags must match before the semver range applies." })),
          tag: s.optional(s.string({ description: "Tag to pull; 'latest' when nothing is set." })),
        },
        { description: "The artifact version to pull." },
      ),
    ),
    secretRef: s.optional(localObjectReference("Secret of type kubernetes.io/dockerconfigjson with registry credentials.")),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount whose image pull secrets are used." })),
    suspend: suspendField,
    timeout: s.optional(timeout("Timeout for registry operations.", "60s")),
    url: s.string({ description: "Repository address, oci://host[:port]/path, without tag or digest.", pattern: "^oci://.*$" }),
    verify: ociVerification("Signature verification of the artifact.", { trustedRootSecretRef: s.optional(localObjectReference("Secret with a Sigstore trusted root (trusted_root.json).")) }),
  },
  { description: "Desired state of an OCIRepository." },
);

export const ociRepositoryStatus = sourceStatus("OCIRepository", {
  observedLayerSelector: s.optional(layerSelector("Layer selector used for the current artifact.")),
  url: s.optional(s.string({ description: "Deprecated: address of the latest artifact." })),
});

export type OCIRepositorySpec = Infer<typeof ociRepositorySpec>;
export type OCIRepositoryStatus = Infer<typeof ociRepositoryStatus>;

export const ociRepositoryKind = defineKind(
  SOURCE_V1,
  {
    kind: "OCIRepository",
    plural: "ocirepositories",
    shortNames: ["ocirepo"],
    printerColumns: [{ jsonPath: ".spec.url", name: "URL", type: "string" }, ...READY_COLUMNS, AGE_COLUMN],
    description: "An OCI artifact fetched into an artifact.",
  },
  ociRepositorySpec,
  ociRepositoryStatus,
);
export type OCIRepository = Infer<typeof ociRepositoryKind.schema>;
