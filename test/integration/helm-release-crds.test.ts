/**
 * helm-controller's `crds` policy on the real control plane: Skip, Create and CreateReplace applied by an
 * identity allowed to write CustomResourceDefinitions (the admin, as a platform team would grant it),
 * with the API server's own CRD controller marking them Established. The CRDs get a group unique to the
 * run and are deleted afterwards, as they are cluster-scoped.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, uniqueNamespace, deleteNamespace } from "../support/cluster.ts";
import { recordingClient } from "../support/recording-client.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { ChartFile } from "../../agent/helm/chart.ts";
import type { ActionContext } from "../../agent/release/action-context.ts";
import { applyCrds } from "../../agent/release/crds.ts";
import { secretReleaseStore } from "../../agent/release/release-store.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";

const group = `g${Math.random().toString(36).slice(2, 8)}.rivulet-test.example.com`;

const crd = (plural: string, revision: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
  annotations:
    revision: ${revision}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: ${plural.slice(0, -1)}, kind: ${plural[0]!.toUpperCase()}${plural.slice(1, -1)} }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
/** The chart's crds/: two CRDs in one file, and a ConfigMap that does not belong there. */
const chartFiles = (a: string, b: string): ChartFile[] => [
  { name: "app/crds/a.yaml", data: new TextEncoder().encode(`${crd(a, "new")}---\n${crd(b, "new")}`) },
  { name: "app/crds/cm.yaml", data: new TextEncoder().encode("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n") },
];
const crdKey = (plural: string) => ({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `${plural}.${group}` });

describe("the crds policy on the real API server", () => {
  let admin: KubeClient;
  let ns: string;
  const written: string[] = [];
  let log: string[];
  const context = (client: KubeClient): ActionContext => {
    log = [];
    return { client, store: secretReleaseStore(client, ns), namespace: ns, allowedClusterKinds: ["CustomResourceDefinition"], pollMs: 100, log: (l) => log.push(l) };
  };
  /** A CRD as someone else left it before the chart came: annotated revision old. */
  const existing = async (plural: string) => {
    written.push(plural);
    await admin.apply(parseDocuments(crd(plural, "old"))[0] as KubeObject, { fieldManager: "platform" });
  };
  const revisionOf = async (plural: string) => (await admin.get(crdKey(plural)))?.metadata.annotations?.revision;

  beforeAll(async () => {
    admin = await adminClient();
    ns = await uniqueNamespace("helm-crds");
  });
  afterAll(async () => {
    for (const p of written) await admin.delete(crdKey(p)).catch(() => false);
    await deleteNamespace(ns);
  });

  test("Skip writes nothing", async () => {
    const rec = recordingClient(admin);
    expect(await applyCrds(context(rec.client), chartFiles("skips", "skipbs"), "Skip", 10_000)).toEqual([]);
    expect(rec.calls).toEqual([]);
    expect([await admin.get(crdKey("skips")), await admin.get(crdKey("skipbs"))]).toEqual([undefined, undefined]);
  });

  test("Create creates the missing CRDs and leaves existing ones as they are", async () => {
    await existing("createas");
    written.push("createbs");
    const names = await applyCrds(context(admin), chartFiles("createas", "createbs"), "Create", 30_000);
    expect(names).toEqual([`createbs.${group}`]);
    expect([await revisionOf("createas"), await revisionOf("createbs")]).toEqual(["old", "new"]);
    expect(log).toEqual([
      "ignoring non-CRD resources found in the chart's crds/ directory: app/crds/cm.yaml: ConfigMap/stray",
      `CustomResourceDefinition createas.${group} is already present. Skipping.`,
    ]);
    const conditions = (await admin.get(crdKey("createbs")))!.status as { conditions: Array<{ type: string; status: string }> };
    expect(conditions.conditions.find((c) => c.type === "Established")!.status).toBe("True");
  });

  test("CreateReplace applies every CRD, replacing existing ones", async () => {
    await existing("replaceas");
    written.push("replacebs");
    const names = await applyCrds(context(admin), chartFiles("replaceas", "replacebs"), "CreateReplace", 30_000);
    expect(names).toEqual([`replaceas.${group}`, `replacebs.${group}`]);
    expect([await revisionOf("replaceas"), await revisionOf("replacebs")]).toEqual(["new", "new"]);
    const fields = (await admin.get(crdKey("replaceas")))!.metadata.managedFields as Array<{ manager: string; operation: string; fieldsV1: { "f:metadata"?: { "f:annotations"?: object } } }>;
    // The annotation the chart changed now belongs to helm-controller's apply.
    expect(fields.filter((f) => f.fieldsV1["f:metadata"]?.["f:annotations"]).map((f) => `${f.manager} ${f.operation}`)).toEqual(["helm-controller Apply"]);
  });
});
