/**
 * `rivulet get helmreleases` against the real control plane with rivulet's HelmRelease CRD: flux's
 * columns, the revision taken from the newest release in status.history (else the last attempted one),
 * and a missing name reported as not found.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, repoRoot, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";

const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let kubeconfig: string;

async function rivulet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = startRivulet([...args, "--kubeconfig", kubeconfig, "-n", ns]);
  const code = await p.exited;
  return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
}

const hr = (name: string, suspend = false): KubeObject => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", suspend, chartRef: { kind: "OCIRepository", name: "podinfo" } },
});

beforeAll(async () => {
  client = await adminClient();
  kubeconfig = (await testCluster()).kubeconfig;
  // A file run alone gets a bare control plane; installing the CRD again is harmless.
  const [crd] = parseDocuments(readFileSync(join(repoRoot, "crds", "helm.toolkit.fluxcd.io_helmreleases.yaml"), "utf8"), "crd") as KubeObject[];
  await client.apply(crd!, { ...fm, force: true });
  await eventually("the HelmRelease CRD to be served", async () => {
    try {
      return (await client.resource("helm.toolkit.fluxcd.io/v2", "HelmRelease")).namespaced;
    } catch {
      return undefined;
    }
  });
  ns = await uniqueNamespace("cli-hr");
  await client.apply(hr("released"), fm);
  await client.apply(hr("attempted", true), fm);
  const now = new Date().toISOString().slice(0, 19) + "Z";
  const ready = (status: string, message: string) => [{ type: "Ready", status, reason: "Test", message, lastTransitionTime: now }];
  const snapshot = { apiVersion: "v2", digest: "sha256:" + "0".repeat(64), name: "released", namespace: ns, version: 2, status: "deployed", chartName: "podinfo", chartVersion: "6.5.1", configDigest: "sha256:" + "1".repeat(64), firstDeployed: now, lastDeployed: now };
  const key = (name: string) => ({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: ns, name });
  await client.patch(key("released"), { status: { conditions: ready("True", `Helm upgrade succeeded for release ${ns}/released.v2 with chart podinfo@6.5.1`), history: [snapshot], lastAttemptedRevision: "6.5.0" } }, "merge", { subresource: "status" });
  await client.patch(key("attempted"), { status: { conditions: ready("False", "Helm install failed"), lastAttemptedRevision: "6.4.0" } }, "merge", { subresource: "status" });
});
afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

describe("rivulet get helmreleases", () => {
  test("prints flux's columns, the chart version of the newest release, suspension and readiness", async () => {
    const r = await rivulet("get", "helmreleases");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(r.out).toMatch(new RegExp(`^released\\s+6\\.5\\.1\\s+false\\s+True\\s+Helm upgrade succeeded for release ${ns}/released\\.v2 with chart podinfo@6\\.5\\.1$`, "m"));
    expect(r.out).toMatch(/^attempted\s+6\.4\.0\s+true\s+False\s+Helm install failed$/m);
  });
  test("takes a name and the short kind 'hr', and reports a missing one", async () => {
    expect((await rivulet("get", "hr", "released")).out).toMatch(/^released\s+6\.5\.1\s+/m);
    const missing = await rivulet("get", "helmreleases", "nope");
    expect(missing.code).toBe(3);
    expect(missing.err).toContain(`✗ HelmRelease ${ns}/nope not found`);
  });
});
