import { beforeEach, describe, expect, test } from "bun:test";
import type { ChartFile } from "../helm/chart.ts";
import type { ActionContext } from "./action-context.ts";
import { applyCrds, chartCrds } from "./crds.ts";
import { secretReleaseStore } from "./release-store.ts";
import { fakeKube, type FakeKube } from "./testdata/fake-kube.ts";

const crd = (name: string, extra = "") => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${name}
spec:
  group: example.com${extra}
`;
const files: ChartFile[] = [
  { name: "app/crds/a.yaml", data: new TextEncoder().encode(`${crd("as.example.com")}---\n${crd("bs.example.com")}`) },
  { name: "app/crds/cm.yaml", data: new TextEncoder().encode("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n") },
];

let kube: FakeKube;
let ctx: ActionContext;
let log: string[];
beforeEach(() => {
  kube = fakeKube();
  log = [];
  // The fake has no CRD controller: CRDs are Established as soon as they are written.
  kube.onWrite = (o) => {
    if (o.kind === "CustomResourceDefinition" && !o.status) kube.put({ ...o, status: { conditions: [{ type: "Established", status: "True" }] } });
  };
  ctx = { client: kube, store: secretReleaseStore(kube, "team"), namespace: "team", allowedClusterKinds: ["CustomResourceDefinition"], pollMs: 10, log: (l) => log.push(l) };
});

describe("the crds policy", () => {
  test("the CRDs of crds/ are read in file order; other kinds are ignored", () => {
    const { crds, ignored } = chartCrds(files);
    expect(crds.map((c) => c.metadata.name)).toEqual(["as.example.com", "bs.example.com"]);
    expect(ignored).toEqual(["app/crds/cm.yaml: ConfigMap/stray"]);
  });

  test("Skip writes nothing", async () => {
    expect(await applyCrds(ctx, files, "Skip", 1000)).toEqual([]);
    expect(kube.calls).toEqual([]);
  });

  test("Create creates the missing CRDs and leaves existing ones as they are", async () => {
    kube.put({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "as.example.com" }, spec: { group: "old" } });
    expect(await applyCrds(ctx, files, "Create", 1000)).toEqual(["bs.example.com"]);
    expect((kube.objects.get("CustomResourceDefinition||as.example.com")!.spec as { group: string }).group).toBe("old");
    expect(log).toEqual(["ignoring non-CRD resources found in the chart's crds/ directory: app/crds/cm.yaml: ConfigMap/stray", "CustomResourceDefinition as.example.com is already present. Skipping."]);
  });

  test("CreateReplace applies every CRD, replacing existing ones", async () => {
    kube.put({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "as.example.com" }, spec: { group: "old" } });
    expect(await applyCrds(ctx, files, "CreateReplace", 1000)).toEqual(["as.example.com", "bs.example.com"]);
    expect((kube.objects.get("CustomResourceDefinition||as.example.com")!.spec as { group: string }).group).toBe("example.com");
    expect(kube.objects.get("CustomResourceDefinition||as.example.com")!.metadata.managedFields).toEqual([{ manager: "helm-controller" }]);
  });
});
