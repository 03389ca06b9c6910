import { expect, test } from "bun:test";
import { inventoryTree } from "./inventory-tree.ts";
import type { KubeObject } from "../kube/types.ts";

const ks = (name: string, ids: string[]): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: "team" },
  status: { inventory: { entries: ids.map((id) => ({ id, v: "v1" })) } },
});

test("the inventory tree expands nested Kustomizations of the namespace once, from the cache", () => {
  const apps = ks("apps", ["team_web_apps_Deployment", "team_infra_kustomize.toolkit.fluxcd.io_Kustomization", "team_apps_kustomize.toolkit.fluxcd.io_Kustomization"]);
  const infra = ks("infra", ["_ns-reader__view_rbac.authorization.k8s.io_ClusterRole", "team_web_apps_Deployment", "team_apps_kustomize.toolkit.fluxcd.io_Kustomization", "other_x_kustomize.toolkit.fluxcd.io_Kustomization"]);
  const cache = new Map([["apps", apps], ["infra", infra]]);
  expect(inventoryTree(apps, (n) => cache.get(n))).toEqual([
    { ref: "Deployment/team/web" },
    {
      ref: "Kustomization/team/infra",
      children: [{ ref: "ClusterRole/ns-reader:view" }, { ref: "Deployment/team/web" }, { ref: "Kustomization/team/apps" }, { ref: "Kustomization/other/x" }],
    },
    { ref: "Kustomization/team/apps" },
  ]);
});

test("an inventory id that does not parse is shown as it is", () => {
  expect(inventoryTree(ks("a", ["garbage"]), () => undefined)).toEqual([{ ref: "garbage" }]);
  expect(inventoryTree({ apiVersion: "v1", kind: "Kustomization", metadata: { name: "new" } }, () => undefined)).toEqual([]);
});
