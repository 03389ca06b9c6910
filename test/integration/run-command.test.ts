/**
 * `rivulet run` as a tenant: an unprivileged ServiceAccount bound only by deploy/tenant/'s Roles runs the
 * agent in its namespace, takes the Lease, serves probes and stops cleanly; elsewhere, or with bad
 * credentials, it exits with one clear message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, installTenant, serviceAccountKubeconfig, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";

let admin: KubeClient;
let ns: string;
let other: string;
let kubeconfig: string;

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("tenant");
  other = await uniqueNamespace("elsewhere");
  await installTenant(ns);
  kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
});
afterAll(async () => {
  await deleteNamespace(ns);
  await deleteNamespace(other);
});

const leaseKey = () => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: ns, name: "rivulet" });
const holder = async () => ((await admin.get(leaseKey()))?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;

describe("rivulet run as a tenant", () => {
  test("the tenant install ships a NetworkPolicy that keeps the artifact port to the namespace", async () => {
    // The API server accepts and stores it; enforcing it takes a CNI with NetworkPolicy support, which
    // the test control plane (no kubelet, no CNI) does not have.
    const np = await admin.get({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", namespace: ns, name: "rivulet" });
    expect(np?.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "rivulet" } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 9090 }] },
        { ports: [{ protocol: "TCP", port: 9440 }] },
      ],
    });
  });

  test("runs in its namespace: JSON logs, probes, the Lease, and a clean exit on SIGTERM", async () => {
    const agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--identity", "replica-a"]);
    try {
      const connected = await agent.waitForLog((l) => l.msg === "connected");
      expect(connected).toMatchObject({ level: "info", namespace: ns, identity: "replica-a" });
      expect(typeof connected.ts).toBe("string");
      const probes = await agent.waitForLog((l) => l.msg === "serving probes and metrics");
      const base = `http://${probes.addr}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // The artifacts have a listener of their own; neither answers the other's paths.
      const artifacts = `http://${(await agent.waitForLog((l) => l.msg === "serving artifacts")).addr}`;
      expect(artifacts).not.toBe(base);
      expect((await fetch(`${artifacts}/healthz`)).status).toBe(404);
      expect((await fetch(`${base}/gitrepository/${ns}/x/x.tar.gz`)).status).toBe(404);
      expect((await fetch(`${artifacts}/gitrepository/${ns}/x/x.tar.gz`)).status).toBe(404);
      await agent.waitForLog((l) => l.msg === "acquired the leader lease");
      expect(await holder()).toBe("replica-a");
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ leader: true, namespace: ns });
      // As leader it runs the controllers: each lists its kind, and the metrics show the API traffic.
      await agent.waitForLog((l) => l.msg === "watching objects" && l.kind === "GitRepository");
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^rivulet_kube_requests_total\{verb="list"\} [1-9]/m);
      expect(metrics).toMatch(/^process_resident_memory_bytes [1-9]/m);
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
      expect(agent.lines.find((l) => l.msg === "stopped")).toMatchObject({ level: "info", reason: "received SIGTERM" });
      // The Lease was released so a standby takes over at once.
      expect(await holder()).toBe("");
    } finally {
      agent.child.kill("SIGKILL");
    }
  });

  test("a second replica stands by until the first one stops, then takes over", async () => {
    const a = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--identity", "first"]);
    await a.waitForLog((l) => l.msg === "acquired the leader lease");
    const b = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--identity", "second"]);
    try {
      await b.waitForLog((l) => l.msg === "serving probes and metrics");
      await new Promise((r) => setTimeout(r, 3000)); // more than one retry period
      expect(b.lines.some((l) => l.msg === "acquired the leader lease")).toBe(false);
      expect(await holder()).toBe("first");
      a.child.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      await b.waitForLog((l) => l.msg === "acquired the leader lease", 15_000);
      expect(await holder()).toBe("second");
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGTERM");
      await b.exited;
    }
  });

  test("in a namespace it has no Role in, it exits with one message naming what is missing", async () => {
    const agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--namespace", other, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0"]);
    expect(await agent.exited).toBe(3);
    const msg = agent.stderr.join("\n");
    expect(msg).toContain(`Error: Cannot run in namespace ${other}:`);
    expect(msg).toContain("may not get leases.coordination.k8s.io, create leases.coordination.k8s.io");
    expect(msg).toContain("apply deploy/tenant/");
    expect(msg).not.toContain("    at "); // no stack trace
  });

  test("with a rejected token it says Unauthorized, not a stack trace", async () => {
    const c = await testCluster();
    const bad = join(c.dir, "bad-token.kubeconfig");
    const text = (await Bun.file(kubeconfig).text()).replace(/"token":\s*"[^"]+"/, '"token": "not-a-valid-token"');
    expect(text).toContain("not-a-valid-token");
    writeFileSync(bad, text);
    const agent = startRivulet(["run", "--kubeconfig", bad, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0"]);
    expect(await agent.exited).toBe(3);
    expect(agent.stderr.join("\n")).toMatch(/^Error: Cannot GET \/version: Unauthorized: the credentials were rejected/m);
  });

  test("with an unreachable API server it names the address", async () => {
    const c = await testCluster();
    const dead = join(c.dir, "dead.kubeconfig");
    const text = (await Bun.file(kubeconfig).text()).replace(/"server":\s*"[^"]+"/, '"server": "https://127.0.0.1:1"');
    expect(text).toContain("127.0.0.1:1\"");
    writeFileSync(dead, text);
    const agent = startRivulet(["run", "--kubeconfig", dead, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0"]);
    expect(await agent.exited).toBe(3);
    expect(agent.stderr.join("\n")).toContain("Error: Cannot reach the Kubernetes API at https://127.0.0.1:1");
  });

  test("without any kubeconfig it says how to point it at a cluster", async () => {
    const agent = startRivulet(["run", "--namespace", ns], { KUBECONFIG: join((await testCluster()).dir, "missing.kubeconfig"), HOME: "/nonexistent" });
    expect(await agent.exited).not.toBe(0);
    expect(agent.stderr.join("\n")).toMatch(/^Error: /m);
  });
});

void eventually;
