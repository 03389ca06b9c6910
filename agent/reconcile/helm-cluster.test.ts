import { describe, expect, test } from "bun:test";
import { cachedCapabilities } from "./helm-cluster.ts";
import type { DiscoveryPort } from "../helm/cluster-capabilities.ts";

/** A discovery port answering from plain data and counting the version requests. */
function discovery(fail: { next: boolean }) {
  const asked = { count: 0 };
  const port: DiscoveryPort = {
    async serverVersion() {
      asked.count++;
      if (fail.next) throw new Error("connection refused");
      return { gitVersion: `v1.30.${asked.count}`, major: "1", minor: "30" };
    },
    serverResources: async () => [{ groupVersion: "v1", resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true }] }],
  };
  return { port, asked };
}

describe("cachedCapabilities", () => {
  test("asks discovery once per ttl, and again after it", async () => {
    const fail = { next: false };
    const { port, asked } = discovery(fail);
    let now = 0;
    const caps = cachedCapabilities(port, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([caps(), caps()]);
    expect([a.kubeVersion.version, b.kubeVersion.version, asked.count]).toEqual(["v1.30.1", "v1.30.1", 1]);
    now = 999;
    expect((await caps()).kubeVersion.version).toBe("v1.30.1");
    now = 1000;
    expect((await caps()).kubeVersion.version).toBe("v1.30.2");
    expect((await caps()).apiVersions).toContain("v1/ConfigMap");
  });

  test("a failed discovery is not kept: the next render asks again", async () => {
    const fail = { next: true };
    const { port, asked } = discovery(fail);
    const caps = cachedCapabilities(port, { ttlMs: 60_000, now: () => 0 });
    await expect(caps()).rejects.toThrow("could not get server version from Kubernetes: connection refused");
    fail.next = false;
    expect((await caps()).kubeVersion.version).toBe("v1.30.2");
    expect(asked.count).toBe(2);
  });
});
