/**
 * Test data: a minimal valid HelmRelease builder and HelmReleases the API server refuses (with Flux's
 * CRD, CEL rules included), with the exact errors rivulet's validate() pins for them.
 */
export const hr = (spec: Record<string, unknown>) => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: { name: "podinfo", namespace: "apps" },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository", name: "podinfo" }, ...spec },
});
const chart = { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" } } };

export const INVALID_HELM_RELEASES: Array<{ name: string; obj: unknown; errors: string[] }> = [
  { name: "helmrelease with both chart and chartRef", obj: hr({ chart }),
    errors: [`spec: Invalid value: "object": either chart or chartRef must be set`] },
  { name: "helmrelease with neither chart nor chartRef", obj: hr({ chartRef: undefined }),
    errors: [`spec: Invalid value: "object": either chart or chartRef must be set`] },
  { name: "helmrelease without interval", obj: hr({ interval: undefined }), errors: ["spec.interval: Required value"] },
  { name: "helmrelease install retryInterval with RemediateOnFailure", obj: hr({ install: { strategy: { name: "RemediateOnFailure", retryInterval: "1m" } } }),
    errors: [`spec.install.strategy: Invalid value: "object": .retryInterval cannot be set when .name is 'RemediateOnFailure'`] },
  { name: "helmrelease upgrade retryInterval with RemediateOnFailure", obj: hr({ upgrade: { strategy: { name: "RemediateOnFailure", retryInterval: "1m" } } }),
    errors: [`spec.upgrade.strategy: Invalid value: "object": .retryInterval can only be set when .name is 'RetryOnFailure'`] },
  { name: "helmrelease releaseName past 53 characters", obj: hr({ releaseName: "r".repeat(54) }),
    errors: [`spec.releaseName: Invalid value: "${"r".repeat(54)}": spec.releaseName in body should be at most 53 chars long`] },
  { name: "helmrelease chart source of another kind", obj: hr({ chartRef: undefined, chart: { spec: { ...chart.spec, sourceRef: { kind: "OCIRepository", name: "x" } } } }),
    errors: [`spec.chart.spec.sourceRef.kind: Unsupported value: "OCIRepository": supported values: "HelmRepository", "GitRepository", "Bucket"`] },
  { name: "helmrelease valuesFrom targetPath with a space", obj: hr({ valuesFrom: [{ kind: "Secret", name: "s", targetPath: "a b" }] }),
    errors: [`spec.valuesFrom[0].targetPath: Invalid value: "a b": spec.valuesFrom[0].targetPath in body should match '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$'`] },
  { name: "helmrelease upgrade remediation strategy misspelt", obj: hr({ upgrade: { remediation: { strategy: "Rollback" } } }),
    errors: [`spec.upgrade.remediation.strategy: Unsupported value: "Rollback": supported values: "rollback", "uninstall"`] },
  { name: "helmrelease kubeConfig with both references", obj: hr({ kubeConfig: { secretRef: { name: "a" }, configMapRef: { name: "b" } } }),
    errors: [`spec.kubeConfig: Invalid value: "object": exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified`] },
];
