/**
 * kstatus readiness and waitForHealthy against a real control plane (API server and controller-manager,
 * no nodes: Deployments get ReplicaSets and status, Pods never run): a Deployment scaled to 0 becomes
 * Current, one with a replica never progresses (timeout, Flux's message), one with a 1 s progress
 * deadline is marked Failed by the controller, a Job past its activeDeadlineSeconds is Failed, CRDs
 * and Namespaces become Current, and a missing object is NotFound.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, deleteNamespace, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { checkHealth, waitForHealthy } from "../../agent/health/wait-for-healthy.ts";

let client: KubeClient;
let ns: string;
const fm = { fieldManager: "rivulet-test" };

const deployment = (name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    ...extra,
  },
});
const dkey = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name });

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("health");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe("waitForHealthy", () => {
  test("a Deployment scaled to 0 becomes Current", async () => {
    await client.apply(deployment("zero", 0), fm);
    const res = await waitForHealthy(client, [dkey("zero")], { timeoutMs: 30_000, pollMs: 250 });
    expect(res.message).toBeUndefined();
    expect(res.healthy).toBe(true);
    expect(res.statuses[0]).toMatchObject({ ref: `Deployment/${ns}/zero`, status: "Current", message: "Deployment is available. Replicas: 0" });
  });

  test("a Deployment with one replica never progresses and times out with Flux's message", async () => {
    await client.apply(deployment("zero", 0), fm);
    await client.apply(deployment("one", 1), fm);
    const res = await waitForHealthy(client, [dkey("zero"), dkey("one")], { timeoutMs: 2_000, pollMs: 250 });
    expect(res.healthy).toBe(false);
    expect(res.inProgress.map((h) => h.ref)).toEqual([`Deployment/${ns}/one`]);
    expect(res.message).toBe(`timeout waiting for: [Deployment/${ns}/one status: 'InProgress']`);
    expect(res.elapsedMs).toBeGreaterThanOrEqual(1_900);
  });

  test("a Deployment past its progress deadline is Failed and the wait stops early", async () => {
    await client.apply(deployment("deadline", 1, { progressDeadlineSeconds: 1 }), fm);
    await client.apply(deployment("one", 1), fm);
    const res = await waitForHealthy(client, [dkey("deadline"), dkey("one")], { timeoutMs: 60_000, pollMs: 250 });
    expect(res.healthy).toBe(false);
    expect(res.failed.map((h) => [h.ref, h.message])).toEqual([[`Deployment/${ns}/deadline`, "Progress deadline exceeded"]]);
    // Early: the message says so, where the 60 s timeout would have said "timeout waiting for".
    expect(res.message).toBe(`failed early due to stalled resources: [Deployment/${ns}/deadline status: 'Failed']`);
  });

  test("a Job is InProgress while it cannot run and Failed past its activeDeadlineSeconds", async () => {
    const job = (name: string, extra: Record<string, unknown>): KubeObject => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: ns },
      spec: { ...extra, template: { spec: { restartPolicy: "Never", containers: [{ name: "j", image: "busybox" }] } } },
    });
    await client.apply(job("pending", {}), fm);
    await client.apply(job("deadline", { activeDeadlineSeconds: 1 }), fm);
    const pending = await checkHealth(client, { apiVersion: "batch/v1", kind: "Job", namespace: ns, name: "pending" });
    expect(pending.status).toBe("InProgress");
    expect(pending.message).toMatch(/^Job in progress/);
    const res = await waitForHealthy(client, [{ apiVersion: "batch/v1", kind: "Job", namespace: ns, name: "deadline" }], { timeoutMs: 60_000, pollMs: 250 });
    expect(res.failed[0]?.message).toMatch(/^Job Failed/);
  });

  test("CRDs and Namespaces become Current; a missing object is NotFound until the timeout", async () => {
    const group = `h${ns.split("-").pop()}.rivulet.test`;
    const crd: KubeObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "gadgets", kind: "Gadget" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
      },
    };
    try {
      await client.apply(crd, fm);
      const res = await waitForHealthy(
        client,
        [
          { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `gadgets.${group}` },
          { apiVersion: "v1", kind: "Namespace", name: ns },
        ],
        { timeoutMs: 30_000, pollMs: 250 },
      );
      expect(res.statuses.map((s) => [s.status, s.message])).toEqual([
        ["Current", "CRD is established"],
        ["Current", "Namespace is active"],
      ]);
      const missing = await waitForHealthy(client, [{ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "nope" }], { timeoutMs: 500, pollMs: 100 });
      expect(missing.message).toBe(`timeout waiting for: [ConfigMap/${ns}/nope status: 'NotFound']`);
    } finally {
      await client.delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `gadgets.${group}` }).catch(() => {});
    }
  });

  test("an abort signal ends the wait", async () => {
    await client.apply(deployment("one", 1), fm);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const res = await waitForHealthy(client, [dkey("one")], { timeoutMs: 60_000, pollMs: 100, signal: ac.signal });
    expect(res.healthy).toBe(false);
    expect(res.message).toMatch(/^health check cancelled while waiting for: \[Deployment\/.+\/one status: 'InProgress'\]$/);
  });
});
