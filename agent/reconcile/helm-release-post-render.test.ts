import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyCommonMetadata, applyOriginLabels, ORIGIN_NAME_LABEL, ORIGIN_NAMESPACE_LABEL, postRender } from "./helm-release-post-render.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { decodeRelease } from "../helm/release-codec.ts";
import type { KObject } from "../kustomize/resource.ts";

const docs = (text: string) => parseDocuments(text, "manifest") as KObject[];
const hr = (spec: Record<string, unknown> = {}) => ({
  metadata: { name: "name", namespace: "namespace" },
  spec: { interval: "10m", chartRef: { kind: "OCIRepository" as const, name: "c" }, ...spec },
});

// Inputs and expected manifests of helm-controller's internal/postrender tests.
const mixed = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-without-labels\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: service-with-labels\n  labels:\n    existing: label\n";

describe("origin labels and common metadata, as helm-controller's renderers", () => {
  test("origin labels go on every object", () => {
    expect(emitDocuments(applyOriginLabels(docs(mixed), "name", "namespace"))).toBe(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    helm.toolkit.fluxcd.io/name: name\n    helm.toolkit.fluxcd.io/namespace: namespace\n  name: pod-without-labels\n---\napiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    existing: label\n    helm.toolkit.fluxcd.io/name: name\n    helm.toolkit.fluxcd.io/namespace: namespace\n  name: service-with-labels\n",
    );
  });
  test.each([
    ["labels and annotations", { labels: { foo: "bar", baz: "qux" }, annotations: { annotation1: "value1", annotation2: "value2" } },
      "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    annotation1: value1\n    annotation2: value2\n  labels:\n    baz: qux\n    foo: bar\n  name: pod-without-labels\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    annotation1: value1\n    annotation2: value2\n  labels:\n    baz: qux\n    existing: label\n    foo: bar\n  name: service-with-labels\n"],
    ["labels only", { labels: { foo: "bar" } },
      "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    foo: bar\n  name: pod-without-labels\n---\napiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    existing: label\n    foo: bar\n  name: service-with-labels\n"],
    ["annotations only", { annotations: { bar: "baz" } },
      "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    bar: baz\n  name: pod-without-labels\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    bar: baz\n  labels:\n    existing: label\n  name: service-with-labels\n"],
    ["no annotations and labels", {}, emitDocuments(docs(mixed))],
  ])("common metadata: %s", (_name, common, expected) => {
    expect(emitDocuments(applyCommonMetadata(docs(mixed), common))).toBe(expected);
  });
  test("origin labels win over a common label with the same key", async () => {
    const [pod] = await postRender(docs(mixed), hr({ commonMetadata: { labels: { [ORIGIN_NAME_LABEL]: "spoofed", team: "a" } } }));
    expect(pod!.metadata!.labels).toEqual({ [ORIGIN_NAME_LABEL]: "name", [ORIGIN_NAMESPACE_LABEL]: "namespace", team: "a" });
  });
  test("leaves selectors and pod templates alone and does not change its input", async () => {
    const input = docs("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels:\n      app: d\n  template:\n    metadata:\n      labels:\n        app: d\n");
    const copy = structuredClone(input);
    const [d] = await postRender(input, hr({ commonMetadata: { labels: { team: "a" } } }));
    expect(d!.spec).toEqual(copy[0]!.spec as never);
    expect(input).toEqual(copy);
  });
});

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
describe.skipIf(!existsSync(fixtures))("on a release Flux post-rendered", () => {
  test("podinfo-helm-1's manifest is what the chain writes from the same objects without the origin labels", async () => {
    const release = decodeRelease(readFileSync(join(fixtures, "podinfo-helm-1"), "utf8"));
    const stripped = docs(release.manifest).map((o) => {
      const { [ORIGIN_NAME_LABEL]: _n, [ORIGIN_NAMESPACE_LABEL]: _ns, ...labels } = o.metadata!.labels as Record<string, string>;
      return { ...o, metadata: { ...o.metadata, labels } };
    });
    const out = await postRender(stripped, { metadata: { name: "podinfo-helmrepository", namespace: "default" }, spec: hr().spec });
    expect(emitDocuments(out)).toBe(release.manifest);
  });
});

describe("the kustomize post-renderer, as helm-controller's Test_postRendererKustomize_Run", () => {
  const image = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: image\nspec:\n  containers:\n  - image: repository/image:tag\n";
  const strip = (objs: KObject[]) => applyOriginLabels(objs, "name", "namespace");
  test.each([
    ["image tag", { name: "repository/image", newTag: "0.1.0" }, "repository/image:0.1.0"],
    ["image name", { name: "repository/image", newName: "repository/new-image" }, "repository/new-image:tag"],
    ["image digest", { name: "repository/image", digest: "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3" },
      "repository/image@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"],
  ])("%s", async (_name, entry, expected) => {
    const out = await postRender(docs(image), hr({ postRenderers: [{ kustomize: { images: [entry] } }] }));
    expect(out).toEqual(strip(docs(image.replace("repository/image:tag", expected))));
  });
  test("a targeted strategic merge patch", async () => {
    const deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: nignx:v1.0.0\n";
    const patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\nspec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: nignx:latest\n";
    const out = await postRender(docs(deploy), hr({ postRenderers: [{ kustomize: { patches: [{ target: { group: "apps", version: "v1", kind: "Deployment", name: "nginx" }, patch }] } }] }));
    expect(out).toEqual(strip(docs(deploy.replace("nignx:v1.0.0", "nignx:latest"))));
  });
  test("a JSON 6902 patch", async () => {
    const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    c: foo\n  name: json6902\n";
    const patch = "- op: test\n  path: /metadata/annotations/c\n  value: foo\n- op: remove\n  path: /metadata/annotations/c\n- op: add\n  path: /metadata/annotations/c\n  value: [ \"foo\", \"bar\" ]\n- op: replace\n  path: /metadata/annotations/c\n  value: 42\n- op: move\n  from: /metadata/annotations/c\n  path: /metadata/annotations/d\n- op: copy\n  from: /metadata/annotations/d\n  path: /metadata/annotations/e\n";
    const out = await postRender(docs(pod), hr({ postRenderers: [{ kustomize: { patches: [{ target: { version: "v1", kind: "Pod", name: "json6902" }, patch }] } }] }));
    expect(emitDocuments(out)).toBe(emitDocuments(strip(docs('apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    d: "42"\n    e: "42"\n  name: json6902\n'))));
  });
  test("a failing patch names the post-renderer", async () => {
    const patch = "- op: test\n  path: /metadata/name\n  value: other\n";
    await expect(postRender(docs(image), hr({ postRenderers: [{ kustomize: { patches: [{ target: { kind: "Pod" }, patch }] } }] }))).rejects.toThrow(/^post-renderer 1 \(kustomize\) failed: /);
  });
});
