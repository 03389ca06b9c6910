/**
 * Test data: builders for minimal valid objects of each served kind, and a table of invalid objects
 * with the exact errors the API server reports for them (field path, reason, wording).
 */
export const git = (spec: Record<string, unknown>) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: { name: "podinfo", namespace: "apps" },
  spec: { interval: "5m", url: "https://github.com/stefanprodan/podinfo", ...spec },
});
export const oci = (spec: Record<string, unknown>) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "OCIRepository",
  metadata: { name: "podinfo" },
  spec: { interval: "5m", url: "oci://ghcr.io/stefanprodan/manifests/podinfo", ...spec },
});
export const imagePolicy = (spec: Record<string, unknown>) => ({
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImagePolicy",
  metadata: { name: "podinfo" },
  spec: { imageRepositoryRef: { name: "podinfo" }, policy: { semver: { range: "1.x" } }, ...spec },
});
export const bucket = (spec: Record<string, unknown>) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "Bucket",
  metadata: { name: "b" },
  spec: { interval: "5m", bucketName: "x", endpoint: "minio:9000", ...spec },
});
export const helmChart = (spec: Record<string, unknown>) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmChart",
  metadata: { name: "podinfo" },
  spec: { interval: "5m", chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" }, ...spec },
});
export const helmRepo = (spec: Record<string, unknown>) => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmRepository",
  metadata: { name: "podinfo" },
  spec: { url: "https://stefanprodan.github.io/podinfo", ...spec },
});
export const ks = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "apps" },
  spec: { interval: "10m", prune: true, sourceRef: { kind: "GitRepository", name: "podinfo" }, ...spec },
  ...(status ? { status } : {}),
});
export const alert = (spec: Record<string, unknown>) => ({
  apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
  kind: "Alert",
  metadata: { name: "a" },
  spec: { providerRef: { name: "slack" }, eventSources: [{ kind: "Kustomization", name: "*" }], ...spec },
});
export const provider = (spec: Record<string, unknown>) => ({
  apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
  kind: "Provider",
  metadata: { name: "p" },
  spec: { type: "slack", ...spec },
});
export const receiver = (spec: Record<string, unknown>) => ({
  apiVersion: "notification.toolkit.fluxcd.io/v1",
  kind: "Receiver",
  metadata: { name: "r" },
  spec: { type: "github", secretRef: { name: "token" }, resources: [{ kind: "GitRepository", name: "app" }], ...spec },
});
export const without = <T extends { spec: Record<string, unknown> }>(obj: T, key: string): T => {
  const { [key]: _, ...spec } = obj.spec;
  return { ...obj, spec };
};
const condition = { type: "Ready", status: "True", reason: "Succeeded", message: "", lastTransitionTime: "2024-01-01T00:00:00Z" };
const oidc = (issuerURL: string) => ({ issuerURL, validations: [{ expression: "true", message: "m" }] });

/**
 * Objects the API server refuses, with the errors rivulet's validate() pins for them. The lead's
 * integration test can send these to a real API server (with rivulet's or Flux's CRDs) as a dry run.
 */
