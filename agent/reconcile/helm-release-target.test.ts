import { describe, expect, test } from "bun:test";
import { guardReleaseNamespaces, guardRemoteCluster, releaseTarget, releaseTargetChange, shortenReleaseName } from "./helm-release-target.ts";
import type { HelmReleaseSnapshot } from "../api/helm-release.ts";
import type { HelmRelease } from "../api/helm-release.ts";

const hr = (spec: Partial<HelmRelease["spec"]>, name = "podinfo"): HelmRelease => ({
  metadata: { name, namespace: "apps" },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository", name: "podinfo" }, ...spec },
});

describe("shortenReleaseName", () => {
  // Expected values from helm-controller's internal/release/name_test.go.
  test.each([
    ["release-name", "release-name"],
    ["release-name-with-very-long-name-which-is-longer-than-53-characters", "release-name-with-very-long-name-which-i-788ca0d0d7b0"],
    ["another-release-name-with-very-long-name-which-is-longer-than-53-characters", "another-release-name-with-very-long-name-7e72150d5a36"],
    ["", ""],
  ])("%p becomes %p, as helm-controller's ShortenName", async (name, expected) => {
    expect(await shortenReleaseName(name)).toBe(expected);
  });
  test("keeps a name of exactly 53 characters and shortens one of 54", async () => {
    expect(await shortenReleaseName("a".repeat(53))).toBe("a".repeat(53));
    const short = await shortenReleaseName("a".repeat(54));
    expect(short).toHaveLength(53);
    expect(short).toMatch(/^a{40}-[0-9a-f]{12}$/);
  });
});

describe("releaseTarget", () => {
  test.each([
    ["defaults to the HelmRelease's name and namespace", {}, { name: "podinfo", namespace: "apps", storageNamespace: "apps" }],
    ["prefixes the target namespace", { targetNamespace: "web" }, { name: "web-podinfo", namespace: "web", storageNamespace: "apps" }],
    ["takes releaseName as is", { releaseName: "pi", targetNamespace: "web" }, { name: "pi", namespace: "web", storageNamespace: "apps" }],
    ["stores where storageNamespace says", { storageNamespace: "store" }, { name: "podinfo", namespace: "apps", storageNamespace: "store" }],
  ])("%s", async (_name, spec, expected) => {
    expect(await releaseTarget(hr(spec))).toEqual(expected);
  });
  test("shortens a long default name made with the target namespace", async () => {
    const target = await releaseTarget(hr({ targetNamespace: "a-rather-long-target-namespace" }, "and-a-long-helmrelease-name"));
    expect(target.name).toBe(await shortenReleaseName("a-rather-long-target-namespace-and-a-long-helmrelease-name"));
    expect(target.name).toHaveLength(53);
  });
});

