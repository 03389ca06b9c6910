import { describe, expect, test } from "bun:test";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { correctReleaseDrift, detectReleaseDrift, fieldChanges, summarizeDrift } from "./helm-release-drift.ts";

const cm = (name: string, data: Record<string, string>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "team", ...extra },
  data,
} as KubeObject);

/** A cluster of plain objects: a dry-run answers the desired object over the live one (what SSA does for owned fields). */
function fakeCluster(live: KubeObject[]) {
  const calls: string[] = [];
  const objects = new Map(live.map((o) => [o.metadata.name!, o]));
  const client = {
    get: async (key: { name: string }) => (calls.push(`get ${key.name}`), objects.get(key.name)),
    apply: async (obj: KubeObject, opts: { dryRun?: boolean }) => {
      calls.push(`apply${opts.dryRun ? " dry-run" : ""} ${obj.metadata.name}`);
      const merged = { ...objects.get(obj.metadata.name!), ...obj, metadata: { ...objects.get(obj.metadata.name!)?.metadata, ...obj.metadata } } as KubeObject;
      if (!opts.dryRun) objects.set(obj.metadata.name!, merged);
      return merged;
    },
  } as unknown as KubeClient;
  return { client, calls, objects };
}

const noCache = { cache: undefined, ready: false };

describe("HelmRelease drift detection", () => {
  test.each([
    ["an edited value is a change", { data: { a: "1" } }, { data: { a: "2" } }, { additions: 0, changes: 1, removals: 0 }],
    ["a field the chart renders and the cluster lost is an addition", { data: {} }, { data: { a: "1" } }, { additions: 1, changes: 0, removals: 0 }],
    ["a field the cluster gained that applying removes is a removal", { data: { a: "1", b: "2" } }, { data: { a: "1" } }, { additions: 0, changes: 0, removals: 1 }],
    ["equal objects have no changes", { data: { a: "1" } }, { data: { a: "1" } }, { additions: 0, changes: 0, removals: 0 }],
  ])("%s", (_name, live, dry, want) => {
    expect(fieldChanges(live, dry)).toEqual(want);
  });

  test("an edited object is reported changed, a deleted one removed, an unchanged one not at all", async () => {
    const { client } = fakeCluster([cm("edited", { a: "hand" }), cm("same", { a: "1" })]);
    const desired = [cm("edited", { a: "chart" }), cm("gone", { a: "1" }), cm("same", { a: "1" })];
    const found = await detectReleaseDrift({ client, objects: desired, ignore: undefined, fieldManager: "helm-controller", cache: noCache });
    expect(summarizeDrift(found.drifted)).toBe("ConfigMap/team/edited changed (0 additions, 1 changes, 0 removals)\nConfigMap/team/gone removed");
  });

  test("an ignore rule leaves its field alone, for the objects its target picks only", async () => {
    const { client } = fakeCluster([cm("a", { x: "hand" }), cm("b", { x: "hand" })]);
    const desired = [cm("a", { x: "chart" }), cm("b", { x: "chart" })];
    const ignore = [{ paths: ["/data/x"], target: { name: "a" } }];
    const found = await detectReleaseDrift({ client, objects: desired, ignore, fieldManager: "helm-controller", cache: noCache });
    expect(found.drifted.map((d) => d.desired.metadata.name)).toEqual(["b"]);
  });

  test("a Secret's drift names the object and counts fields, never a value", async () => {
    const secret = (v: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "team" }, data: { password: v } }) as KubeObject;
    const { client } = fakeCluster([secret("aGFuZC1zZWNyZXQ=")]);
    const found = await detectReleaseDrift({ client, objects: [secret("Y2hhcnQtc2VjcmV0")], ignore: undefined, fieldManager: "helm-controller", cache: noCache });
    const summary = summarizeDrift(found.drifted);
    expect(summary).toBe("Secret/team/creds changed (0 additions, 1 changes, 0 removals)");
    expect(summary).not.toContain("aGFuZC1zZWNyZXQ=");
    expect(summary).not.toContain("Y2hhcnQtc2VjcmV0");
  });

  test("correction applies the drifted objects as the field manager and names each in the change set", async () => {
    const { client, calls, objects } = fakeCluster([cm("edited", { a: "hand" })]);
    const found = await detectReleaseDrift({ client, objects: [cm("edited", { a: "chart" }), cm("gone", { a: "1" })], ignore: undefined, fieldManager: "helm-controller", cache: noCache });
    const out = await correctReleaseDrift({ client, drifted: found.drifted, ignore: undefined, fieldManager: "helm-controller", cache: noCache });
    expect(out).toEqual({ corrected: ["ConfigMap/team/edited configured", "ConfigMap/team/gone created"], errors: [] });
    expect(calls.filter((c) => c.startsWith("apply ") && !c.includes("dry-run")).sort()).toEqual(["apply edited", "apply gone"]);
    expect((objects.get("edited") as { data?: unknown }).data).toEqual({ a: "chart" });
  });

  test("a correction leaves the ignored fields out of what it applies", async () => {
    const { client, objects } = fakeCluster([cm("a", { x: "hand", y: "hand" })]);
    const ignore = [{ paths: ["/data/x"] }];
    const found = await detectReleaseDrift({ client, objects: [cm("a", { x: "chart", y: "chart" })], ignore, fieldManager: "helm-controller", cache: noCache });
    const sent: KubeObject[] = [];
    const spy = { ...client, apply: (o: KubeObject, opts: { dryRun?: boolean }) => (sent.push(o), client.apply(o, opts as never)) } as KubeClient;
    await correctReleaseDrift({ client: spy, drifted: found.drifted, ignore, fieldManager: "helm-controller", cache: noCache });
    expect(sent.map((o) => (o as { data?: unknown }).data)).toEqual([{ y: "chart" }]);
    expect(objects.size).toBe(1);
  });
});
