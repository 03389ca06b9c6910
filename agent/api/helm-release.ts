/**
 * HelmRelease (helm.toolkit.fluxcd.io/v2): a Helm chart installed, upgraded, tested and remediated as
 * one release. Schema follows Flux 2.9's CRD (helm-controller v1.6), which accepts every v2 manifest
 * that Flux 2.7 and 2.8 accept; its CEL rules are runtime checks. Status is what helm-controller writes:
 * release history snapshots, failure counters and the lastAttempted* fields.
 *
 * Limits: defaults that helm-controller computes in code rather than in its CRD (maxHistory 5, timeout
 * 5m, retryInterval 5m, remediation defaults, releaseName) are not schema defaults; reconcile/ computes
 * them (helm-release-*.ts).
 */
import { s, DURATION_PATTERN, type Infer } from "./schema.ts";
import { duration, localObjectReference, reconciledStatus, suspendField } from "./common.ts";
import { AGE_COLUMN, HELM_V2, READY_COLUMNS, defineKind } from "./kind.ts";
import {
  commonMetadata,
  dependencyReference,
  driftIgnoreRule,
  healthCheckExpr,
  kubeConfigReference,
  kustomizeImage,
  kustomizePatch,
  resourceInventory,
} from "./kustomization.ts";

const optionalDuration = (description: string) => s.optional(s.string({ description, pattern: DURATION_PATTERN }));
const flag = (description: string) => s.optional(s.boolean({ description }));
const crdsPolicy = (description: string) => s.optional(s.enum(["Skip", "Create", "CreateReplace"], { description }));
const serverSideApplyMode = (description: string) => s.optional(s.enum(["enabled", "disabled", "auto"], { description }));
const name253 = (description: string) => s.string({ description, minLength: 1, maxLength: 253 });
const namespace63 = (description: string) => s.optional(s.string({ description, minLength: 1, maxLength: 63 }));

/** `.name` of an install or upgrade strategy, with Flux's rule on retryInterval. */
const actionStrategy = (action: "install" | "upgrade") =>
  s.optional(
    s.object(
      {
        name: s.enum(["RemediateOnFailure", "RetryOnFailure"], { description: "RemediateOnFailure applies the remediation; RetryOnFailure retries." }),
        retryInterval: optionalDuration("Time between retries of a failed release with RetryOnFailure; 5m when unset."),
      },
      {
        description: `Strategy of the ${action} action; RemediateOnFailure when unset.`,
        rules: [
          action === "install"
            ? {
                cel: "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
                message: ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
                holds: (self) => self.retryInterval === undefined || self.name !== "RemediateOnFailure",
              }
            : {
                cel: "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
                message: ".retryInterval can only be set when .name is 'RetryOnFailure'",
                holds: (self) => self.retryInterval === undefined || self.name === "RetryOnFailure",
              },
        ],
      },
    ),
  );

const remediationFields = {
  ignoreTestFailures: flag("Do not remediate after a failed test; test.ignoreFailures when unset."),
  retries: s.optional(s.integer({ description: "Retries before giving up, with a remediation between attempts; negative is unbounded; 0 when unset." })),
};

/** The fields install and upgrade share besides timeout, strategy and remediation. */
const actionFlags = (action: "install" | "upgrade") => ({
  disableHooks: flag(`Do not run chart hooks during the ${action}.`),
  disableOpenAPIValidation: flag("Do not validate rendered objects against the Kubernetes OpenAPI schema."),
  disableSchemaValidation: flag("Do not validate values against the chart's JSON schema."),
  disableTakeOwnership: flag("Do not take over objects that exist but belong to no release."),
  disableWait: flag(`Do not wait for objects to be ready after the ${action}.`),
  disableWaitForJobs: flag("Do not wait for Jobs to complete."),
  timeout: optionalDuration(`Time allowed for each Kubernetes operation of the ${action}; spec.timeout when unset.`),
});

const install = s.object(
  {
    ...actionFlags("install"),
    createNamespace: flag("Create the target namespace when it does not exist."),
    crds: crdsPolicy("What to do with the chart's crds/ on install; Create when unset."),
    remediation: s.optional(
      s.object(
        {
          ...remediationFields,
          remediateLastFailure: flag("Remediate (uninstall) the last failure when no retries remain; false when unset."),
        },
        { description: "What happens after a failed install." },
      ),
    ),
    replace: flag("Reuse the name of a release that was uninstalled with its history kept."),
    serverSideApply: flag("Apply with server-side apply; true when unset."),
    skipCRDs: flag("Deprecated: use crds: Skip."),
    strategy: actionStrategy("install"),
  },
  { description: "How the release is installed." },
);

