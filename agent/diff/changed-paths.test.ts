import { describe, expect, test } from "bun:test";
import { changedPaths, driftReport } from "./changed-paths.ts";

describe("changedPaths", () => {
  const base = { kind: "ConfigMap", metadata: { name: "a", labels: { x: "1" }, resourceVersion: "1" }, data: { k: "v", "a/b": "1" }, list: [1, 2] };

  test.each([
    ["nothing", {}, []],
    ["server metadata only", { metadata: { ...base.metadata, resourceVersion: "9" } }, []],
    ["a value", { data: { ...base.data, k: "w" } }, ["/data/k"]],
    ["an escaped key", { data: { ...base.data, "a/b": "2" } }, ["/data/a~1b"]],
    ["a removed label", { metadata: { name: "a", resourceVersion: "1" } }, ["/metadata/labels"]],
    ["a list item", { list: [1, 3] }, ["/list/1"]],
    ["a list length", { list: [1] }, ["/list"]],
  ])("%s", (_what, patch, want) => {
    expect(changedPaths(base, { ...base, ...patch })).toEqual(want);
  });

  test("the warn report names objects and fields and cuts long lists", () => {
    const r = driftReport(new Map([["ConfigMap/ns/a", Array.from({ length: 12 }, (_, i) => `/data/k${i}`)]]))!;
    expect(r.condition.reason).toBe("DriftDetected");
    expect(r.event.message).toBe(r.condition.message);
    expect(r.condition.message).toMatch(/^Drift detected in 1 object: ConfigMap\/ns\/a \(\/data\/k0, .*\/data\/k9 and 2 more\)$/);
    expect(driftReport(new Map())).toBeUndefined();
  });
});
