import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { entryKey, entryRef, inventoryFromChangeSet, inventoryOf, mergeInventories, objMetadataId, parseObjMetadataId, skippedEntries, staleObjects, writeAheadInventory } from "./inventory.ts";
import { changeSetEntry } from "./change-set.ts";
import type { KubeObject } from "../kube/types.ts";

const o = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe("inventory ids", () => {
  test.each([
    [o("v1", "Service", "podinfo", "default"), "default_podinfo__Service", "v1"],
    [o("rbac.authorization.k8s.io/v1", "ClusterRole", "cluster-admin"), "_cluster-admin_rbac.authorization.k8s.io_ClusterRole", "v1"],
    [o("apps/v1", "Deployment", "web", "apps"), "apps_web_apps_Deployment", "v1"],
    [o("rbac.authorization.k8s.io/v1", "ClusterRole", "system:controller:x"), "_system__controller__x_rbac.authorization.k8s.io_ClusterRole", "v1"],
    [o("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "apps", "flux-system"), "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "v1"],
    [o("example.com/v1beta2", "Widget", "w:1", "n"), "n_w:1_example.com_Widget", "v1beta2"],
  ])("%j has id %s", (obj, id, v) => {
    expect(inventoryOf([obj]).entries).toEqual([{ id, v }]);
  });

  test("ids parse back, RBAC colons included", () => {
    expect(parseObjMetadataId("_system__controller__x_rbac.authorization.k8s.io_ClusterRole")).toEqual({
      namespace: "",
      name: "system:controller:x",
      group: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
    });
    expect(entryKey({ id: "default_podinfo__Service", v: "v1" })).toEqual({ apiVersion: "v1", kind: "Service", name: "podinfo", namespace: "default" });
    expect(entryKey({ id: "_a_apiextensions.k8s.io_CustomResourceDefinition", v: "v1" })).toEqual({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "a",
    });
    expect(entryRef({ id: "apps_web_apps_Deployment", v: "v1" })).toBe("Deployment/apps/web");
  });

  test.each(["nounderscore", "a_b", "ns_na_me_group_Kind", "ns__group_Kind"])("the malformed id %s is refused", (id) => {
    expect(() => parseObjMetadataId(id)).toThrow(`Cannot parse the inventory id "${id}"`);
  });

  test("objMetadataId and parseObjMetadataId round-trip", () => {
    const dns = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        fc.record({
          namespace: fc.oneof(fc.constant(""), dns),
          name: dns,
          group: fc.oneof(fc.constant(""), fc.constant("rbac.authorization.k8s.io"), dns),
          kind: fc.constantFrom("ConfigMap", "Role", "ClusterRoleBinding", "Widget"),
          colon: fc.boolean(),
        }),
        (m) => {
          const rbac = m.group === "rbac.authorization.k8s.io";
          const name = rbac && m.colon ? `${m.name}:x` : m.name;
          const meta = { namespace: m.namespace, name, group: m.group, kind: m.kind };
          expect(parseObjMetadataId(objMetadataId(meta))).toEqual(meta);
        },
      ),
    );
  });
});

describe("inventory diff", () => {
  const a = o("v1", "ConfigMap", "a", "n");
  const b = o("v1", "ConfigMap", "b", "n");
  const c = o("apps/v1", "Deployment", "c", "n");

  test("stale objects are old minus new, with the old entry's version", () => {
    const old = inventoryOf([a, b, { ...c, apiVersion: "apps/v1beta1" }]);
    expect(staleObjects(old, inventoryOf([a]))).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", name: "b", namespace: "n" },
      { apiVersion: "apps/v1beta1", kind: "Deployment", name: "c", namespace: "n" },
    ]);
    expect(staleObjects(undefined, inventoryOf([a]))).toEqual([]);
  });

  test("skipped objects are neither tracked nor pruned", () => {
    const cs = { entries: [changeSetEntry(a, "unchanged"), changeSetEntry(b, "skipped"), changeSetEntry(c, "created")] };
    const inv = inventoryFromChangeSet(cs);
    expect(inv.entries.map((e) => e.id)).toEqual(["n_a__ConfigMap", "n_c_apps_Deployment"]);
    expect(staleObjects(inventoryOf([a, b, c]), inv, skippedEntries(cs))).toEqual([]);
  });

  test("duplicates are listed once", () => {
    expect(inventoryOf([a, a, b]).entries.length).toBe(2);
  });

  test("the write-ahead inventory is the recorded one with the new objects added", () => {
    const ids = (inv: { entries: Array<{ id: string }> } | undefined) => inv?.entries.map((e) => e.id);
    expect(ids(writeAheadInventory(inventoryOf([a, b]), [b, c]))).toEqual(["n_a__ConfigMap", "n_b__ConfigMap", "n_c_apps_Deployment"]);
    expect(ids(writeAheadInventory(undefined, [a]))).toEqual(["n_a__ConfigMap"]);
  });

  test.each([
    ["the same objects", [a, b]],
    ["fewer objects", [a]],
    ["an object at another version", [{ ...a, apiVersion: "v2" }]],
    ["nothing", []],
  ])("a build of %s needs no write ahead", (_what, objects) => {
    expect(writeAheadInventory(inventoryOf([a, b]), objects)).toBeUndefined();
  });

  test("after the write-ahead, prune finds every object the recorded inventory or the build named", () => {
    fc.assert(
      fc.property(fc.subarray([a, b, c]), fc.subarray([a, b, c]), fc.subarray([a, b, c]), (recorded, build, next) => {
        const ahead = writeAheadInventory(inventoryOf(recorded), build) ?? inventoryOf(recorded);
        const stale = new Set(staleObjects(ahead, inventoryOf(next)).map((k) => k.name));
        for (const obj of [...recorded, ...build]) expect(stale.has(obj.metadata.name!) || next.includes(obj)).toBe(true);
      }),
    );
  });

  test("merging keeps the new entries first and old ones once", () => {
    expect(mergeInventories(inventoryOf([b, c]), inventoryOf([a, b])).entries.map((e) => e.id)).toEqual(["n_b__ConfigMap", "n_c_apps_Deployment", "n_a__ConfigMap"]);
  });
});
