import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { clusterCapabilities, kindScope, versionSet, type ApiResourceList, type DiscoveryPort } from "./cluster-capabilities.ts";
import { DEFAULTS } from "./render.ts";
import { createTemplateEngine } from "./template-engine.ts";
import { requestOf, scope } from "./template-engine.test.ts";
import { helmTemplateBuild, helmWasmPort } from "../runtime/helm-wasm.ts";

/** A GKE-like cluster: a vendor suffix in gitVersion and "30+" as its minor, as such servers report. */
const resources: ApiResourceList[] = [
  { groupVersion: "v1", resources: [{ name: "pods", kind: "Pod", namespaced: true }, { name: "pods/status", kind: "Pod", namespaced: true }, { name: "namespaces", kind: "Namespace", namespaced: false }] },
  {
    groupVersion: "apps/v1",
    resources: [
      { name: "deployments", kind: "Deployment", namespaced: true },
      { name: "deployments/scale", kind: "Scale", namespaced: true },
      { name: "statefulsets/scale", kind: "Scale", namespaced: true },
    ],
  },
  { groupVersion: "example.com/v1alpha1", resources: [] },
];

function fakeDiscovery(over: Partial<DiscoveryPort> = {}): DiscoveryPort {
  return {
    serverVersion: async () => ({ gitVersion: "v1.30.5-gke.1014001", major: "1", minor: "30+" }),
    serverResources: async () => resources,
    ...over,
  };
}

describe("clusterCapabilities builds .Capabilities from discovery as Helm does", () => {
  test("the server's version as reported, every group version, and each kind once per group version", async () => {
    expect(await clusterCapabilities(fakeDiscovery())).toEqual({
      kubeVersion: { version: "v1.30.5-gke.1014001", major: "1", minor: "30+" },
      apiVersions: ["apps/v1", "apps/v1/Deployment", "apps/v1/Scale", "example.com/v1alpha1", "v1", "v1/Namespace", "v1/Pod"],
      helmVersion: { version: DEFAULTS.helmVersion },
    });
  });

  test("a cluster that answers no group versions gets Helm's default version set", () => {
    expect(versionSet([])).toEqual([...DEFAULTS.apiVersions]);
  });

  test.each([
    ["serverVersion", "could not get server version from Kubernetes: connection refused"],
    ["serverResources", "could not get apiVersions from Kubernetes: connection refused"],
  ] as const)("a failing %s fails with Helm's message", async (call, message) => {
    const discovery = fakeDiscovery({ [call]: () => Promise.reject(new Error("connection refused")) });
    const err = await clusterCapabilities(discovery).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe(message);
  });

  test.each([
    ["v1", "Pod", true],
    ["v1", "Namespace", false],
    ["apps/v1", "Scale", undefined],
    ["apps/v1", "Widget", undefined],
    ["batch/v1", "Job", undefined],
  ] as const)("kindScope of %s %s is %p (subresources say nothing of a kind's scope)", (apiVersion, kind, want) => {
    expect(kindScope(resources, apiVersion, kind)).toBe(want);
  });
});

describe.skipIf(!existsSync(helmTemplateBuild.wasm))(".Capabilities from the cluster in templates (WASM)", () => {
  test("KubeVersion, APIVersions.Has with group/version/Kind, and HelmVersion reach the templates", async () => {
    const capabilities = await clusterCapabilities(fakeDiscovery());
    const text = `{{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion.GitVersion }}
{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" }} {{ .Capabilities.APIVersions.Has "batch/v1" }} {{ .Capabilities.HelmVersion.Version }}`;
    const result = await createTemplateEngine(helmWasmPort).render(requestOf({
      templates: [{ name: "c/templates/t.yaml", data: text }],
      scopes: { c: scope({ chart: { name: "c" } }) },
      capabilities,
    }));
    if ("error" in result) throw new Error(result.error);
    expect(result.rendered.get("c/templates/t.yaml")).toBe(`v1.30.5-gke.1014001 1.30+ v1.30.5-gke.1014001\ntrue true false ${DEFAULTS.helmVersion}`);
  });
});
