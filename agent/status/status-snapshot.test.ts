import { expect, test } from "bun:test";
import { statusSnapshot } from "./status-snapshot.ts";
import type { KubeObject } from "../kube/types.ts";

const o = (kind: string, name: string, namespace = "team", status: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "x/v1", kind, metadata: { name, namespace }, status });

test("a snapshot lists the page's kinds of the namespace, sources first, each kind by name, with inventories", () => {
  const snap = statusSnapshot(
    "team",
    [
      o("Kustomization", "b", "team", { inventory: { entries: [{ id: "team_web_apps_Deployment", v: "v1" }] } }),
      o("Receiver", "hook"),
      o("GitRepository", "z"),
      o("Kustomization", "a"),
      o("GitRepository", "elsewhere", "other"),
      o("Bucket", "y"),
    ],
    [],
  );
  expect(snap.objects.map((r) => `${r.kind}/${r.name}`)).toEqual(["GitRepository/z", "Bucket/y", "Kustomization/a", "Kustomization/b"]);
  expect(snap.objects[3]!.inventory).toEqual([{ ref: "Deployment/team/web" }]);
  expect(snap.objects[0]!.inventory).toBeUndefined();
});

test("snapshots of the same objects are equal, so an unchanged page sends nothing", () => {
  const objs = [o("GitRepository", "a", "team", { conditions: [{ type: "Ready", status: "True", message: "ok" }] })];
  expect(JSON.stringify(statusSnapshot("team", objs, []))).toBe(JSON.stringify(statusSnapshot("team", objs, [])));
});
