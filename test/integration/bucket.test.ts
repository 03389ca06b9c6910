/**
 * Bucket end to end: a real S3 API (s3rver with a SigV4-verifying front) on loopback, the real control
 * plane, and the agent; a Kustomization builds from the Bucket's artifact.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startS3Server, type TestS3 } from "../support/s3-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let s3: TestS3;
let agent: InProcessAgent;
let storage: string;

const getBucket = async (name: string) => (await client.get({ apiVersion: SRC, kind: "Bucket", namespace: ns, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("bucket");
  s3 = await startS3Server({ accessKey: "tenant", secretKey: "tenant-secret-key" });
  storage = mkdtempSync(join(tmpdir(), "rivulet-bucket-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await s3?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("Bucket", () => {
  test("a bucket becomes an artifact with Flux's index revision, and a Kustomization applies it", async () => {
    await s3.createBucket("manifests");
    await s3.putObject("manifests", "apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-bucket\ndata:\n  k: v\n");
    await s3.putObject("manifests", "other/ignored.yaml", "x: 1\n");
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "s3-creds", namespace: ns }, stringData: { accesskey: "tenant", secretkey: "tenant-secret-key" } }, fm);
    await client.apply(
      { apiVersion: SRC, kind: "Bucket", metadata: { name: "manifests", namespace: ns }, spec: { interval: "10m", bucketName: "manifests", endpoint: s3.endpoint, insecure: true, prefix: "apps/", secretRef: { name: "s3-creds" } } },
      fm,
    );
    const b = await eventually("the Bucket to be Ready", async () => {
      const o = await getBucket("manifests");
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    const artifact = b.status!.artifact as { revision: string; path: string };
    expect(artifact.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(artifact.path).toBe(`bucket/${ns}/manifests/${artifact.revision.slice(7)}.tar.gz`);
    await client.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "from-bucket", namespace: ns }, spec: { interval: "10m", path: "./apps", prune: true, sourceRef: { kind: "Bucket", name: "manifests" } } },
      fm,
    );
    await eventually("the ConfigMap from the bucket", async () => (await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "from-bucket" })) ?? undefined);
  });

  test("wrong credentials set FetchFailed with S3's reason and keep the artifact", async () => {
    const before = (await getBucket("manifests"))!.status!.artifact;
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "s3-creds", namespace: ns }, stringData: { accesskey: "tenant", secretkey: "wrong" } }, fm);
    await client.patch({ apiVersion: SRC, kind: "Bucket", namespace: ns, name: "manifests" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "now" } } }, "merge");
    const o = await eventually("FetchFailed", async () => {
      const o = await getBucket("manifests");
      return cond(o, "FetchFailed")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "FetchFailed")!.message).toContain("access denied (HTTP 403");
    expect(o.status!.artifact).toEqual(before);
  });
});
