import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { computeStatus } from "./kstatus.ts";
import type { KubeObject } from "../kube/types.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "testdata", `${name}.json`), "utf8")) as KubeObject;

describe("kstatus on objects recorded from the control plane", () => {
  test.each([
    ["deployment-replicas-0", "Current", "Deployment is available. Replicas: 0"],
    ["deployment-replicas-1", "InProgress", "Available: 0/1"],
    ["deployment-progress-deadline", "Failed", "Progress deadline exceeded"],
    ["replicaset-of-replicas-0", "Current", "ReplicaSet is available. Replicas: 0"],
    ["replicaset-of-replicas-1", "InProgress", "Available: 0/1"],
    ["job-pending", "InProgress", "Job in progress. success:0, active: 1, failed: 0"],
    ["job-deadline-exceeded", "Failed", "Job Failed. failed: 0/1"],
    ["crd-established", "Current", "CRD is established"],
    ["namespace-active", "Current", "Namespace is active"],
    ["pod-pending-unscheduled", "InProgress", "Pod is in the Pending phase"],
  ])("%s is %s", (name, status, message) => {
    expect(computeStatus(fixture(name))).toEqual({ status: status as never, message });
  });
});

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: "x", namespace: "ns", generation: 1, ...meta },
  ...rest,
});

