/**
 * The KubeClient against a real API server, on Bun and on Deno (run.ts runs this file on both): SSA and
 * dry-run, pagination, watch with reconnect and relist, delete with propagation, discovery of new CRDs,
 * impersonation and RBAC enforcement.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { KubeApiError } from "../../agent/kube/api-error.ts";
import { watchLoop } from "../../agent/kube/watch-loop.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { Transport } from "../../agent/kube/transport.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { testCluster } from "../support/cluster.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocuments } from "../../agent/yaml/parse.ts";

let client: KubeClient;
let ns: string;
const fm = { fieldManager: "rivulet-test" };
const cm = (name: string, data: Record<string, string>, namespace = ns): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});
const cmKey = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("kc");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe("server-side apply", () => {
  test("creates, then updates only what the manager sets, bumping resourceVersion once", async () => {
    const created = await client.apply(cm("ssa", { a: "1" }), fm);
    expect(created.metadata.uid).toBeTruthy();
    const updated = await client.apply(cm("ssa", { a: "2" }), fm);
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.data).toEqual({ a: "2" });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const fields = (updated.metadata.managedFields as Array<{ manager: string; operation: string }>).map((m) => [m.manager, m.operation]);
    expect(fields).toContainEqual(["rivulet-test", "Apply"]);
  });

  test("dry-run answers with the result but persists nothing", async () => {
    const answer = await client.apply(cm("dry", { x: "y" }), { ...fm, dryRun: true });
    expect(answer.data).toEqual({ x: "y" });
    expect(await client.get(cmKey("dry"))).toBeUndefined();
  });

  test("a conflicting manager is refused without force and wins with force", async () => {
    await client.apply(cm("conflict", { k: "mine" }), fm);
    const err = await client.apply(cm("conflict", { k: "theirs" }), { fieldManager: "other" }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(409);
    expect((err as Error).message).toContain("ConfigMap/");
    const forced = await client.apply(cm("conflict", { k: "theirs" }), { fieldManager: "other", force: true });
    expect(forced.data).toEqual({ k: "theirs" });
  });

  test("an invalid object is refused with the server's reason, naming the object", async () => {
    const bad = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Bad_Name", namespace: ns }, data: {} };
    const err = (await client.apply(bad, fm).catch((e) => e)) as KubeApiError;
    expect(err.code).toBe(422);
    expect(err.message).toMatch(/^Cannot apply ConfigMap\/.+\/Bad_Name: .*Invalid value/);
  });

  test("status is applied through the status subresource", async () => {
    const dep: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "st", namespace: ns },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "st" } },
        template: { metadata: { labels: { app: "st" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      },
    };
    await client.apply(dep, fm);
    // Spec changes through /status are ignored by the server; a status field we own sticks.
    const out = await client.apply(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "st", namespace: ns }, status: { observedGeneration: 1, collisionCount: 7 } },
      { fieldManager: "rivulet-status-test", subresource: "status", force: true },
    );
    expect((out.status as { collisionCount?: number }).collisionCount).toBe(7);
  });
});

describe("list and delete", () => {
  test("pages are followed until the list is complete", async () => {
    for (let i = 0; i < 7; i++) await client.apply(cm(`page-${i}`, { i: String(i) }), fm);
    let requests = 0;
    const counted = createHttpClient({ transport: connect({ kubeconfig: (await testCluster()).kubeconfig }).transport, onRequest: () => requests++ });
    const all = await counted.list({ apiVersion: "v1", kind: "ConfigMap", namespace: ns }, { limit: 2, labelSelector: undefined });
    const names = all.items.map((i) => i.metadata.name).filter((n) => n?.startsWith("page-"));
    expect(names.sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
    expect(all.items.every((i) => i.kind === "ConfigMap" && i.apiVersion === "v1")).toBe(true);
    expect(requests).toBeGreaterThanOrEqual(4); // discovery + at least 4 pages of 2
  });

  test("delete reports whether something was deleted and honours propagation", async () => {
    await client.apply(cm("gone", { a: "b" }), fm);
    expect(await client.delete(cmKey("gone"), { propagationPolicy: "Foreground" })).toBe(true);
    await eventually("the ConfigMap to disappear", async () => ((await client.get(cmKey("gone"))) ? undefined : true));
    expect(await client.delete(cmKey("gone"))).toBe(false);
  });
});

describe("watch", () => {
  test("sees ADDED, MODIFIED and DELETED in order from a list's resourceVersion", async () => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns };
    const start = await client.list(ref);
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch(ref, { resourceVersion: start.resourceVersion, signal: ac.signal, fieldSelector: "metadata.name=w1" })) {
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (ev.type === "DELETED") break;
      }
    })();
    await client.apply(cm("w1", { v: "1" }), fm);
    await client.apply(cm("w1", { v: "2" }), fm);
    await client.delete(cmKey("w1"));
    await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error("watch saw no DELETED in 20s")), 20_000))]);
    ac.abort();
    expect(seen).toEqual(["ADDED w1", "MODIFIED w1", "DELETED w1"]);
  });

  test("the watch loop re-watches when streams end and reconnects after connection failures", async () => {
    const { kubeconfig } = await testCluster();
    const real = connect({ kubeconfig }).transport;
    let failNext = 0;
    let watches = 0;
    // A real transport that refuses a few connections, as a network blip would.
    const flaky: Transport = async (req) => {
      if (req.query?.watch) watches++;
      if (failNext > 0) {
        failNext--;
        throw new Error("connect ECONNREFUSED 127.0.0.1 (injected)");
      }
      return real(req);
    };
    const c = createHttpClient({ transport: flaky });
    const ac = new AbortController();
    const seen = new Set<string>();
    const errors: number[] = [];
    const loop = watchLoop(c, { apiVersion: "v1", kind: "ConfigMap", namespace: ns }, {
      signal: ac.signal,
      labelSelector: "loop=yes",
      watchTimeoutSeconds: 1,
      backoff: { initialMs: 50, maxMs: 400 },
      // An object created while the first list runs arrives in the list, not as an event.
      onSync: (items) => items.forEach((i) => seen.add(i.metadata.name!)),
      onEvent: (ev) => void seen.add(ev.object.metadata.name!),
      onError: (_e, attempt) => void errors.push(attempt),
    });
    await client.apply({ ...cm("loop-a", { v: "1" }), metadata: { name: "loop-a", namespace: ns, labels: { loop: "yes" } } }, fm);
    await eventually("loop-a to be seen", async () => (seen.has("loop-a") ? true : undefined));
    failNext = 3;
    await eventually("three failed connections", async () => (errors.length >= 3 ? true : undefined));
    await client.apply({ ...cm("loop-b", { v: "1" }), metadata: { name: "loop-b", namespace: ns, labels: { loop: "yes" } } }, fm);
    await eventually("loop-b to be seen after reconnecting", async () => (seen.has("loop-b") ? true : undefined));
    ac.abort();
    await loop;
    expect(errors.slice(0, 3)).toEqual([1, 2, 3]);
    expect(watches).toBeGreaterThanOrEqual(3);
  });

  test("a 410 Gone from the server makes the loop relist instead of failing", async () => {
    const { kubeconfig } = await testCluster();
    const real = connect({ kubeconfig }).transport;
    let lists = 0;
    let gone = true;
    // Rewrites the first watch's resourceVersion to one long compacted away, which the real server
    // answers with 410 Gone (an ERROR event or an HTTP 410, depending on the version).
    const stale: Transport = async (req) => {
      if (!req.query?.watch && req.path.endsWith("/configmaps")) lists++;
      if (req.query?.watch && gone) {
        gone = false;
        return real({ ...req, query: { ...req.query, resourceVersion: "1" } });
      }
      return real(req);
    };
    const c = createHttpClient({ transport: stale });
    const ac = new AbortController();
    const seen = new Set<string>();
    await client.apply({ ...cm("gone-a", { v: "1" }), metadata: { name: "gone-a", namespace: ns, labels: { gone: "yes" } } }, fm);
    const loop = watchLoop(c, { apiVersion: "v1", kind: "ConfigMap", namespace: ns }, {
      signal: ac.signal,
      labelSelector: "gone=yes",
      backoff: { initialMs: 50, maxMs: 200 },
      onSync: (items) => items.forEach((i) => seen.add(i.metadata.name!)),
      onEvent: (ev) => void seen.add(ev.object.metadata.name!),
    });
    await client.apply({ ...cm("gone-b", { v: "1" }), metadata: { name: "gone-b", namespace: ns, labels: { gone: "yes" } } }, fm);
    await eventually("gone-b to be seen", async () => (seen.has("gone-b") ? true : undefined));
    ac.abort();
    await loop;
    expect(seen.has("gone-a")).toBe(true);
    // resourceVersion "1" may still be inside a fresh server's window; then no relist is needed.
    expect(lists).toBeGreaterThanOrEqual(1);
  });
});

describe("discovery", () => {
  test("a CRD installed after the first lookup is found without a restart", async () => {
    const group = `t${Math.random().toString(36).slice(2, 7)}.rivulet.test`;
    const err = (await client.resource(`${group}/v1`, "Widget").catch((e) => e)) as Error;
    expect(err.message).toContain("does not serve");
    await client.apply(
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
          scope: "Namespaced",
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
        },
      },
      fm,
    );
    const info = await eventually("the Widget kind to be served", async () => {
      await new Promise((r) => setTimeout(r, 1000)); // the mapper re-reads a group at most once a second
      return client.resource(`${group}/v1`, "Widget");
    });
    expect(info).toMatchObject({ plural: "widgets", namespaced: true, group });
    await client.delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${group}` });
  });
});

describe("credentials", () => {
  test("an exec credential plugin is run through client-node, loaded only for it", async () => {
    const c = await testCluster();
    const admin = parseDocuments(readFileSync(c.kubeconfig, "utf8"))[0] as { users: Array<{ user: { token?: string } }>; [k: string]: unknown };
    const token = admin.users[0]!.user.token;
    // The plugin hands out the admin's static token: a cluster without one cannot run this test.
    expect({ staticToken: Boolean(token) }).toEqual({ staticToken: true });
    const dir = mkdtempSync(join(tmpdir(), "rivulet-exec-"));
    const plugin = join(dir, "cred.sh");
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o755 });
    const kc = join(dir, "exec.kubeconfig");
    writeFileSync(kc, JSON.stringify({ ...admin, users: [{ ...admin.users[0], user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } } }] }));
    const viaExec = createHttpClient({ transport: connect({ kubeconfig: kc }).transport });
    const list = await viaExec.list({ apiVersion: "v1", kind: "ConfigMap", namespace: ns });
    expect(Array.isArray(list.items)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("identity", () => {
  test("an impersonated ServiceAccount is Forbidden until a RoleBinding grants it access", async () => {
    await client.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: ns } }, fm);
    const sa = client.impersonate(`system:serviceaccount:${ns}:deployer`);
    const err = (await sa.apply(cm("imp", { a: "1" }), fm).catch((e) => e)) as KubeApiError;
    expect(err.code).toBe(403);
    expect(err.message).toContain(`User "system:serviceaccount:${ns}:deployer" cannot patch resource "configmaps"`);
    expect(err.message).toContain(`in the namespace "${ns}"`);
    await client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "deployer-edit", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
      },
      fm,
    );
    const made = await eventually("the RoleBinding to take effect", () => sa.apply(cm("imp", { a: "1" }), fm));
    expect(made.metadata.namespace).toBe(ns);
    const other = await uniqueNamespace("kc-other");
    const denied = (await sa.list({ apiVersion: "v1", kind: "ConfigMap", namespace: other }).catch((e) => e)) as KubeApiError;
    expect(denied.code).toBe(403);
    expect(denied.message).toContain(`cannot list resource "configmaps" in API group "" in the namespace "${other}"`);
    await deleteNamespace(other);
  });
});
