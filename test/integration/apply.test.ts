/**
 * applyAll, prune and the deletion policy against a real API server: change sets (created, unchanged
 * without bumping resourceVersion, configured), drift reverted, Flux's ssa/reconcile/force annotations,
 * immutable fields with and without force, fields taken back from kubectl, CRD and custom resource in
 * one apply, inventory-driven pruning and impersonation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { applyAll, type ApplyAllOptions } from "../../agent/apply/apply-all.ts";
import { waitForHealthy } from "../../agent/health/wait-for-healthy.ts";
import { ApplyError } from "../../agent/apply/apply-error.ts";
import { formatChangeSet, type ChangeSet } from "../../agent/apply/change-set.ts";
import { inventoryFromChangeSet, skippedEntries, staleObjects, keyOf } from "../../agent/apply/inventory.ts";
import { prune } from "../../agent/apply/prune.ts";
import { finalizeInventory } from "../../agent/apply/deletion-policy.ts";

let client: KubeClient;
let ns: string;
const owner = { name: "apps", namespace: "flux-system" };
const opts: ApplyAllOptions = { owner, waitForStage: waitForHealthy };

const cm = (name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  data,
});
const key = (kind: string, name: string, apiVersion = "v1") => ({ apiVersion, kind, namespace: ns, name });
const actions = (cs: ChangeSet) => Object.fromEntries(cs.entries.map((e) => [e.ref, e.action]));
const applyErr = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(ApplyError);
  return err as ApplyError;
};

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("apply");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe("applyAll change sets", () => {
  test("creates, leaves unchanged objects alone (resourceVersion kept), then configures a change", async () => {
    const first = await applyAll(client, [cm("web", { a: "1" })], opts);
    expect(formatChangeSet(first)).toBe(`ConfigMap/${ns}/web created`);
    const live1 = (await client.get(key("ConfigMap", "web")))!;
    expect(live1.metadata.labels).toEqual({ "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" });

    const second = await applyAll(client, [cm("web", { a: "1" })], opts);
    expect(actions(second)).toEqual({ [`ConfigMap/${ns}/web`]: "unchanged" });
    expect((await client.get(key("ConfigMap", "web")))!.metadata.resourceVersion).toBe(live1.metadata.resourceVersion);

    const third = await applyAll(client, [cm("web", { a: "2" })], opts);
    expect(formatChangeSet(third)).toBe(`ConfigMap/${ns}/web configured`);
    expect((await client.get(key("ConfigMap", "web")))!.data).toEqual({ a: "2" });
  });

  test("reverts an out-of-band change made by another server-side apply manager", async () => {
    await applyAll(client, [cm("drift", { a: "1" })], opts);
    await client.apply(cm("drift", { a: "tampered" }), { fieldManager: "someone", force: true });
    const cs = await applyAll(client, [cm("drift", { a: "1" })], opts);
    expect(actions(cs)[`ConfigMap/${ns}/drift`]).toBe("configured");
    expect((await client.get(key("ConfigMap", "drift")))!.data).toEqual({ a: "1" });
  });

  test("applies many objects of one kind (listed, not fetched one by one) in kind order", async () => {
    const objs: KubeObject[] = [
      ...Array.from({ length: 5 }, (_, i) => cm(`many-${i}`, { i: String(i) })),
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "many-sa", namespace: ns } },
    ];
    const cs = await applyAll(client, objs, opts);
    expect(cs.entries.map((e) => e.ref)).toEqual([`ServiceAccount/${ns}/many-sa`, ...Array.from({ length: 5 }, (_, i) => `ConfigMap/${ns}/many-${i}`)]);
    expect(cs.entries.every((e) => e.action === "created")).toBe(true);
    const again = await applyAll(client, objs, opts);
    expect(again.entries.every((e) => e.action === "unchanged")).toBe(true);
  });

  test("an invalid object fails the stage, is named with the server's reason, and nothing is applied", async () => {
    const bad = { ...cm("okay-but-not-applied", { a: "1" }) };
    const invalid: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "bad", namespace: ns }, spec: { ports: [{ port: 99999 }] } };
    const err = await applyErr(applyAll(client, [bad, invalid], opts));
    expect(err.message).toMatch(new RegExp(`^Service/${ns}/bad dry-run failed \\(Invalid\\): Service "bad" is invalid: .*99999`));
    expect(err.failures.map((f) => f.phase)).toEqual(["dry-run"]);
    expect(await client.get(key("ConfigMap", "okay-but-not-applied"))).toBeUndefined();
  });
});

describe("dryRunNew: false", () => {
  test("applies listed-absent objects directly; an invalid one fails at apply time, naming it", async () => {
    const objs = Array.from({ length: 4 }, (_, i) => cm(`direct-${i}`, { i: String(i) }));
    const cs = await applyAll(client, objs, { ...opts, dryRunNew: false });
    expect(cs.entries.map((e) => e.action)).toEqual(["created", "created", "created", "created"]);
    expect((await client.get(key("ConfigMap", "direct-3")))!.data).toEqual({ i: "3" });
    // Existing objects are still dry-run first, so an unchanged re-apply writes nothing.
    expect((await applyAll(client, objs, { ...opts, dryRunNew: false })).entries.every((e) => e.action === "unchanged")).toBe(true);
    const bad = Array.from({ length: 3 }, (_, i): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `direct-svc-${i}`, namespace: ns },
      spec: { ports: [{ port: i === 1 ? 99999 : 80 }] },
    }));
    const err = await applyErr(applyAll(client, bad, { ...opts, dryRunNew: false }));
    expect(err.message).toMatch(new RegExp(`^Service/${ns}/direct-svc-1 apply failed: Service "direct-svc-1" is invalid`));
    expect(err.failures.map((f) => f.phase)).toEqual(["apply"]);
  });
});

describe("annotations", () => {
  test("reconcile: disabled skips the object entirely", async () => {
    const cs = await applyAll(client, [cm("disabled", { a: "1" }, { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" })], opts);
    expect(actions(cs)[`ConfigMap/${ns}/disabled`]).toBe("skipped");
    expect(await client.get(key("ConfigMap", "disabled"))).toBeUndefined();
  });

  test("ssa: Ignore on the live object stops further applies", async () => {
    await applyAll(client, [cm("ignored", { a: "1" })], opts);
    await client.patch(key("ConfigMap", "ignored"), { metadata: { annotations: { "kustomize.toolkit.fluxcd.io/ssa": "ignore" } } }, "merge");
    const cs = await applyAll(client, [cm("ignored", { a: "2" })], opts);
    expect(actions(cs)[`ConfigMap/${ns}/ignored`]).toBe("skipped");
    expect((await client.get(key("ConfigMap", "ignored")))!.data).toEqual({ a: "1" });
  });

  test("ssa: IfNotPresent creates once and never updates", async () => {
    const a = { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" };
    expect(actions(await applyAll(client, [cm("once", { a: "1" }, a)], opts))[`ConfigMap/${ns}/once`]).toBe("created");
    expect(actions(await applyAll(client, [cm("once", { a: "2" }, a)], opts))[`ConfigMap/${ns}/once`]).toBe("skipped");
    expect((await client.get(key("ConfigMap", "once")))!.data).toEqual({ a: "1" });
  });

  test("fields added with kubectl are taken back, except under ssa: Merge", async () => {
    const kubeconfig = (await testCluster()).kubeconfig;
    const kubectl = (...args: string[]) => execFileSync("kubectl", ["--kubeconfig", kubeconfig, "-n", ns, ...args], { stdio: "pipe" });
    const merge = { "kustomize.toolkit.fluxcd.io/ssa": "Merge" };
    await applyAll(client, [cm("taken", { a: "1" }), cm("merged", { a: "1" }, merge)], opts);
    kubectl("patch", "configmap", "taken", "--type=merge", "-p", '{"data":{"extra":"x"}}');
    kubectl("patch", "configmap", "merged", "--type=merge", "-p", '{"data":{"extra":"x"}}');
    const managers = ((await client.get(key("ConfigMap", "taken")))!.metadata.managedFields as Array<{ manager: string }>).map((m) => m.manager);
    expect(managers).toContain("kubectl-patch");

    const cs = await applyAll(client, [cm("taken", { a: "1" }), cm("merged", { a: "1" }, merge)], opts);
    expect(actions(cs)[`ConfigMap/${ns}/taken`]).toBe("configured");
    const taken = (await client.get(key("ConfigMap", "taken")))!;
    expect(taken.data).toEqual({ a: "1" });
    expect((taken.metadata.managedFields as Array<{ manager: string }>).map((m) => m.manager)).not.toContain("kubectl-patch");
    expect((await client.get(key("ConfigMap", "merged")))!.data).toEqual({ a: "1", extra: "x" });
  });

  test("an object created with kubectl client-side apply is adopted and its last-applied annotation removed", async () => {
    const kubeconfig = (await testCluster()).kubeconfig;
    const doc = JSON.stringify(cm("csa", { a: "1", b: "2" }));
    execFileSync("kubectl", ["--kubeconfig", kubeconfig, "apply", "-f", "-"], { input: doc, stdio: ["pipe", "pipe", "pipe"] });
    const cs = await applyAll(client, [cm("csa", { a: "1" })], opts);
    expect(actions(cs)[`ConfigMap/${ns}/csa`]).toBe("configured");
    const live = (await client.get(key("ConfigMap", "csa")))!;
    expect(live.data).toEqual({ a: "1" });
    expect(live.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toBeUndefined();
  });
});

describe("immutable fields", () => {
  const job = (image: string, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image }] } } },
  });

  test("a changed Job template fails without force, naming the object", async () => {
    await applyAll(client, [job("busybox:1")], opts);
    const err = await applyErr(applyAll(client, [job("busybox:2")], opts));
    expect(err.message).toMatch(new RegExp(`^Job/${ns}/migrate dry-run failed \\(Invalid\\): .*field is immutable`));
  });

  test("with opts.force or the force annotation the object is recreated", async () => {
    const before = (await client.get(key("Job", "migrate", "batch/v1")))!;
    const cs = await applyAll(client, [job("busybox:2")], { ...opts, force: true });
    expect(actions(cs)[`Job/${ns}/migrate`]).toBe("created");
    const after = (await client.get(key("Job", "migrate", "batch/v1")))!;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    const cs2 = await applyAll(client, [job("busybox:3", { "kustomize.toolkit.fluxcd.io/force": "Enabled" })], opts);
    expect(actions(cs2)[`Job/${ns}/migrate`]).toBe("created");
  });

  test("a changed Service clusterIP is recreated under force", async () => {
    const svc = (ip?: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "fixed-ip", namespace: ns },
      spec: { ports: [{ port: 80 }], ...(ip ? { clusterIP: ip } : {}) },
    });
    await applyAll(client, [svc()], opts);
    const ip = (await client.get(key("Service", "fixed-ip")))!.spec as { clusterIP: string };
    const other = ip.clusterIP.replace(/\.\d+$/, (m) => `.${(Number(m.slice(1)) % 200) + 20}`);
    const err = await applyErr(applyAll(client, [svc(other)], opts));
    expect(err.message).toContain(`Service/${ns}/fixed-ip dry-run failed (Invalid)`);
    const cs = await applyAll(client, [svc(other)], { ...opts, force: true });
    expect(actions(cs)[`Service/${ns}/fixed-ip`]).toBe("created");
    expect(((await client.get(key("Service", "fixed-ip")))!.spec as { clusterIP: string }).clusterIP).toBe(other);
  });
});

describe("stages", () => {
  test("a CRD, a Namespace and objects that need them apply in one call", async () => {
    const suffix = ns.split("-").pop()!;
    const group = `t${suffix}.rivulet.test`;
    const crd: KubeObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    };
    const newNs = `${ns}-extra`;
    const objs: KubeObject[] = [
      { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1", namespace: newNs }, spec: { size: 3 } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "in-new-ns", namespace: newNs }, data: { a: "1" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: newNs } },
      crd,
    ];
    try {
      const cs = await applyAll(client, objs, opts);
      expect(cs.entries.map((e) => `${e.ref} ${e.action}`)).toEqual([
        `CustomResourceDefinition/widgets.${group} created`,
        `Namespace/${newNs} created`,
        `ConfigMap/${newNs}/in-new-ns created`,
        `Widget/${newNs}/w1 created`,
      ]);
      const w = await client.get({ apiVersion: `${group}/v1`, kind: "Widget", namespace: newNs, name: "w1" });
      expect(w?.spec).toEqual({ size: 3 });
    } finally {
      await client.delete({ apiVersion: "v1", kind: "Namespace", name: newNs }).catch(() => {});
      await client.delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${group}` }).catch(() => {});
    }
  });
});

describe("prune and deletion policy", () => {
  test("prunes stale objects it owns, skips foreign and prune: disabled ones", async () => {
    const old = await applyAll(client, [cm("p-keep", { a: "1" }), cm("p-gone", { a: "1" }), cm("p-disabled", { a: "1" }, { "kustomize.toolkit.fluxcd.io/prune": "disabled" }), cm("p-foreign", { a: "1" })], opts);
    // Someone else adopts p-foreign: it now carries another Kustomization's owner label.
    await client.patch(key("ConfigMap", "p-foreign"), { metadata: { labels: { "kustomize.toolkit.fluxcd.io/name": "other" } } }, "merge");
    const next = await applyAll(client, [cm("p-keep", { a: "1" })], opts);
    const stale = staleObjects(inventoryFromChangeSet(old), inventoryFromChangeSet(next), skippedEntries(next));
    expect(stale.map((k) => k.name).sort()).toEqual(["p-disabled", "p-foreign", "p-gone"]);
    const cs = await prune(client, stale, { owner });
    expect(actions(cs)).toEqual({
      [`ConfigMap/${ns}/p-gone`]: "deleted",
      [`ConfigMap/${ns}/p-disabled`]: "skipped",
      [`ConfigMap/${ns}/p-foreign`]: "skipped",
    });
    expect(await client.get(key("ConfigMap", "p-gone"))).toBeUndefined();
    expect(await client.get(key("ConfigMap", "p-disabled"))).toBeDefined();
    expect(await client.get(key("ConfigMap", "p-foreign"))).toBeDefined();
    // Already gone counts as deleted.
    expect(actions(await prune(client, [keyOf(cm("p-gone", {}))], { owner }))[`ConfigMap/${ns}/p-gone`]).toBe("deleted");
  });

  test("deletion policies: Orphan and MirrorPrune without prune keep objects, Delete and WaitForTermination remove them", async () => {
    const objs = [cm("d-1", { a: "1" }), cm("d-2", { a: "1" })];
    const inv = inventoryFromChangeSet(await applyAll(client, objs, opts));
    expect((await finalizeInventory(client, inv, { policy: "Orphan", prune: true, owner })).entries).toEqual([]);
    expect((await finalizeInventory(client, inv, { policy: "MirrorPrune", prune: false, owner })).entries).toEqual([]);
    expect((await finalizeInventory(client, inv, { policy: "Delete", prune: true, owner, suspended: true })).entries).toEqual([]);
    expect(await client.get(key("ConfigMap", "d-1"))).toBeDefined();
    const cs = await finalizeInventory(client, inv, { policy: "WaitForTermination", prune: false, owner, pollMs: 200, timeoutMs: 10_000 });
    expect(cs.entries.map((e) => e.action)).toEqual(["deleted", "deleted"]);
    expect(await client.get(key("ConfigMap", "d-1"))).toBeUndefined();
    const again = inventoryFromChangeSet(await applyAll(client, objs, opts));
    await finalizeInventory(client, again, { policy: "Delete", prune: false, owner });
    expect(await client.get(key("ConfigMap", "d-2"))).toBeUndefined();
  });
});

describe("impersonation", () => {
  test("an apply as a restricted ServiceAccount is refused with Forbidden naming the object", async () => {
    await applyAll(client, [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "restricted", namespace: ns } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "read-cm", namespace: ns }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "read-cm", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-cm" },
        subjects: [{ kind: "ServiceAccount", name: "restricted", namespace: ns }],
      },
    ], opts);
    const restricted = client.impersonate(`system:serviceaccount:${ns}:restricted`);
    const err = await applyErr(applyAll(restricted, [cm("as-sa", { a: "1" })], opts));
    expect(err.message).toMatch(new RegExp(`^ConfigMap/${ns}/as-sa dry-run failed \\(Forbidden\\): .*system:serviceaccount:${ns}:restricted.* cannot patch`));
    expect(await client.get(key("ConfigMap", "as-sa"))).toBeUndefined();
  });
});