describe("guardReleaseNamespaces", () => {
  test.each([
    ["the target namespace", { targetNamespace: "kube-system" },
      "HelmRelease/apps/podinfo: cross-namespace references are not allowed: spec.targetNamespace kube-system is outside namespace apps"],
    ["the storage namespace", { storageNamespace: "flux-system" },
      "HelmRelease/apps/podinfo: cross-namespace references are not allowed: spec.storageNamespace flux-system is outside namespace apps"],
    ["a chartRef", { chartRef: { kind: "OCIRepository" as const, name: "p", namespace: "other" } },
      "HelmRelease/apps/podinfo: cross-namespace references are not allowed: chartRef OCIRepository/other/p is outside namespace apps"],
    ["a chart template's source", { chartRef: undefined, chart: { spec: { chart: "p", sourceRef: { kind: "HelmRepository" as const, name: "r", namespace: "other" } } } },
      "HelmRelease/apps/podinfo: cross-namespace references are not allowed: chart sourceRef HelmRepository/other/r is outside namespace apps"],
    ["every one at once", { targetNamespace: "a", storageNamespace: "b", dependsOn: [{ name: "d", namespace: "c" }] },
      "HelmRelease/apps/podinfo: cross-namespace references are not allowed: spec.targetNamespace a is outside namespace apps; spec.storageNamespace b is outside namespace apps; dependsOn c/d is outside namespace apps"],
  ])("refuses %s outside the tenant's namespace", (_name, spec, message) => {
    expect(() => guardReleaseNamespaces(hr(spec))).toThrow(message);
    try {
      guardReleaseNamespaces(hr(spec));
    } catch (err) {
      expect((err as { reason?: string; kind?: string })).toMatchObject({ reason: "AccessDenied", kind: "terminal" });
    }
  });
  test("accepts the tenant's own namespace named explicitly", () => {
    expect(() => guardReleaseNamespaces(hr({ targetNamespace: "apps", storageNamespace: "apps", dependsOn: [{ name: "d", namespace: "apps" }] }))).not.toThrow();
  });
  test("install.createNamespace of the agent's own namespace is a no-op; of any other it is refused, even one an admin allowed", () => {
    expect(() => guardReleaseNamespaces(hr({ targetNamespace: "apps", install: { createNamespace: true } }))).not.toThrow();
    expect(() => guardReleaseNamespaces(hr({ install: { createNamespace: true } }))).not.toThrow();
    const message = "HelmRelease/apps/podinfo: spec.install.createNamespace cannot create namespace web: a tenant's agent creates no namespace (a platform admin creates it; then leave createNamespace unset)";
    expect(() => guardReleaseNamespaces(hr({ targetNamespace: "web", install: { createNamespace: true } }), ["web"])).toThrow(message);
    expect(() => guardReleaseNamespaces(hr({ targetNamespace: "web" }), ["web"])).not.toThrow();
  });
  test("an admin may allow other target and storage namespaces, but never other sources", () => {
    expect(() => guardReleaseNamespaces(hr({ targetNamespace: "web", storageNamespace: "web" }), ["web"])).not.toThrow();
    expect(() => guardReleaseNamespaces(hr({ chartRef: { kind: "HelmChart", name: "c", namespace: "web" } }), ["web"])).toThrow(
      "chartRef HelmChart/web/c is outside namespace apps",
    );
  });
});

describe("releaseTargetChange, as helm-controller's ReleaseTargetChanged", () => {
  const cur = { name: "podinfo", namespace: "apps", version: 3, chartName: "podinfo" } as HelmReleaseSnapshot;
  const withStatus = (spec: Partial<HelmRelease["spec"]>, status: HelmRelease["status"] = { storageNamespace: "apps", history: [cur] }) => ({ ...hr(spec), status });
  test.each([
    ["nothing moved", {}, "podinfo", undefined],
    ["the storage namespace moved", { storageNamespace: "store" }, "podinfo", "storage namespace"],
    ["the release namespace moved", { targetNamespace: "web" }, "podinfo", "release namespace"],
    ["the release name changed", { releaseName: "pi" }, "podinfo", "release name"],
    ["the chart's name changed", {}, "podinfo2", "chart name"],
    ["the chart's name changed, updated in place", { upgrade: { chartNameChangeStrategy: "InPlaceUpdate" as const } }, "podinfo2", undefined],
  ])("%s", async (_name, spec, chartName, expected) => {
    const obj = withStatus(spec);
    expect(releaseTargetChange(obj, await releaseTarget(obj), chartName) as string | undefined).toBe(expected);
  });
  test("nothing to move before the first release", async () => {
    const obj = withStatus({ targetNamespace: "web" }, { history: [cur] });
    expect(releaseTargetChange(obj, await releaseTarget(obj), "podinfo")).toBeUndefined();
  });
});

describe("guardRemoteCluster", () => {
  test("refuses spec.kubeConfig unless allowed", () => {
    const remote = hr({ kubeConfig: { secretRef: { name: "remote" } } });
    expect(() => guardRemoteCluster(remote)).toThrow("HelmRelease/apps/podinfo: spec.kubeConfig is not allowed: this agent releases only into its own cluster");
    expect(() => guardRemoteCluster(remote, true)).not.toThrow();
    expect(() => guardRemoteCluster(hr({}))).not.toThrow();
  });
});