describe("kstatus generic rules", () => {
  test.each<[string, KubeObject | undefined, string, string]>([
    ["a missing object", undefined, "NotFound", "Resource not found"],
    ["an object being deleted", obj("v1", "ConfigMap", {}, { deletionTimestamp: "2024-01-01T00:00:00Z" }), "Terminating", "Resource scheduled for deletion"],
    [
      "a generation not yet observed",
      obj("apps/v1", "Deployment", { status: { observedGeneration: 1 } }, { generation: 2 }),
      "InProgress",
      "Deployment generation is 2, but latest observed generation is 1",
    ],
    [
      "a Flux object with Reconciling=True",
      obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", { status: { observedGeneration: 1, conditions: [{ type: "Reconciling", status: "True", reason: "Progressing", message: "Building manifests" }] } }),
      "InProgress",
      "Building manifests",
    ],
    [
      "a Flux object with Stalled=True",
      obj("kustomize.toolkit.fluxcd.io/v1", "Kustomization", { status: { observedGeneration: 1, conditions: [{ type: "Stalled", status: "True", reason: "BuildFailed", message: "kustomization path not found" }] } }),
      "Failed",
      "kustomization path not found",
    ],
    [
      "a custom resource with Ready=True",
      obj("example.com/v1", "Widget", { status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True", message: "Applied revision: main@sha1:abc" }] } }),
      "Current",
      "Applied revision: main@sha1:abc",
    ],
    [
      "a custom resource with Ready=False",
      obj("example.com/v1", "Widget", { status: { conditions: [{ type: "Ready", status: "False", message: "dependency not ready" }] } }),
      "InProgress",
      "dependency not ready",
    ],
    ["a Flux CRD default status (observedGeneration -1)", obj("source.toolkit.fluxcd.io/v1", "GitRepository", { status: { observedGeneration: -1 } }), "InProgress", "GitRepository generation is 1, but latest observed generation is -1"],
    ["a kind without status", obj("v1", "ConfigMap", { data: {} }), "Current", "Resource is current"],
  ])("%s", (_name, o, status, message) => {
    expect(computeStatus(o)).toEqual({ status: status as never, message });
  });
});

describe("kstatus kind rules", () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>) => obj("apps/v1", "StatefulSet", { spec, status: { observedGeneration: 1, ...status } });
  const full = { replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2, currentRevision: "r1", updateRevision: "r1" };
  test.each<[string, KubeObject, string, string]>([
    ["StatefulSet rolled out", sts({ replicas: 2 }, full), "Current", "All replicas scheduled as expected. Replicas: 2"],
    ["StatefulSet not ready", sts({ replicas: 2 }, { ...full, readyReplicas: 1 }), "InProgress", "Ready: 1/2"],
    ["StatefulSet mid revision", sts({ replicas: 2 }, { ...full, updateRevision: "r2" }), "InProgress", "Waiting for updated revision r2 to match current r1"],
    ["StatefulSet with OnDelete", sts({ replicas: 2, updateStrategy: { type: "OnDelete" } }, {}), "Current", "StatefulSet is using the ondelete update strategy"],
    [
      "StatefulSet partitioned",
      sts({ replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }, { ...full, replicas: 3, readyReplicas: 3, updatedReplicas: 1 }),
      "Current",
      "Partitioned roll out complete. updated: 1",
    ],
    ["DaemonSet without status", obj("apps/v1", "DaemonSet", { status: { observedGeneration: 1 } }), "InProgress", "Missing .status.desiredNumberScheduled"],
    [
      "DaemonSet scheduled",
      obj("apps/v1", "DaemonSet", { status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 } }),
      "Current",
      "All replicas scheduled as expected. Replicas: 3",
    ],
    [
      "DaemonSet not available",
      obj("apps/v1", "DaemonSet", { status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 } }),
      "InProgress",
      "Available: 1/3",
    ],
    ["PVC pending", obj("v1", "PersistentVolumeClaim", { status: { phase: "Pending" } }), "InProgress", "PVC is not Bound. phase: Pending"],
    ["PVC bound", obj("v1", "PersistentVolumeClaim", { status: { phase: "Bound" } }), "Current", "PVC is Bound"],
    ["ClusterIP Service", obj("v1", "Service", { spec: { clusterIP: "10.0.0.1" } }), "Current", "Service is ready"],
    ["LoadBalancer without ingress", obj("v1", "Service", { spec: { type: "LoadBalancer", clusterIP: "10.0.0.1" }, status: { loadBalancer: {} } }), "InProgress", "LoadBalancer has no ingress yet"],
    [
      "LoadBalancer with ingress",
      obj("v1", "Service", { spec: { type: "LoadBalancer", clusterIP: "10.0.0.1" }, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } }),
      "Current",
      "Service is ready",
    ],
    ["Pod succeeded", obj("v1", "Pod", { status: { phase: "Succeeded" } }), "Current", "Pod has completed successfully"],
    ["Pod failed", obj("v1", "Pod", { status: { phase: "Failed" } }), "Failed", "Pod has completed, but not successfully"],
    ["Pod ready", obj("v1", "Pod", { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } }), "Current", "Pod is Ready"],
    [
      "Pod crash looping",
      obj("v1", "Pod", { status: { phase: "Running", containerStatuses: [{ name: "app", state: { waiting: { reason: "CrashLoopBackOff" } } }] } }),
      "Failed",
      "Containers in CrashLoop state: app",
    ],
    ["Job complete", obj("batch/v1", "Job", { spec: { completions: 2 }, status: { succeeded: 2, conditions: [{ type: "Complete", status: "True" }] } }), "Current", "Job Completed. succeeded: 2/2"],
    ["CRD with rejected names", obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", { status: { conditions: [{ type: "NamesAccepted", status: "False", message: "plural taken" }] } }), "Failed", "plural taken"],
    ["CRD not established", obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", { status: { conditions: [{ type: "Established", status: "False" }] } }), "InProgress", "CRD is not established"],
    ["Namespace terminating", obj("v1", "Namespace", { status: { phase: "Terminating" } }), "Terminating", "Namespace is terminating"],
    [
      "Deployment without a progress deadline is not waited on for Progressing",
      obj("apps/v1", "Deployment", { spec: { replicas: 1 }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [{ type: "Available", status: "True" }] } }),
      "Current",
      "Deployment is available. Replicas: 1",
    ],
    [
      "Deployment with surplus pods",
      obj("apps/v1", "Deployment", { spec: { replicas: 1, progressDeadlineSeconds: 600 }, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1 } }),
      "InProgress",
      "Pending termination: 1",
    ],
  ])("%s", (_name, o, status, message) => {
    expect(computeStatus(o)).toEqual({ status: status as never, message });
  });
});
