import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../kube/types.ts";
import { diffObjects } from "./diff-objects.ts";

const secret = (data: Record<string, string>, rv = "5"): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "s", namespace: "n", resourceVersion: rv, managedFields: [{ manager: "m" }] },
  data,
});

describe("diffObjects", () => {
  test("no diff when only server-owned metadata differs", () => {
    expect(diffObjects(secret({ a: "eA==" }, "6"), secret({ a: "eA==" }, "5"))).toBe("");
  });

  test("Secret values are masked, changed ones marked before and after", () => {
    const d = diffObjects(secret({ a: "eA==", b: "bmV3" }), secret({ a: "eA==", b: "b2xk" }));
    expect(d).not.toContain("bmV3");
    expect(d).not.toContain("b2xk");
    expect(d).toContain("-  b: '*** (before)'");
    expect(d).toContain("+  b: '*** (after)'");
    expect(d).toMatch(/^--- live Secret\/n\/s\n\+\+\+ merged Secret\/n\/s\n/);
  });

  test("Secret values are shown when masking is off", () => {
    expect(diffObjects(secret({ b: "bmV3" }), secret({ b: "b2xk" }), { maskSecrets: false })).toContain("+  b: bmV3");
  });

  test("a new object is diffed against nothing", () => {
    const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n" }, data: { k: "v" } };
    const d = diffObjects(cm, undefined);
    expect(d.split("\n").slice(0, 3)).toEqual(["--- /dev/null", "+++ merged ConfigMap/n/c", "@@ -0,0 +1,7 @@"]);
  });
});