const upgrade = s.object(
  {
    ...actionFlags("upgrade"),
    chartNameChangeStrategy: s.optional(
      s.enum(["InPlaceUpdate", "Reinstall"], { description: "What happens when the chart's name changes; Reinstall when unset." }),
    ),
    cleanupOnFail: flag("Delete objects the failed upgrade created."),
    crds: crdsPolicy("What to do with the chart's crds/ on upgrade; Skip when unset."),
    force: flag("Replace objects to resolve client-side apply conflicts; ignored with server-side apply."),
    preserveValues: flag("Reuse the last release's values, merged with the new ones."),
    remediation: s.optional(
      s.object(
        {
          ...remediationFields,
          remediateLastFailure: flag("Remediate the last failure when no retries remain; true when retries > 0."),
          strategy: s.optional(s.enum(["rollback", "uninstall"], { description: "How a failed upgrade is remediated; rollback when unset." })),
        },
        { description: "What happens after a failed upgrade." },
      ),
    ),
    serverSideApply: serverSideApplyMode("Server-side apply for the upgrade; auto follows the previous release."),
    strategy: actionStrategy("upgrade"),
  },
  { description: "How the release is upgraded." },
);

export const helmReleaseSpec = s.object(
  {
    chart: s.optional(
      s.object(
        {
          metadata: s.optional(
            s.object(
              {
                annotations: s.optional(s.map(s.string(), { description: "Annotations of the generated HelmChart." })),
                labels: s.optional(s.map(s.string(), { description: "Labels of the generated HelmChart." })),
              },
              { description: "Metadata of the generated HelmChart." },
            ),
          ),
          spec: s.object(
            {
              chart: s.string({ description: "Chart name in the repository, or its path in a GitRepository or Bucket.", minLength: 1, maxLength: 2048 }),
              ignoreMissingValuesFiles: flag("Skip valuesFiles that do not exist."),
              interval: optionalDuration("How often the chart is checked; the HelmRelease's interval when unset."),
              reconcileStrategy: s.optional(
                s.enum(["ChartVersion", "Revision"], { description: "What makes a new chart artifact.", default: "ChartVersion" }),
              ),
              sourceRef: s.object(
                {
                  apiVersion: s.optional(s.string({ description: "API version of the source." })),
                  kind: s.enum(["HelmRepository", "GitRepository", "Bucket"], { description: "Kind of the source." }),
                  name: name253("Name of the source."),
                  namespace: namespace63("Namespace of the source; the HelmRelease's when unset."),
                },
                { description: "The source the chart comes from." },
              ),
              valuesFiles: s.optional(s.array(s.string(), { description: "Values files of the chart merged in order over values.yaml." })),
              verify: s.optional(
                s.object(
                  {
                    provider: s.enum(["cosign", "notation"], { description: "Signature provider.", default: "cosign" }),
                    secretRef: s.optional(localObjectReference("Secret with the public keys.")),
                  },
                  { description: "Signature verification of OCI charts." },
                ),
              ),
              version: s.optional(s.string({ description: "SemVer range of the chart version.", default: "*" })),
            },
            { description: "Spec of the generated HelmChart." },
          ),
        },
        { description: "Template of the HelmChart to create for this release; exclusive with chartRef." },
      ),
    ),
    chartRef: s.optional(
      s.object(
        {
          apiVersion: s.optional(s.string({ description: "API version of the referent." })),
          kind: s.enum(["OCIRepository", "HelmChart", "ExternalArtifact"], { description: "Kind of the referent." }),
          name: name253("Name of the referent."),
          namespace: namespace63("Namespace of the referent; the HelmRelease's when unset."),
        },
        { description: "An existing chart source; exclusive with chart." },
      ),
    ),
    commonMetadata: s.optional(commonMetadata),
    dependsOn: s.optional(s.array(dependencyReference, { description: "Objects that must be ready before this release is reconciled." })),
    driftDetection: s.optional(
      s.object(
        {
          ignore: s.optional(s.array(driftIgnoreRule, { description: "Fields to leave alone when detecting drift." })),
          mode: s.optional(s.enum(["enabled", "warn", "disabled"], { description: "enabled corrects drift, warn reports it; disabled when unset." })),
        },
        { description: "Detection and correction of changes made to the release's objects in the cluster." },
      ),
    ),
    healthCheckExprs: s.optional(s.array(healthCheckExpr, { description: "CEL health checks for custom resources." })),
    install: s.optional(install),
    interval: duration("How often the release is reconciled."),
    kubeConfig: s.optional(kubeConfigReference),
    maxHistory: s.optional(s.integer({ description: "Release revisions kept in storage; 5 when unset, 0 keeps all." })),
    persistentClient: flag("Reuse one Kubernetes client for the reconciliation; true when unset."),
    postRenderStrategy: s.optional(
      s.enum(["nohooks", "combined", "separate"], { description: "Whether hooks go through the post-renderers; combined when unset." }),
    ),
    postRenderers: s.optional(
      s.array(
        s.object(
          {
            kustomize: s.optional(
              s.object(
                {
                  images: s.optional(s.array(kustomizeImage, { description: "Image overrides." })),
                  patches: s.optional(s.array(kustomizePatch, { description: "Patches applied to the rendered objects." })),
                },
                { description: "A kustomize post-renderer." },
              ),
            ),
          },
          { description: "One post-renderer." },
        ),
        { description: "Post-renderers applied to the rendered manifests, in order." },
      ),
    ),
    releaseName: s.optional(
      s.string({ description: "Name of the Helm release; '[targetNamespace-]name' when unset.", minLength: 1, maxLength: 53 }),
    ),
    rollback: s.optional(
      s.object(
        {
          cleanupOnFail: flag("Delete objects the failed rollback created."),
          disableHooks: flag("Do not run chart hooks during the rollback."),
          disableWait: flag("Do not wait for objects to be ready after the rollback."),
          disableWaitForJobs: flag("Do not wait for Jobs to complete."),
          force: flag("Replace objects to resolve client-side apply conflicts."),
          recreate: flag("Restart the release's Pods."),
          serverSideApply: serverSideApplyMode("Server-side apply for the rollback; auto follows the release rolled back to."),
          timeout: optionalDuration("Time allowed for each Kubernetes operation of the rollback; spec.timeout when unset."),
        },
        { description: "How a failed upgrade is rolled back." },
      ),
    ),
    serviceAccountName: s.optional(name253("ServiceAccount to impersonate for every Helm action.")),
    storageNamespace: namespace63("Namespace of the release's storage Secrets; the HelmRelease's when unset."),
    suspend: suspendField,
    targetNamespace: namespace63("Namespace the release is installed into; the HelmRelease's when unset."),
    test: s.optional(
      s.object(
        {
          enable: flag("Run the chart's test hooks after an install or upgrade."),
          filters: s.optional(
            s.array(
              s.object({
                exclude: flag("Skip this test instead of selecting it."),
                name: name253("Name of the test hook."),
              }),
              { description: "Tests to select or skip." },
            ),
          ),
          ignoreFailures: flag("A failed test does not fail the release."),
          timeout: optionalDuration("Time allowed for each test; spec.timeout when unset."),
        },
        { description: "Helm tests run after a release." },
      ),
    ),
    timeout: optionalDuration("Time allowed for each Kubernetes operation of a Helm action; 5m when unset."),
    uninstall: s.optional(
      s.object(
        {
          deletionPropagation: s.optional(
            s.enum(["background", "foreground", "orphan"], { description: "Deletion propagation of the release's objects.", default: "background" }),
          ),
          disableHooks: flag("Do not run chart hooks during the uninstall."),
          disableWait: flag("Do not wait for objects to be deleted."),
          keepHistory: flag("Keep the release's storage Secrets, marked uninstalled."),
          timeout: optionalDuration("Time allowed for each Kubernetes operation of the uninstall; spec.timeout when unset."),
        },
        { description: "How the release is uninstalled." },
      ),
    ),
    upgrade: s.optional(upgrade),
    values: s.optional(s.anyJson({ description: "Values given to the chart; win over valuesFrom except targetPath entries." })),
    valuesFrom: s.optional(
      s.array(
        s.object({
          kind: s.enum(["Secret", "ConfigMap"], { description: "Kind of the object holding values." }),
          literal: flag("Set the value at targetPath as is, like helm --set-literal."),
          name: name253("Name of the object, in the HelmRelease's namespace."),
          optional: flag("Skip the reference when the object or key is missing."),
          targetPath: s.optional(
            s.string({ description: "Path (helm --set syntax) the value is set at; the root when unset.", maxLength: 250, pattern: "^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$" }),
          ),
          valuesKey: s.optional(s.string({ description: "Data key holding the values; values.yaml when unset.", maxLength: 253, pattern: "^[\\-._a-zA-Z0-9]+$" })),
        }),
        { description: "ConfigMaps and Secrets holding values, merged in order under the inline values." },
      ),
    ),
    waitStrategy: s.optional(
      s.object(
        { name: s.enum(["poller", "legacy"], { description: "poller waits with kstatus, legacy as Helm 3 does." }) },
        { description: "How readiness is waited for." },
      ),
    ),
  },
  {
    description: "Desired state of a HelmRelease.",
    rules: [
      {
        cel: "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))",
        message: "either chart or chartRef must be set",
        holds: (self) => (self.chart !== undefined) !== (self.chartRef !== undefined),
      },
    ],
  },
);

