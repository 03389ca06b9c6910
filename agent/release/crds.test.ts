/**
 * Reading a chart's crds/ files. Applying them under each crds policy talks to the API server and is
 * tested on the real control plane (test/integration/helm-release-crds.test.ts).
 */
import { describe, expect, test } from "bun:test";
import type { ChartFile } from "../helm/chart.ts";
import { chartCrds } from "./crds.ts";

const crd = (name: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${name}
spec:
  group: example.com
`;
const files: ChartFile[] = [
  { name: "app/crds/a.yaml", data: new TextEncoder().encode(`${crd("as.example.com")}---\n${crd("bs.example.com")}`) },
  { name: "app/crds/cm.yaml", data: new TextEncoder().encode("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n") },
];

describe("the chart's crds/ files", () => {
  test("the CRDs of crds/ are read in file order; other kinds are ignored", () => {
    const { crds, ignored } = chartCrds(files);
    expect(crds.map((c) => c.metadata.name)).toEqual(["as.example.com", "bs.example.com"]);
    expect(ignored).toEqual(["app/crds/cm.yaml: ConfigMap/stray"]);
  });
});
