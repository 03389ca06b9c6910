/**
 * Helm release storage on the real API server, written by the tenant's own identity (the `rivulet`
 * ServiceAccount of deploy/tenant): Helm's fixtures stored and read back equal, the Secrets as Helm's
 * driver lays them out (checked through the admin's eyes, as `helm list` would find them), the
 * create-once lock, maxHistory pruning, and no write outside the tenant's namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { adminClient, deleteNamespace, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import { decodeRelease, type Release } from "../../agent/helm/release-codec.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";
import { recordingClient } from "../support/recording-client.ts";

const fixtures = join(repoRoot, "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const fixture = (name: string) => decodeRelease(readFileSync(join(fixtures, name), "utf8"));

let admin: KubeClient;
let tenant: KubeClient;
let ns: string;
let other: string;

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("helm-store");
  other = await uniqueNamespace("helm-store-other");
  await installTenant(ns);
  tenant = createHttpClient({ transport: connect({ kubeconfig: await serviceAccountKubeconfig(ns, "rivulet") }).transport });
});
afterAll(async () => {
  await deleteNamespace(ns);
  await deleteNamespace(other);
});

function rel(version: number, status: Release["info"]["status"], name = "web"): Release {
  return { name, namespace: ns, version, info: { status, description: "x" }, chart: { metadata: { name: "c", version: "1.0.0" }, lock: null, templates: [], values: {}, schema: null, files: [] }, manifest: "" };
}

describe.skipIf(!existsSync(fixtures))("Helm's fixtures on the API server", () => {
  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    test(`${name} is stored by the tenant and read back unchanged`, async () => {
      const r = { ...fixture(name), namespace: ns };
      const store = secretReleaseStore(tenant, ns);
      await store.create({ release: r, labels: { origin: "fixture" } });
      const back = await store.get(r.name, r.version);
      expect(back).toEqual({ release: r, labels: { origin: "fixture" } });
      // Field order too: Helm's Go structs write it in declaration order, and so must a rewrite.
      expect(JSON.stringify(back!.release)).toBe(JSON.stringify(r));
      expect((await store.history(r.name)).map((h) => h.release.version)).toEqual([r.version]);
      // As `helm list` finds it: owner=helm across the namespace, Helm's name, type and labels.
      const listed = await admin.list({ apiVersion: "v1", kind: "Secret", namespace: ns }, { labelSelector: `owner=helm,name=${r.name}` });
      expect(listed.items.map((s) => [s.metadata.name, s.type])).toEqual([[`sh.helm.release.v1.${r.name}.v1`, "helm.sh/release.v1"]]);
      expect(listed.items[0]!.metadata.labels).toMatchObject({ name: r.name, owner: "helm", status: "deployed", version: "1", origin: "fixture" });
      expect(listed.items[0]!.metadata.labels!.createdAt).toMatch(/^\d{10}$/);
    });
  }
});

describe("release storage on the API server", () => {
  test("status changes are updates, a revision is created once, maxHistory prunes the oldest but the deployed", async () => {
    const store = secretReleaseStore(tenant, ns);
    await store.create({ release: rel(1, "pending-install"), labels: {} });
    await expect(store.create({ release: rel(1, "pending-install"), labels: {} })).rejects.toThrow("Cannot store release web revision 1: release: already exists");
    await store.update({ release: rel(1, "deployed"), labels: {} });
    expect((await store.deployed("web"))!.release.version).toBe(1);
    for (const v of [2, 3, 4]) await store.create({ release: rel(v, "failed"), labels: {} });
    await store.create({ release: rel(5, "pending-upgrade"), labels: {} }, { maxHistory: 3 });
    expect((await store.history("web")).map((h) => `${h.release.version} ${h.release.info.status}`)).toEqual(["1 deployed", "4 failed", "5 pending-upgrade"]);
    expect((await store.last("web"))!.release.info.status).toBe("pending-upgrade");
    const secret = await admin.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "sh.helm.release.v1.web.v1" });
    expect(secret!.metadata.labels!.modifiedAt).toMatch(/^\d{10}$/);
    expect((secret!.metadata.managedFields as Array<{ manager: string; operation: string }>).map((f) => `${f.manager} ${f.operation}`)).toEqual(["helm-controller Update"]);
  });

  test("create writes createdAt, update writes modifiedAt and the new status label", async () => {
    const at = new Date("2026-12-06T05:00:00Z");
    let now = at;
    const store = secretReleaseStore(tenant, ns, { now: () => now });
    const labels = async () => (await admin.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "sh.helm.release.v1.stamped.v1" }))!.metadata.labels!;
    await store.create({ release: rel(1, "pending-install", "stamped"), labels: {} });
    expect(await labels()).toMatchObject({ createdAt: "1796533200", status: "pending-install" });
    now = new Date(at.getTime() + 5000);
    await store.update({ release: rel(1, "deployed", "stamped"), labels: {} });
    const updated = await labels();
    expect(updated).toMatchObject({ modifiedAt: "1796533205", status: "deployed" });
    expect(updated.createdAt).toBeUndefined();
  });

  test("history, last and deployed query by Helm's label selectors", async () => {
    const store = secretReleaseStore(tenant, ns);
    for (const r of [rel(1, "superseded", "query"), rel(2, "deployed", "query"), rel(3, "failed", "query"), rel(1, "deployed", "query-other")]) await store.create({ release: r, labels: {} });
    const rec = recordingClient(tenant);
    const recorded = secretReleaseStore(rec.client, ns);
    expect((await recorded.history("query")).map((h) => h.release.version)).toEqual([1, 2, 3]);
    expect((await recorded.last("query"))!.release.version).toBe(3);
    expect((await recorded.deployed("query"))!.release.version).toBe(2);
    expect(await recorded.deployed("none")).toBeUndefined();
    expect(rec.calls).toEqual(["list Secret name=query,owner=helm", "list Secret name=query,owner=helm", "list Secret name=query,owner=helm,status=deployed", "list Secret name=none,owner=helm,status=deployed"]);
  });

  test("a release name that is not one is refused before it reaches a label selector", async () => {
    const rec = recordingClient(tenant);
    const store = secretReleaseStore(rec.client, ns);
    const invalid = "invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53";
    for (const [name, message] of [["", "no name provided"], ["web,owner=helm", invalid], ["a".repeat(54), invalid]] as const) {
      await expect(store.history(name)).rejects.toThrow(message);
    }
    expect(rec.calls).toEqual([]);
  });

  test("a Secret that does not decode is skipped when listing, as Helm skips it", async () => {
    const store = secretReleaseStore(tenant, ns);
    await store.create({ release: rel(1, "deployed", "garbled"), labels: {} });
    const bad = { apiVersion: "v1", kind: "Secret", metadata: { name: "sh.helm.release.v1.garbled.v2", namespace: ns, labels: { name: "garbled", owner: "helm" } }, data: { release: btoa("not a release") } };
    await admin.apply(bad, { fieldManager: "rivulet-tests" });
    expect((await store.history("garbled")).map((h) => h.release.version)).toEqual([1]);
  });

  test("the tenant cannot write a release into another namespace", async () => {
    const store = secretReleaseStore(tenant, other);
    await expect(store.create({ release: { ...rel(1, "pending-install"), namespace: other }, labels: {} })).rejects.toThrow(/forbidden/);
    expect((await admin.list({ apiVersion: "v1", kind: "Secret", namespace: other }, { labelSelector: "owner=helm" })).items).toEqual([]);
  });
});
