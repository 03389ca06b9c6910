import { describe, expect, test } from "bun:test";
import { emitDocuments } from "../yaml/emit.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { fluxBuild } from "./flux-build.ts";
import { fluxKustomization, generatedResources } from "./flux-overlay.ts";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {v: "\${VALUE:=default}"}\n`;

describe("Flux generates a kustomization when the path has none", () => {
  test.each([
    ["lists yaml and yml files in lexical order", { "app/b.yaml": cm("b"), "app/a.yml": cm("a"), "app/notes.txt": "x" }, "app", ["a.yml", "b.yaml"]],
    ["descends into plain subdirectories", { "app/x.yaml": cm("x"), "app/sub/y.yaml": cm("y") }, "app", ["sub/y.yaml", "x.yaml"]],
    ["takes a subdirectory with a kustomization as one resource", { "app/x.yaml": cm("x"), "app/base/kustomization.yaml": "resources: [y.yaml]\n", "app/base/y.yaml": cm("y"), "app/base/ignored.yaml": cm("z") }, "app", ["base", "x.yaml"]],
    ["works at the artifact root", { "x.yaml": cm("x") }, "", ["x.yaml"]],
  ])("%s", (_n, files, dir, want) => {
    expect(generatedResources(textFileTree(files), dir)).toEqual(want);
  });

  test("skips symlinks and special files a directory reader lists", () => {
    const tree = textFileTree({ "app/x.yaml": cm("x") });
    const withLink: TreeReader = {
      list: (d) => (d === "app" ? [...tree.list(d), { name: "link.yaml", kind: "other", mode: 0 }] : tree.list(d)),
      isDir: (p) => tree.isDir(p),
      read: (p) => tree.read(p),
    };
    expect(generatedResources(withLink, "app")).toEqual(["x.yaml"]);
  });

  test("writes namespace _placeholder when there are no files", () => {
    expect(fluxKustomization(textFileTree({ "app/readme.md": "x" }), "app", {})).toMatchObject({ resources: [], namespace: "_placeholder" });
  });

  test.each([
    ["a file that is not YAML", { "app/bad.yaml": "a: [1\n" }],
    ["a document that is not a Kubernetes object", { "app/bad.yaml": "just: data\n" }],
  ])("fails on %s", (_n, files) => {
    expect(() => generatedResources(textFileTree(files), "app")).toThrow("failed to decode Kubernetes YAML from app/bad.yaml");
  });
});

describe("Flux writes the spec's overlay fields over the kustomization", () => {
  const tree = textFileTree({
    "app/kustomization.yaml": "resources: [x.yaml]\nimages: [{name: nginx, newTag: '1'}]\n",
    "app/x.yaml": cm("x"),
    "app/comp/kustomization.yaml": "kind: Component\ncommonAnnotations: {comp: 'yes'}\n",
  });
  test.each([
    ["targetNamespace becomes namespace", { targetNamespace: "t" }, { namespace: "t" }],
    ["prefix and suffix", { namePrefix: "p-", nameSuffix: "-s" }, { namePrefix: "p-", nameSuffix: "-s" }],
    ["commonMetadata labels without selectors, annotations", { commonMetadata: { labels: { a: "b" }, annotations: { c: "d" } } }, { labels: [{ pairs: { a: "b" }, includeSelectors: false }], commonAnnotations: { c: "d" } }],
    ["an image with the same name replaces the existing one", { images: [{ name: "nginx", newTag: "2" }] }, { images: [{ name: "nginx", newTag: "2" }] }],
    ["components are appended", { components: ["comp"] }, { components: ["comp"] }],
    ["missing components are skipped under ignoreMissingComponents", { components: ["comp", "gone"], ignoreMissingComponents: true }, { components: ["comp"] }],
  ])("%s", (_n, spec, want) => {
    expect(fluxKustomization(tree, "app", spec)).toMatchObject(want);
  });
  test("remote components are refused", () => {
    expect(() => fluxKustomization(tree, "app", { components: ["https://example.com/c"] })).toThrow("components must be local relative paths");
  });
});

describe("fluxBuild", () => {
  const tree = textFileTree({ "deploy/a.yaml": cm("a"), "deploy/b.yaml": cm("b") });
  test("builds a generated kustomization with overlay fields and substitution, and digests the stream", async () => {
    const r = await fluxBuild(tree, { path: "./deploy", targetNamespace: "ns", namePrefix: "p-", postBuild: { substitute: { VALUE: "set" } } }, { emit: emitDocuments });
    expect(r.objects.map((o) => [o.metadata!.name, o.metadata!.namespace, (o.data as { v: string }).v])).toEqual([["p-a", "ns", "set"], ["p-b", "ns", "set"]]);
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const again = await fluxBuild(tree, { path: "deploy", targetNamespace: "ns", namePrefix: "p-", postBuild: { substitute: { VALUE: "set" } } }, { emit: emitDocuments });
    expect(again.digest).toBe(r.digest);
    const other = await fluxBuild(tree, { path: "deploy", targetNamespace: "ns", namePrefix: "p-", postBuild: { substitute: { VALUE: "other" } } }, { emit: emitDocuments });
    expect(other.digest).not.toBe(r.digest);
  });
  test("substituteFrom data is used and inline substitute wins", async () => {
    const r = await fluxBuild(tree, { path: "deploy", postBuild: { substitute: { VALUE: "inline" } } }, { emit: emitDocuments, substituteFrom: [{ VALUE: "from" }] });
    expect((r.objects[0]!.data as { v: string }).v).toBe("inline");
  });
  test("without postBuild nothing is substituted", async () => {
    const r = await fluxBuild(tree, { path: "deploy" }, { emit: emitDocuments });
    expect((r.objects[0]!.data as { v: string }).v).toBe("${VALUE:=default}");
  });
  test("a missing path fails like kustomize-controller", async () => {
    await expect(fluxBuild(tree, { path: "nope" }, { emit: emitDocuments })).rejects.toThrow("kustomization path not found: nope");
  });
});
