import { describe, expect, test } from "bun:test";
import type { Release, StoredHook } from "../helm/release-codec.ts";
import type { KubeObject } from "../kube/types.ts";
import { hooksFor, hookStatus } from "./hooks.ts";

const hook = (name: string, weight: number, events: StoredHook["events"] = ["pre-install"]): StoredHook => ({ name, kind: "ConfigMap", path: `c/templates/${name}.yaml`, manifest: "", events, last_run: { phase: "" }, ...(weight ? { weight } : {}) });
const release = (hooks: StoredHook[]) => ({ hooks }) as unknown as Release;

describe("hooks", () => {
  test("run by weight, then name, and only for their event", () => {
    const hooks = [hook("c", 0), hook("b", 5), hook("a", 5), hook("z", -1), hook("t", -9, ["test"]), hook("both", 1, ["post-install", "pre-install"])];
    expect(hooksFor(release(hooks), "pre-install").map((h) => h.name)).toEqual(["z", "c", "both", "a", "b"]);
    expect(hooksFor(release(hooks), "test").map((h) => h.name)).toEqual(["t"]);
    expect(hooksFor(release([]), "post-delete")).toEqual([]);
  });

  const job = (status: unknown, spec: unknown = {}): KubeObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec, status });
  const pod = (phase?: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status: phase ? { phase } : {} });
  test.each([
    ["a Job that completed", job({ succeeded: 1, conditions: [{ type: "Complete", status: "True" }] }), "Current", "Job Completed. succeeded: 1/1"],
    ["a Job that failed", job({ failed: 2, conditions: [{ type: "Failed", status: "True" }] }, { completions: 3 }), "Failed", "Job Failed. failed: 2/3"],
    ["a Job still running", job({ active: 1 }), "InProgress", "Job in progress"],
    ["a Pod that succeeded", pod("Succeeded"), "Current", "pod p succeeded"],
    ["a Pod that failed", pod("Failed"), "Failed", "pod p failed"],
    ["a Pod pending", pod("Pending"), "InProgress", "Pod in progress"],
    ["a ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, "Current", "Resource is current"],
    ["an object gone", undefined, "NotFound", "Resource not found"],
  ] as const)("%s reads as Helm's hook waiter reads it", (_name, obj, status, message) => {
    expect(hookStatus(obj)).toEqual({ status, message });
  });
});
