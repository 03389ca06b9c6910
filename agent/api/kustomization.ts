/**
 * Kustomization (kustomize.toolkit.fluxcd.io/v1): build a path of a source artifact with kustomize,
 * substitute and decrypt, apply with server-side apply, prune and health-check. Schema follows Flux's
 * CRD of the same version, with its CEL rules as runtime checks.
 *
 * Limits: defaults that Flux computes in the controller (timeout = interval - 30s with a 30s floor,
 * retryInterval = interval) are not schema defaults and are not filled by applyDefaults().
 */
import { s, DURATION_PATTERN, type Infer } from "./schema.ts";
import { duration, localObjectReference, reconciledStatus, secretKeyReference, suspendField } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, KUSTOMIZE_V1, defineKind } from "./kind.ts";

/** kustomize's resource selector, used by patches and drift-ignore rules (HelmRelease's too). */
export const kustomizeSelector = (description: string) =>
  s.object(
    {
      annotationSelector: s.optional(s.string({ description: "Kubernetes annotation selector expression." })),
      group: s.optional(s.string({ description: "API group of the objects." })),
      kind: s.optional(s.string({ description: "Kind of the objects." })),
      labelSelector: s.optional(s.string({ description: "Kubernetes label selector expression." })),
      name: s.optional(s.string({ description: "Name of the objects (a regular expression)." })),
      namespace: s.optional(s.string({ description: "Namespace of the objects." })),
      version: s.optional(s.string({ description: "API version of the objects." })),
    },
    { description },
  );

/** Labels and annotations added to every object (Kustomization and HelmRelease). */
export const commonMetadata = s.object(
  {
    annotations: s.optional(s.map(s.string(), { description: "Annotations added to every object." })),
    labels: s.optional(s.map(s.string(), { description: "Labels added to every object." })),
  },
  { description: "Labels and annotations added to every applied object." },
);

/** An object that must be ready first, with an optional CEL readiness expression. */
export const dependencyReference = s.object({
  name: s.string({ description: "Name of the object." }),
  namespace: s.optional(s.string({ description: "Namespace of the object; the referrer's when unset." })),
  readyExpr: s.optional(s.string({ description: "CEL expression over self and dep that decides readiness." })),
});

/** Connection to a remote cluster, with Flux's exactly-one-of rule (Kustomization and HelmRelease). */
export const kubeConfigReference = s.object(
  {
    configMapRef: s.optional(localObjectReference("ConfigMap with a provider-based cluster connection.")),
    secretRef: s.optional(secretKeyReference("Secret with a kubeconfig (key value or value.yaml by default).")),
  },
  {
    description: "Connection to a remote cluster to apply to.",
    rules: [
      {
        cel: "has(self.configMapRef) || has(self.secretRef)",
        message: "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
        holds: (self) => self.configMapRef !== undefined || self.secretRef !== undefined,
      },
      {
        cel: "!has(self.configMapRef) || !has(self.secretRef)",
        message: "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
        holds: (self) => self.configMapRef === undefined || self.secretRef === undefined,
      },
    ],
  },
);

/** A CEL health check for a custom resource (Kustomization and HelmRelease). */
export const healthCheckExpr = s.object({
  apiVersion: s.string({ description: "API version of the custom resource." }),
  current: s.string({ description: "CEL expression true when the object is healthy." }),
  failed: s.optional(s.string({ description: "CEL expression true when the object has failed." })),
  inProgress: s.optional(s.string({ description: "CEL expression true while the object is progressing." })),
  kind: s.optional(s.string({ description: "Kind of the custom resource." })),
});

/** Fields to leave alone when detecting drift (Kustomization and HelmRelease). */
export const driftIgnoreRule = s.object({
  paths: s.array(s.string(), { description: "JSON pointers of fields to ignore." }),
  target: s.optional(kustomizeSelector("Objects the paths apply to; all when unset.")),
});

/** An image override, as in a kustomization.yaml. */
export const kustomizeImage = s.object({
  digest: s.optional(s.string({ description: "Digest to use; wins over newTag." })),
  name: s.string({ description: "Image name to match." }),
  newName: s.optional(s.string({ description: "Replacement image name." })),
  newTag: s.optional(s.string({ description: "Replacement tag." })),
});

/** A strategic merge or JSON 6902 patch with its target. */
export const kustomizePatch = s.object({
  patch: s.string({ description: "Strategic merge or JSON 6902 patch, inline." }),
  target: s.optional(kustomizeSelector("Objects the patch applies to.")),
});

