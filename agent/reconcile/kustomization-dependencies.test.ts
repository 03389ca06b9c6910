import { describe, expect, test } from "bun:test";
import { checkReadyDependencies } from "./kustomization-dependencies.ts";
import type { KubeObject } from "../kube/types.ts";

const HR = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease" };
const KS = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" };
const obj = (kind: typeof HR, name: string, ready: string, generation = 1, observed = 1): KubeObject => ({
  ...kind,
  metadata: { name, namespace: "team", generation },
  status: { observedGeneration: observed, conditions: [{ type: "Ready", status: ready }] },
});
const world = (...objects: KubeObject[]) => async (key: { kind: string; name: string }) => objects.find((o) => o.kind === key.kind && o.metadata.name === key.name);
const self = { kind: "HelmRelease", namespace: "team", name: "app" };
const check = (deps: Array<{ name: string; namespace?: string }>, ...objects: KubeObject[]) => checkReadyDependencies(world(...objects), self, deps, [HR, KS], 5000);

describe("checkReadyDependencies (a HelmRelease's dependsOn)", () => {
  test("a Ready Kustomization or HelmRelease lets it through", async () => {
    await check([{ name: "infra" }, { name: "db" }], obj(KS, "infra", "True"), obj(HR, "db", "True"));
  });
  test.each([
    ["missing", [], { kind: "not-ready", reason: "DependencyNotReady", message: "dependency 'team/infra' is not found", retryAfterMs: 5000 }],
    ["not Ready", [obj(KS, "infra", "False")], { kind: "not-ready", message: "dependency 'team/infra' is not ready" }],
    ["Ready for an older generation", [obj(KS, "infra", "True", 2, 1)], { kind: "not-ready", message: "dependency 'team/infra' is not ready" }],
  ])("a dependency %s is waited for", async (_name, objects, want) => {
    expect(await check([{ name: "infra" }], ...(objects as KubeObject[])).catch((e) => e)).toMatchObject(want);
  });
  test("a HelmRelease of that name wins over a Kustomization of the same name", async () => {
    expect(await check([{ name: "infra" }], obj(KS, "infra", "True"), obj(HR, "infra", "False")).catch((e) => e)).toMatchObject({ message: "dependency 'team/infra' is not ready" });
  });
  test("refuses another namespace and itself", async () => {
    expect(await check([{ name: "infra", namespace: "other" }]).catch((e) => e)).toMatchObject({ kind: "terminal", reason: "AccessDenied" });
    expect(await check([{ name: "app" }]).catch((e) => e)).toMatchObject({ kind: "terminal", message: "HelmRelease/team/app: circular dependency: app -> app" });
  });
});
