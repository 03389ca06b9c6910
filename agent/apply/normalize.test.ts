import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { normalizeForApply } from "./normalize.ts";
import type { KubeObject } from "../kube/types.ts";

const podSpec = { containers: [{ name: "a", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] }], initContainers: [{ name: "i", ports: [{ containerPort: 1 }] }] };

describe("normalizeForApply", () => {
  test.each<[string, KubeObject, string]>([
    ["Deployment", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["Job", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["CronJob", { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } }, "spec.jobTemplate.spec.template.spec"],
    ["Pod", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: podSpec }, "spec"],
  ])("%s container ports default to TCP and keep explicit protocols", (_n, input, path) => {
    const out = normalizeForApply(input);
    let spec: any = out;
    for (const p of path.split(".")) spec = spec[p];
    expect(spec.containers[0].ports.map((p: { protocol: string }) => p.protocol)).toEqual(["TCP", "UDP"]);
    expect(spec.initContainers[0].ports[0].protocol).toBe("TCP");
    let orig: any = input;
    for (const p of path.split(".")) orig = orig[p];
    expect(orig.containers[0].ports[0].protocol).toBeUndefined();
  });

  test("Service ports default to TCP", () => {
    const out = normalizeForApply({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } });
    expect((out.spec as { ports: Array<{ protocol: string }> }).ports[0]!.protocol).toBe("TCP");
  });

  test("Secret stringData moves into data, base64 of UTF-8", () => {
    const out = normalizeForApply({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { a: "YQ==" }, stringData: { b: "é", a: "x" } });
    expect(out.data).toEqual({ a: "eA==", b: "w6k=" });
    expect(out.stringData).toBeUndefined();
  });

  test("status and creationTimestamp are dropped except a CRD's status", () => {
    const cm = normalizeForApply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", creationTimestamp: "x" }, status: { a: 1 } });
    expect(cm.status).toBeUndefined();
    expect(cm.metadata.creationTimestamp).toBeUndefined();
    const crd = normalizeForApply({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "c" }, status: { a: 1 } });
    expect(crd.status).toEqual({ a: 1 });
  });

  test("is idempotent", () => {
    fc.assert(
      fc.property(fc.constantFrom("Deployment", "Service", "Secret", "ConfigMap"), fc.option(fc.constantFrom("TCP", "UDP")), (kind, protocol) => {
        const port = protocol ? { port: 1, protocol } : { port: 1 };
        const input: KubeObject = {
          apiVersion: kind === "Deployment" ? "apps/v1" : "v1",
          kind,
          metadata: { name: "x" },
          spec: { ports: [port], template: { spec: { containers: [{ name: "c", ports: [port] }] } } },
          stringData: { k: "v" },
        };
        const once = normalizeForApply(input);
        expect(normalizeForApply(once)).toEqual(once);
      }),
    );
  });
});
