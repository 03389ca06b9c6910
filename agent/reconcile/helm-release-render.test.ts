import { describe, expect, test } from "bun:test";
import { postRenderRelease } from "./helm-release-render.ts";
import type { RenderedRelease } from "../helm/render.ts";
import type { StoredHook } from "../helm/release-codec.ts";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"`;
const hook = (name: string): StoredHook => ({
  name,
  kind: "Pod",
  path: "app/templates/tests/t.yaml",
  manifest: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: []\n`,
  events: ["test"],
  last_run: { phase: "" },
});
const rendered = (): RenderedRelease => ({
  manifest: "",
  manifests: [
    { path: "app/templates/a.yaml", kind: "ConfigMap", name: "a", content: cm("a") },
    { path: "app/templates/b.yaml", kind: "ConfigMap", name: "b", content: cm("b") },
  ],
  hooks: [hook("check")],
  notes: "",
  crds: [],
  values: {},
});
const hr = (spec: Record<string, unknown> = {}) => ({
  metadata: { name: "web", namespace: "team" },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository" as const, name: "c" }, ...spec },
});
const patch = { kustomize: { patches: [{ target: { kind: "ConfigMap|Pod" }, patch: '[{"op":"add","path":"/metadata/labels","value":{"patched":"by-kustomize"}}]' }] } };

describe("postRenderRelease", () => {
  test("puts each object back in its template file and writes the manifest again, with the origin labels", async () => {
    const out = await postRenderRelease(rendered(), hr());
    expect(out.manifests.map((d) => d.path)).toEqual(["app/templates/a.yaml", "app/templates/b.yaml"]);
    expect(out.manifest).toBe(
      "---\n# Source: app/templates/a.yaml\napiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  labels:\n    helm.toolkit.fluxcd.io/name: web\n    helm.toolkit.fluxcd.io/namespace: team\n  name: a\n" +
        "---\n# Source: app/templates/b.yaml\napiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  labels:\n    helm.toolkit.fluxcd.io/name: web\n    helm.toolkit.fluxcd.io/namespace: team\n  name: b\n",
    );
  });

  test.each([
    ["combined", true, true],
    ["separate", true, true],
    ["nohooks", true, false],
  ])("postRenderStrategy %s: manifests post-rendered %p, hooks %p", async (strategy, manifests, hooks) => {
    const out = await postRenderRelease(rendered(), hr({ postRenderStrategy: strategy, postRenderers: [patch] }));
    expect(out.manifest.includes("patched: by-kustomize")).toBe(manifests);
    expect(out.hooks[0]!.manifest.includes("patched: by-kustomize")).toBe(hooks);
    expect(out.hooks[0]!.manifest.includes("helm.toolkit.fluxcd.io/name: web")).toBe(hooks);
  });

  test("does not change its input", async () => {
    const input = rendered();
    const copy = structuredClone(input);
    await postRenderRelease(input, hr({ postRenderers: [patch] }));
    expect(input).toEqual(copy);
  });
});
