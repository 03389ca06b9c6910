/**
 * kstatus' per-kind readiness rules for the built-in kinds (messages as kstatus words them), plus
 * Flux's Job reader (InProgress until Complete) and Namespace phases. Reached through computeStatus,
 * which has already applied the generic rules (deletion, observedGeneration, Reconciling/Stalled).
 */
import type { KubeObject } from "../kube/types.ts";
import { conditionsOf, current, failed, findCondition, inProgress, intField, stringField, type StatusResult } from "./status-result.ts";

type Rule = (obj: KubeObject) => StatusResult;

function deployment(obj: KubeObject): StatusResult {
  // Without a progress deadline the controller never sets Progressing, so do not wait for it.
  const deadline = (obj.spec as { progressDeadlineSeconds?: unknown } | undefined)?.progressDeadlineSeconds;
  let progressing = typeof deadline !== "number" || deadline === 2147483647;
  let available = false;
  for (const c of conditionsOf(obj)) {
    if (c.type === "Progressing") {
      if (c.reason === "ProgressDeadlineExceeded") return failed("Progress deadline exceeded");
      if (c.status === "True" && c.reason === "NewReplicaSetAvailable") progressing = true;
    } else if (c.type === "Available" && c.status === "True") {
      available = true;
    }
  }
  const spec = intField(obj, "spec.replicas", 1);
  const replicas = intField(obj, "status.replicas", 0);
  const updated = intField(obj, "status.updatedReplicas", 0);
  const ready = intField(obj, "status.readyReplicas", 0);
  const avail = intField(obj, "status.availableReplicas", 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (updated > avail) return inProgress(`Available: ${avail}/${updated}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress("ReplicaSet not Available");
  if (!available) return inProgress("Deployment not Available");
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSet(obj: KubeObject): StatusResult {
  const strategy = stringField(obj, "spec.updateStrategy.type", "");
  if (strategy && strategy !== "RollingUpdate") return current("StatefulSet is using the ondelete update strategy");
  const spec = intField(obj, "spec.replicas", 1);
  const ready = intField(obj, "status.readyReplicas", 0);
  const cur = intField(obj, "status.currentReplicas", 0);
  const updated = intField(obj, "status.updatedReplicas", 0);
  const replicas = intField(obj, "status.replicas", 0);
  const partition = intField(obj, "spec.updateStrategy.rollingUpdate.partition", -1);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (partition !== -1) {
    if (updated < spec - partition) return inProgress(`updated: ${updated}/${spec - partition}`);
    return current(`Partitioned roll out complete. updated: ${updated}`);
  }
  if (spec > cur) return inProgress(`current: ${cur}/${spec}`);
  const currentRev = stringField(obj, "status.currentRevision", "");
  const updateRev = stringField(obj, "status.updateRevision", "");
  if (currentRev !== updateRev) return inProgress(`Waiting for updated revision ${updateRev} to match current ${currentRev}`);
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSet(obj: KubeObject): StatusResult {
  const desired = intField(obj, "status.desiredNumberScheduled", -1);
  const cur = intField(obj, "status.currentNumberScheduled", 0);
  const updated = intField(obj, "status.updatedNumberScheduled", 0);
  const avail = intField(obj, "status.numberAvailable", 0);
  const ready = intField(obj, "status.numberReady", 0);
  if (desired === -1) return inProgress("Missing .status.desiredNumberScheduled");
  if (desired > cur) return inProgress(`Current: ${cur}/${desired}`);
  if (desired > updated) return inProgress(`Updated: ${updated}/${desired}`);
  if (desired > avail) return inProgress(`Available: ${avail}/${desired}`);
  if (desired > ready) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSet(obj: KubeObject): StatusResult {
  const failure = findCondition(obj, "ReplicaFailure");
  if (failure?.status === "True") return inProgress("Replica Failure condition. Check Pods");
  const spec = intField(obj, "spec.replicas", 1);
  const replicas = intField(obj, "status.replicas", 0);
  const ready = intField(obj, "status.readyReplicas", 0);
  const avail = intField(obj, "status.availableReplicas", 0);
  const labelled = intField(obj, "status.fullyLabeledReplicas", 0);
  if (spec > labelled) return inProgress(`Labelled: ${labelled}/${spec}`);
  if (spec > avail) return inProgress(`Available: ${avail}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}

function pod(obj: KubeObject): StatusResult {
  const phase = stringField(obj, "status.phase", "");
  if (phase === "Succeeded") return current("Pod has completed successfully");
  if (phase === "Failed") return failed("Pod has completed, but not successfully");
  if (phase === "Running") {
    if (findCondition(obj, "Ready")?.status === "True") return current("Pod is Ready");
    const statuses = ((obj.status as { containerStatuses?: unknown[] }).containerStatuses ?? []) as Array<{
      name?: string;
      state?: { waiting?: { reason?: string } };
    }>;
    const looping = statuses.filter((s) => s.state?.waiting?.reason === "CrashLoopBackOff").map((s) => s.name);
    if (looping.length) return failed(`Containers in CrashLoop state: ${looping.join(",")}`);
    return inProgress("Pod is running but is not Ready");
  }
  if (phase === "Pending") {
    const scheduled = findCondition(obj, "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") return inProgress("Pod could not be scheduled");
    return inProgress("Pod is in the Pending phase");
  }
  return inProgress("Pod phase not available");
}

function job(obj: KubeObject): StatusResult {
  const parallelism = intField(obj, "spec.parallelism", 1);
  const completions = intField(obj, "spec.completions", parallelism);
  const succeeded = intField(obj, "status.succeeded", 0);
  const active = intField(obj, "status.active", 0);
  const failedPods = intField(obj, "status.failed", 0);
  for (const c of conditionsOf(obj)) {
    if (c.type === "Complete" && c.status === "True") return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
    if (c.type === "Failed" && c.status === "True") return failed(`Job Failed. failed: ${failedPods}/${completions}`);
  }
  return inProgress(`Job in progress. success:${succeeded}, active: ${active}, failed: ${failedPods}`);
}

function pvc(obj: KubeObject): StatusResult {
  const phase = stringField(obj, "status.phase", "unknown");
  if (phase !== "Bound") return inProgress(`PVC is not Bound. phase: ${phase}`);
  return current("PVC is Bound");
}

function service(obj: KubeObject): StatusResult {
  const type = stringField(obj, "spec.type", "ClusterIP");
  if (type === "LoadBalancer") {
    if (!stringField(obj, "spec.clusterIP", "")) return inProgress("ClusterIP not set");
    const ingress = (obj.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
    if (!Array.isArray(ingress) || ingress.length === 0) return inProgress("LoadBalancer has no ingress yet");
  }
  return current("Service is ready");
}

function crd(obj: KubeObject): StatusResult {
  for (const c of conditionsOf(obj)) {
    if (c.type === "NamesAccepted" && c.status === "False") return failed(c.message || "CRD names were not accepted");
    if (c.type === "Established") {
      return c.status === "True" ? current("CRD is established") : inProgress("CRD is not established");
    }
  }
  return inProgress("Install in progress");
}

function namespace(obj: KubeObject): StatusResult {
  const phase = stringField(obj, "status.phase", "");
  if (phase === "Terminating") return { status: "Terminating", message: "Namespace is terminating" };
  if (phase === "Active") return current("Namespace is active");
  return inProgress(`Namespace is not active yet${phase ? `. phase: ${phase}` : ""}`);
}

function pdb(obj: KubeObject): StatusResult {
  const healthy = intField(obj, "status.currentHealthy", 0);
  const desired = intField(obj, "status.desiredHealthy", 0);
  if (healthy < desired) return inProgress(`Budget not met. healthy replicas: ${healthy}/${desired}`);
  return current(`AllowedDisruptions has been computed.`);
}

/** Keyed by `group/Kind` ("" group for core kinds). */
export const KIND_RULES: Record<string, Rule> = {
  "apps/Deployment": deployment,
  "apps/StatefulSet": statefulSet,
  "apps/DaemonSet": daemonSet,
  "apps/ReplicaSet": replicaSet,
  "/Pod": pod,
  "batch/Job": job,
  "/PersistentVolumeClaim": pvc,
  "/Service": service,
  "/Namespace": namespace,
  "apiextensions.k8s.io/CustomResourceDefinition": crd,
  "policy/PodDisruptionBudget": pdb,
};