const snapshot = s.object(
  {
    action: s.optional(s.string({ description: "Action that made this release: install, upgrade, rollback." })),
    apiVersion: s.optional(s.string({ description: "Version of the snapshot format, v2." })),
    appVersion: s.optional(s.string({ description: "App version of the chart." })),
    chartName: s.string({ description: "Name of the chart." }),
    chartVersion: s.string({ description: "Version of the chart." }),
    configDigest: s.string({ description: "Digest of the release's values." }),
    deleted: s.optional(s.string({ description: "When the release was uninstalled.", format: "date-time" })),
    digest: s.string({ description: "Digest of the release." }),
    firstDeployed: s.string({ description: "When the release was first deployed.", format: "date-time" }),
    lastDeployed: s.string({ description: "When the release was last deployed.", format: "date-time" }),
    name: s.string({ description: "Name of the release." }),
    namespace: s.string({ description: "Namespace of the release." }),
    ociDigest: s.optional(s.string({ description: "Digest of the OCI artifact the chart came from." })),
    status: s.string({ description: "Helm status of the release." }),
    testHooks: s.optional(
      s.map(
        s.object(
          {
            lastCompleted: s.optional(s.string({ description: "When the test last completed.", format: "date-time" })),
            lastStarted: s.optional(s.string({ description: "When the test last started.", format: "date-time" })),
            phase: s.optional(s.string({ description: "Phase of the test: Succeeded, Failed, Running, Unknown." })),
          },
          { description: "Status of one test hook." },
        ),
        { description: "Test hooks of the release by name, as last run." },
      ),
    ),
    version: s.integer({ description: "Revision of the release." }),
  },
  { description: "A Helm release revision as observed." },
);