export const INVALID_OBJECTS: Array<{ name: string; obj: unknown; errors: string[] }> = [
  { name: "git url with an unsupported scheme", obj: git({ url: "ftp://example.com/repo" }),
    errors: [`spec.url: Invalid value: "ftp://example.com/repo": spec.url in body should match '^(http|https|ssh)://.*$'`] },
  { name: "git without interval", obj: without(git({}), "interval"), errors: ["spec.interval: Required value"] },
  { name: "git interval in words", obj: git({ interval: "5 minutes" }),
    errors: [`spec.interval: Invalid value: "5 minutes": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'`] },
  { name: "git timeout in hours", obj: git({ timeout: "1h" }),
    errors: [`spec.timeout: Invalid value: "1h": spec.timeout in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$'`] },
  { name: "git provider unknown", obj: git({ provider: "gitlab" }),
    errors: [`spec.provider: Unsupported value: "gitlab": supported values: "generic", "aws", "azure", "github"`] },
  { name: "git serviceAccountName without a cloud provider", obj: git({ serviceAccountName: "sa" }),
    errors: [`spec: Invalid value: "object": serviceAccountName can only be set when provider is 'azure' or 'aws'`] },
  { name: "git verify mode misspelt", obj: git({ verify: { mode: "tag", secretRef: { name: "keys" } } }),
    errors: [`spec.verify.mode: Unsupported value: "tag": supported values: "head", "HEAD", "Tag", "TagAndHEAD"`] },
  { name: "git include without repository", obj: git({ include: [{ toPath: "x" }] }),
    errors: ["spec.include[0].repository: Required value"] },
  { name: "git interval as a number", obj: git({ interval: 300 }),
    errors: [`spec.interval: Invalid value: "integer": spec.interval in body must be of type string: "integer"`] },
  { name: "git with an upper-case name", obj: { ...git({}), metadata: { name: "Podinfo" } },
    errors: [`metadata.name: Invalid value: "Podinfo": must be a lowercase RFC 1123 subdomain of at most 253 characters`] },
  { name: "git without spec", obj: { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "x" } },
    errors: ["spec: Required value"] },
  { name: "oci url over https", obj: oci({ url: "https://ghcr.io/x" }),
    errors: [`spec.url: Invalid value: "https://ghcr.io/x": spec.url in body should match '^oci://.*$'`] },
  { name: "oci layer operation unknown", obj: oci({ layerSelector: { operation: "unpack" } }),
    errors: [`spec.layerSelector.operation: Unsupported value: "unpack": supported values: "extract", "copy"`] },
  { name: "oci keyless identity without subject", obj: oci({ verify: { provider: "cosign", matchOIDCIdentity: [{ issuer: "x" }] } }),
    errors: ["spec.verify.matchOIDCIdentity[0].subject: Required value"] },
  { name: "bucket sts with gcp", obj: bucket({ provider: "gcp", sts: { provider: "aws", endpoint: "https://sts.amazonaws.com" } }),
    errors: [`spec: Invalid value: "object": STS configuration is only supported for the 'aws' and 'generic' Bucket providers`] },
  { name: "bucket generic with aws sts (provider defaulted)", obj: bucket({ sts: { provider: "aws", endpoint: "https://sts" } }),
    errors: [`spec: Invalid value: "object": 'ldap' is the only supported STS provider for the 'generic' Bucket provider`] },
  { name: "bucket generic with serviceAccountName", obj: bucket({ serviceAccountName: "sa" }),
    errors: [`spec: Invalid value: "object": ServiceAccountName is not supported for the 'generic' Bucket provider`] },
  { name: "bucket aws with secretRef and serviceAccountName", obj: bucket({ provider: "aws", secretRef: { name: "s" }, serviceAccountName: "sa" }),
    errors: [`spec: Invalid value: "object": cannot set both .spec.secretRef and .spec.serviceAccountName`] },
  { name: "bucket without endpoint and bucketName", obj: without(without(bucket({}), "endpoint"), "bucketName"),
    errors: ["spec.bucketName: Required value", "spec.endpoint: Required value"] },
  { name: "helm repository url with an unsupported scheme", obj: helmRepo({ url: "ftp://charts.example.com" }),
    errors: [`spec.url: Invalid value: "ftp://charts.example.com": spec.url in body should match '^(http|https|oci)://.*$'`] },
  { name: "helm repository of an unknown type", obj: helmRepo({ type: "git" }),
    errors: [`spec.type: Unsupported value: "git": supported values: "default", "oci"`] },
  { name: "helm repository timeout in hours", obj: helmRepo({ timeout: "1h" }),
    errors: [`spec.timeout: Invalid value: "1h": spec.timeout in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$'`] },
  { name: "helm chart from an OCIRepository", obj: helmChart({ sourceRef: { kind: "OCIRepository", name: "podinfo" } }),
    errors: [`spec.sourceRef.kind: Unsupported value: "OCIRepository": supported values: "HelmRepository", "GitRepository", "Bucket"`] },
  { name: "helm chart verified from a GitRepository", obj: helmChart({ sourceRef: { kind: "GitRepository", name: "p" }, verify: { provider: "cosign" } }),
    errors: ["spec: Invalid value: \"object\": spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'"] },
  { name: "helm chart without chart and sourceRef", obj: without(without(helmChart({}), "chart"), "sourceRef"),
    errors: ["spec.chart: Required value", "spec.sourceRef: Required value"] },
  { name: "kustomization without prune", obj: without(ks({}), "prune"), errors: ["spec.prune: Required value"] },
  { name: "kustomization prune as a string", obj: ks({ prune: "true" }),
    errors: [`spec.prune: Invalid value: "string": spec.prune in body must be of type boolean: "string"`] },
  { name: "kustomization from a HelmRepository", obj: ks({ sourceRef: { kind: "HelmRepository", name: "x" } }),
    errors: [`spec.sourceRef.kind: Unsupported value: "HelmRepository": supported values: "OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"`] },
  { name: "kustomization targetNamespace too long", obj: ks({ targetNamespace: "n".repeat(64) }),
    errors: [`spec.targetNamespace: Invalid value: "${"n".repeat(64)}": spec.targetNamespace in body should be at most 63 chars long`] },
  { name: "kustomization empty namePrefix", obj: ks({ namePrefix: "" }),
    errors: [`spec.namePrefix: Invalid value: "": spec.namePrefix in body should be at least 1 chars long`] },
  { name: "kustomization kubeConfig with both refs", obj: ks({ kubeConfig: { secretRef: { name: "a" }, configMapRef: { name: "b" } } }),
    errors: [`spec.kubeConfig: Invalid value: "object": exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified`] },
  { name: "kustomization kubeConfig with no ref", obj: ks({ kubeConfig: {} }),
    errors: [`spec.kubeConfig: Invalid value: "object": exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified`] },
  { name: "kustomization substituteFrom of another kind", obj: ks({ postBuild: { substituteFrom: [{ kind: "Config", name: "vars" }] } }),
    errors: [`spec.postBuild.substituteFrom[0].kind: Unsupported value: "Config": supported values: "Secret", "ConfigMap"`] },
  { name: "kustomization decryption by another provider", obj: ks({ decryption: { provider: "vault", secretRef: { name: "keys" } } }),
    errors: [`spec.decryption.provider: Unsupported value: "vault": supported values: "sops"`] },
  { name: "kustomization decryption secretRef without a name", obj: ks({ decryption: { provider: "sops", secretRef: {} } }),
    errors: ["spec.decryption.secretRef.name: Required value"] },
  { name: "kustomization substitute with a number", obj: ks({ postBuild: { substitute: { replicas: 3 } } }),
    errors: [`spec.postBuild.substitute.replicas: Invalid value: "integer": spec.postBuild.substitute.replicas in body must be of type string: "integer"`] },
  { name: "kustomization condition with a bad status and empty reason", obj: ks({}, { conditions: [{ ...condition, status: "Yes", reason: "" }] }),
    errors: [
      `status.conditions[0].reason: Invalid value: "": status.conditions[0].reason in body should be at least 1 chars long`,
      `status.conditions[0].reason: Invalid value: "": status.conditions[0].reason in body should match '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'`,
      `status.conditions[0].status: Unsupported value: "Yes": supported values: "True", "False", "Unknown"`,
    ] },
  { name: "kustomization condition with a bad timestamp", obj: ks({}, { conditions: [{ ...condition, lastTransitionTime: "yesterday" }] }),
    errors: [`status.conditions[0].lastTransitionTime: Invalid value: "yesterday": status.conditions[0].lastTransitionTime in body must be of type date-time: "yesterday"`] },
  { name: "alert without eventSources", obj: without(alert({}), "eventSources"), errors: ["spec.eventSources: Required value"] },
  { name: "alert severity warning", obj: alert({ eventSeverity: "warning" }),
    errors: [`spec.eventSeverity: Unsupported value: "warning": supported values: "info", "error"`] },
  { name: "alert source with an empty name", obj: alert({ eventSources: [{ kind: "GitRepository", name: "" }] }),
    errors: [`spec.eventSources[0].name: Invalid value: "": spec.eventSources[0].name in body should be at least 1 chars long`] },
  { name: "alert summary too long", obj: alert({ summary: "s".repeat(256) }), errors: [`spec.summary: Invalid value: "${"s".repeat(256)}": spec.summary in body should be at most 255 chars long`] },
  { name: "provider commitStatusExpr on slack", obj: provider({ commitStatusExpr: "'x'" }),
    errors: [`spec: Invalid value: "object": spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types`] },
  { name: "provider address too long", obj: provider({ address: `https://${"a".repeat(2041)}` }),
    errors: [`spec.address: Invalid value: "https://${"a".repeat(2041)}": spec.address in body should be at most 2048 chars long`] },
  { name: "receiver github without secretRef", obj: without(receiver({}), "secretRef"),
    errors: [`spec: Invalid value: "object": secretRef is required when type is not generic-oidc`] },
  { name: "receiver generic-oidc without providers", obj: without(receiver({ type: "generic-oidc" }), "secretRef"),
    errors: [`spec: Invalid value: "object": generic-oidc receivers must define at least one oidcProvider`] },
  { name: "receiver oidc providers with the same issuer", obj: without(receiver({ type: "generic-oidc", oidcProviders: [oidc("https://a"), oidc("https://a")] }), "secretRef"),
    errors: [`spec.oidcProviders[1]: Duplicate value: {"issuerURL":"https://a"}`] },
  { name: "receiver oidc provider without validations", obj: without(receiver({ type: "generic-oidc", oidcProviders: [{ issuerURL: "https://a", validations: [] }] }), "secretRef"),
    errors: [`spec.oidcProviders[0].validations: Invalid value: 0: spec.oidcProviders[0].validations in body should have at least 1 items`] },
  { name: "receiver oidcProviders on github", obj: receiver({ oidcProviders: [oidc("https://a")] }),
    errors: [`spec: Invalid value: "object": oidcProviders can only be set when type is generic-oidc`] },
  { name: "image policy interval without digestReflectionPolicy Always", obj: imagePolicy({ interval: "5m", digestReflectionPolicy: "IfNotPresent" }),
    errors: [`spec: Invalid value: "object": spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'`] },
  { name: "image policy digestReflectionPolicy Always without interval", obj: imagePolicy({ digestReflectionPolicy: "Always" }),
    errors: [`spec: Invalid value: "object": spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'`] },
  { name: "image repository exclusionList over 25 entries", obj: { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", metadata: { name: "r" },
    spec: { image: "ghcr.io/org/app", interval: "5m", exclusionList: Array.from({ length: 26 }, (_, i) => `^${i}$`) } },
    errors: ["spec.exclusionList: Invalid value: 26: spec.exclusionList in body should have at most 25 items"] },
];
