import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import type { KubeObject } from "../kube/types.ts";
import { INSTALL_LABELS, installedKinds, installObjects, tenantResourceFiles } from "./install-objects.ts";

const tenantDir = join(import.meta.dirname, "..", "..", "deploy", "tenant");
const files = tenantResourceFiles(parseDocuments(readFileSync(join(tenantDir, "kustomization.yaml"), "utf8"))[0]);
const tenantDocs = files.flatMap((f) => parseDocuments(readFileSync(join(tenantDir, f), "utf8"))) as KubeObject[];
const base = { namespace: "team-a", image: "registry.example/rivulet:1", allowKinds: [], artifactStorage: "pvc" as const };
const find = (objs: KubeObject[], kind: string) => objs.find((o) => o.kind === kind)!;
type Spec = Record<string, any>;

describe("installObjects", () => {
  test("places every object of deploy/tenant/ in the namespace, then storage, Service and Deployment", () => {
    const objs = installObjects(base, tenantDocs);
    expect(objs.map((o) => o.kind)).toEqual([...tenantDocs.map((d) => d.kind), "PersistentVolumeClaim", "Service", "Deployment"]);
    for (const o of objs) {
      expect(o.metadata.namespace).toBe("team-a");
      expect(o.metadata.labels).toMatchObject(INSTALL_LABELS);
    }
    const binding = objs.find((o) => o.kind === "RoleBinding")!;
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "rivulet", namespace: "team-a" }]);
  });

  test("the Deployment meets Pod Security 'restricted' and runs the agent on the volume", () => {
    const d = find(installObjects(base, tenantDocs), "Deployment").spec as Spec;
    expect(d.replicas).toBe(1);
    const pod = d.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.image).toBe("registry.example/rivulet:1");
    expect(c.args).toEqual([
      "run",
      "--namespace=team-a",
      "--storage-path=/data",
      "--health-addr=0.0.0.0:9440",
      "--storage-addr=0.0.0.0:9090",
      "--storage-adv-addr=http://rivulet.team-a.svc.cluster.local.",
      "--leader-elect",
    ]);
    expect(c.resources.limits.memory).toBe("512Mi");
    expect(pod.volumes[0]).toEqual({ name: "data", persistentVolumeClaim: { claimName: "rivulet-artifacts" } });
    expect(d.template.metadata.labels).toMatchObject(d.selector.matchLabels);
    expect(find(installObjects(base, tenantDocs), "Service").spec).toMatchObject({ selector: d.selector.matchLabels });
    // Artifact URLs (no port) reach the artifact server; the NetworkPolicy selects the pod by its name label.
    expect((find(installObjects(base, tenantDocs), "Service").spec as { ports: unknown }).ports).toEqual([
      { name: "artifacts", port: 80, targetPort: "artifacts", protocol: "TCP" },
      { name: "http", port: 9440, targetPort: "http", protocol: "TCP" },
    ]);
    expect(c.ports).toEqual([
      { name: "http", containerPort: 9440, protocol: "TCP" },
      { name: "artifacts", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(d.template.metadata.labels["app.kubernetes.io/name"]).toBe("rivulet");
  });

  test("emptydir storage makes no claim, and allowed kinds reach the agent's flags", () => {
    const objs = installObjects({ ...base, artifactStorage: "emptydir", allowKinds: ["Namespace", "ClusterRole"] }, tenantDocs);
    expect(objs.some((o) => o.kind === "PersistentVolumeClaim")).toBe(false);
    const pod = (find(objs, "Deployment").spec as Spec).template.spec;
    expect(pod.volumes[0]).toEqual({ name: "data", emptyDir: {} });
    expect(pod.containers[0].args).toContain("--allow-cluster-kinds=Namespace,ClusterRole");
  });

  test("installedKinds lists each kind once, in install order", () => {
    expect(installedKinds(installObjects(base, tenantDocs)).map((k) => k.kind)).toEqual([
      ...new Set([...tenantDocs.map((d) => d.kind), "PersistentVolumeClaim", "Service", "Deployment"]),
    ]);
  });

  test("tenantResourceFiles refuses a kustomization without a list of files", () => {
    expect(() => tenantResourceFiles({ resources: "role.yaml" })).toThrow("Cannot read deploy/tenant/kustomization.yaml: resources must be a list of file names");
  });
});
