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

function rel(version: number, status: Release["info"]["status"]): Release {
  return { name: "web", namespace: ns, version, info: { status, description: "x" }, chart: { metadata: { name: "c", version: "1.0.0" }, lock: null, templates: [], values: {}, schema: null, files: [] }, manifest: "" };
}

describe.skipIf(!existsSync(fixtures))("Helm's fixtures on the API server", () => {
  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    test(`${name} is stored by the tenant and read back unchanged`, async () => {
      const r = { ...fixture(name), namespace: ns };
      const store = secretReleaseStore(tenant, ns);
      await store.create({ release: r, labels: { origin: "fixture" } });
      const back = await store.get(r.name, r.version);
      expect(back).toEqual({ release: r, labels: { origin: "fixture" } });
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

  test("the tenant cannot write a release into another namespace", async () => {
    const store = secretReleaseStore(tenant, other);
    await expect(store.create({ release: { ...rel(1, "pending-install"), namespace: other }, labels: {} })).rejects.toThrow(/forbidden/);
    expect((await admin.list({ apiVersion: "v1", kind: "Secret", namespace: other }, { labelSelector: "owner=helm" })).items).toEqual([]);
  });
});