const int64 = (description: string) => s.optional(s.integer({ description, format: "int64" }));

export const helmReleaseStatus = reconciledStatus("HelmRelease", {
  failures: int64("Failed reconciliations since the last success."),
  helmChart: s.optional(s.string({ description: "'<namespace>/<name>' of the HelmChart made from spec.chart." })),
  history: s.optional(s.array(snapshot, { description: "Release revisions, newest first, back to the last successful one." })),
  installFailures: int64("Failed installs since the last success."),
  inventory: s.optional(resourceInventory("Objects the last release manages.")),
  lastAttemptedConfigDigest: s.optional(s.string({ description: "Digest of the values of the last attempt." })),
  lastAttemptedGeneration: int64("Generation of the last attempt."),
  lastAttemptedReleaseAction: s.optional(s.enum(["install", "upgrade"], { description: "Action of the last attempt." })),
  lastAttemptedReleaseActionDuration: s.optional(s.string({ description: "How long the last install or upgrade took." })),
  lastAttemptedRevision: s.optional(s.string({ description: "Chart version of the last attempt." })),
  lastAttemptedRevisionDigest: s.optional(s.string({ description: "Digest of the chart artifact of the last attempt." })),
  lastAttemptedValuesChecksum: s.optional(s.string({ description: "Deprecated: SHA-1 of the values of the last attempt." })),
  lastHandledForceAt: s.optional(s.string({ description: "The last reconcile.fluxcd.io/forceAt annotation value acted on." })),
  lastHandledResetAt: s.optional(s.string({ description: "The last reconcile.fluxcd.io/resetAt annotation value acted on." })),
  lastReleaseRevision: s.optional(s.integer({ description: "Deprecated: revision of the last successful release." })),
  observedCommonMetadataDigest: s.optional(s.string({ description: "Digest of spec.commonMetadata of the last release." })),
  observedPostRenderersDigest: s.optional(s.string({ description: "Digest of spec.postRenderers of the last release." })),
  storageNamespace: namespace63("Namespace of the release's storage."),
  upgradeFailures: int64("Failed upgrades since the last success."),
});

export type HelmReleaseSpec = Infer<typeof helmReleaseSpec>;
export type HelmReleaseStatus = Infer<typeof helmReleaseStatus>;
export type HelmReleaseSnapshot = Infer<typeof snapshot>;

export const helmReleaseKind = defineKind(
  HELM_V2,
  {
    kind: "HelmRelease",
    plural: "helmreleases",
    shortNames: ["hr"],
    printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    description: "A Helm chart released into the cluster and kept in sync.",
  },
  helmReleaseSpec,
  helmReleaseStatus,
);
export type HelmRelease = Infer<typeof helmReleaseKind.schema>;
