import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareObjects, kindRank, sortObjects, splitStages, stageOf } from "./kind-order.ts";
import type { KubeObject } from "../kube/types.ts";

const o = (kind: string, name: string, namespace?: string, apiVersion = "v1"): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});
const refs = (objs: KubeObject[]) => objs.map((x) => `${x.kind}/${x.metadata.namespace ?? ""}/${x.metadata.name}`);

describe("kind order", () => {
  test("sorts Flux's first kinds first, unknown kinds in between, webhooks last; ties by namespace then name", () => {
    const input = [
      o("ValidatingWebhookConfiguration", "v", undefined, "admissionregistration.k8s.io/v1"),
      o("Widget", "w", "a", "example.com/v1"),
      o("Deployment", "web", "b", "apps/v1"),
      o("Deployment", "api", "b", "apps/v1"),
      o("Deployment", "web", "a", "apps/v1"),
      o("ConfigMap", "c", "a"),
      o("Namespace", "a"),
      o("CustomResourceDefinition", "widgets.example.com", undefined, "apiextensions.k8s.io/v1"),
      o("ServiceAccount", "sa", "a"),
      o("Ingress", "i", "a", "networking.k8s.io/v1"),
    ];
    expect(refs(sortObjects(input))).toEqual([
      "CustomResourceDefinition//widgets.example.com",
      "Namespace//a",
      "ServiceAccount/a/sa",
      "ConfigMap/a/c",
      "Deployment/a/web",
      "Deployment/b/api",
      "Deployment/b/web",
      "Widget/a/w",
      "Ingress/a/i",
      "ValidatingWebhookConfiguration//v",
    ]);
  });

  test("unlisted kinds rank between the first and last lists", () => {
    expect(kindRank("CustomResourceDefinition")).toBeLessThan(kindRank("PodDisruptionBudget"));
    expect(kindRank("PodDisruptionBudget")).toBeLessThan(kindRank("Ingress"));
    expect(kindRank("Ingress")).toBe(0);
    expect(kindRank("MutatingWebhookConfiguration")).toBeLessThan(kindRank("ValidatingWebhookConfiguration"));
  });

  test("the order does not depend on the input order", () => {
    const kinds = ["ConfigMap", "Namespace", "Deployment", "Widget", "Role", "ClusterRole", "Secret", "MutatingWebhookConfiguration"];
    const arb = fc.array(fc.record({ kind: fc.constantFrom(...kinds), name: fc.constantFrom("a", "b", "c"), ns: fc.constantFrom("x", "y") }), { maxLength: 20 });
    fc.assert(
      fc.property(arb, fc.integer(), (items, seed) => {
        const objs = items.map((i) => o(i.kind, i.name, i.ns));
        const shuffled = [...objs].sort(() => ((seed = (seed * 9301 + 49297) % 233280) / 233280) - 0.5);
        expect(refs(sortObjects(shuffled))).toEqual(refs(sortObjects(objs)));
        const sorted = sortObjects(objs);
        for (let i = 1; i < sorted.length; i++) expect(compareObjects(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe("stages", () => {
  test.each([
    ["apiextensions.k8s.io/v1", "CustomResourceDefinition", "definitions"],
    ["apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "definitions"],
    ["v1", "Namespace", "definitions"],
    ["rbac.authorization.k8s.io/v1", "ClusterRole", "definitions"],
    ["example.com/v1", "Namespace", "resources"],
    ["storage.k8s.io/v1", "StorageClass", "classes"],
    ["networking.k8s.io/v1", "IngressClass", "classes"],
    ["apps/v1", "Deployment", "resources"],
    ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "resources"],
  ])("%s %s is in stage %s", (apiVersion, kind, stage) => {
    expect(stageOf({ apiVersion, kind })).toBe(stage as never);
  });

  test("splitStages sorts each stage", () => {
    const s = splitStages([o("ConfigMap", "b", "n"), o("Namespace", "n"), o("ConfigMap", "a", "n"), o("PriorityClass", "p", undefined, "scheduling.k8s.io/v1")]);
    expect(refs(s.definitions)).toEqual(["Namespace//n"]);
    expect(refs(s.classes)).toEqual(["PriorityClass//p"]);
    expect(refs(s.resources)).toEqual(["ConfigMap/n/a", "ConfigMap/n/b"]);
  });
});