export const kustomizationSpec = s.object(
  {
    buildMetadata: s.optional(
      s.array(s.enum(["originAnnotations", "transformerAnnotations"]), {
        description: "kustomize build metadata to add to the objects as annotations.",
      }),
    ),
    commonMetadata: s.optional(commonMetadata),
    components: s.optional(s.array(s.string(), { description: "Local kustomize components (relative paths) to include." })),
    decryption: s.optional(
      s.object(
        {
          provider: s.enum(["sops"], { description: "Decryption provider; only sops exists." }),
          secretRef: s.optional(localObjectReference("Secret with decryption keys (*.agekey, *.asc, sops.* keys).")),
          serviceAccountName: s.optional(s.string({ description: "ServiceAccount for KMS workload identity." })),
        },
        { description: "Decryption of SOPS-encrypted manifests." },
      ),
    ),
    deletionPolicy: s.optional(
      s.enum(["MirrorPrune", "Delete", "WaitForTermination", "Orphan"], {
        description: "What happens to applied objects when the Kustomization is deleted; MirrorPrune follows prune.",
      }),
    ),
    dependsOn: s.optional(
      s.array(dependencyReference, { description: "Kustomizations that must be ready before this one is applied." }),
    ),
    force: s.optional(s.boolean({ description: "Recreate objects whose immutable fields changed.", default: false })),
    healthCheckExprs: s.optional(
      s.array(healthCheckExpr, { description: "CEL health checks for custom resources." }),
    ),
    healthChecks: s.optional(
      s.array(
        s.object({
          apiVersion: s.optional(s.string({ description: "API version of the object." })),
          kind: s.string({ description: "Kind of the object." }),
          name: s.string({ description: "Name of the object." }),
          namespace: s.optional(s.string({ description: "Namespace of the object." })),
        }),
        { description: "Objects whose health is checked after apply; ignored when wait is set." },
      ),
    ),
    ignore: s.optional(
      s.array(driftIgnoreRule, { description: "Fields of applied objects to leave alone when detecting drift." }),
    ),
    ignoreMissingComponents: s.optional(s.boolean({ description: "Skip components that do not exist instead of failing." })),
    images: s.optional(
      s.array(kustomizeImage, { description: "Image overrides, as in a kustomization.yaml." }),
    ),
    interval: duration("How often the source is reconciled and drift corrected."),
    kubeConfig: s.optional(kubeConfigReference),
    namePrefix: s.optional(s.string({ description: "Prefix added to every object name.", minLength: 1, maxLength: 200 })),
    nameSuffix: s.optional(s.string({ description: "Suffix added to every object name.", minLength: 1, maxLength: 200 })),
    patches: s.optional(
      s.array(kustomizePatch, { description: "Patches applied to the built objects." }),
    ),
    path: s.optional(s.string({ description: "Directory of the artifact to build; the artifact root when unset." })),
    postBuild: s.optional(
      s.object(
        {
          substitute: s.optional(s.map(s.string(), { description: "Variables for ${var} substitution; win over substituteFrom." })),
          substituteFrom: s.optional(
            s.array(
              s.object({
                kind: s.enum(["Secret", "ConfigMap"], { description: "Kind of the object holding variables." }),
                name: s.string({ description: "Name of the object, in the same namespace.", minLength: 1, maxLength: 253 }),
                optional: s.optional(s.boolean({ description: "Do not fail when the object is missing.", default: false })),
              }),
              { description: "ConfigMaps and Secrets holding variables; later entries win." },
            ),
          ),
          substituteStrategy: s.optional(
            s.enum(["WithVariables", "Always"], { description: "Substitute only when variables exist, or always." }),
          ),
        },
        { description: "Variable substitution after the build." },
      ),
    ),
    prune: s.boolean({ description: "Delete objects that were applied before and are gone from the build." }),
    retryInterval: s.optional(s.string({ description: "Interval between retries after a failure; interval when unset.", pattern: DURATION_PATTERN })),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount to impersonate for apply, prune and health checks." })),
    sourceRef: s.object(
      {
        apiVersion: s.optional(s.string({ description: "API version of the source." })),
        kind: s.enum(["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"], { description: "Kind of the source." }),
        name: s.string({ description: "Name of the source." }),
        namespace: s.optional(s.string({ description: "Namespace of the source; the referrer's when unset." })),
      },
      { description: "The source whose artifact is built." },
    ),
    suspend: suspendField,
    targetNamespace: s.optional(s.string({ description: "Namespace set on every namespaced object.", minLength: 1, maxLength: 63 })),
    timeout: s.optional(s.string({ description: "Timeout for build, apply and health checks.", pattern: DURATION_PATTERN })),
    wait: s.optional(s.boolean({ description: "Wait for every applied object to become ready." })),
  },
  { description: "Desired state of a Kustomization." },
);

/** The objects a Kustomization or HelmRelease manages, by id and API version. */
export const resourceInventory = (description: string) =>
  s.object(
    {
      entries: s.array(
        s.object({
          id: s.string({ description: "Object id '<namespace>_<name>_<group>_<kind>'." }),
          v: s.string({ description: "API version of the object." }),
        }),
        { description: "Managed objects." },
      ),
    },
    { description },
  );

export const kustomizationStatus = reconciledStatus("Kustomization", {
  history: s.optional(
    s.array(
      s.object({
        digest: s.string({ description: "Digest of the rendered manifests." }),
        firstReconciled: s.string({ description: "When this digest was first reconciled.", format: "date-time" }),
        lastReconciled: s.string({ description: "When this digest was last reconciled.", format: "date-time" }),
        lastReconciledDuration: s.string({ description: "How long the last reconciliation took." }),
        lastReconciledStatus: s.string({ description: "Result of the last reconciliation." }),
        metadata: s.optional(s.map(s.string(), { description: "Revisions and other details." })),
        totalReconciliations: s.integer({ description: "Reconciliations of this digest.", format: "int64" }),
      }),
      { description: "Recent reconciliations, newest first." },
    ),
  ),
  inventory: s.optional(resourceInventory("Objects applied by the last successful reconciliation.")),
  lastAppliedOriginRevision: s.optional(s.string({ description: "Origin revision (OCI annotation) of the last applied artifact." })),
  lastAppliedRevision: s.optional(s.string({ description: "Revision of the last applied artifact." })),
  lastAttemptedRevision: s.optional(s.string({ description: "Revision of the last attempted artifact." })),
});

export type KustomizationSpec = Infer<typeof kustomizationSpec>;
export type KustomizationStatus = Infer<typeof kustomizationStatus>;

export const kustomizationKind = defineKind(
  KUSTOMIZE_V1,
  {
    kind: "Kustomization",
    plural: "kustomizations",
    shortNames: ["ks"],
    printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    description: "A kustomize build of a source, applied and kept in sync.",
  },
  kustomizationSpec,
  kustomizationStatus,
);
export type Kustomization = Infer<typeof kustomizationKind.schema>;
