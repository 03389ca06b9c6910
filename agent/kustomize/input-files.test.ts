import { describe, expect, test } from "bun:test";
import { textFileTree } from "../artifact/file-tree.ts";
import { inputFiles } from "./input-files.ts";

const tree = textFileTree({
  "app/kustomization.yaml": [
    "resources: [../base, deploy.yaml, https://example.com/remote.yaml]",
    "components: [../component]",
    "secretGenerator:",
    "- name: s",
    "  files: [token=secret/token.bin, tls.crt]",
    "  envs: [app.env]",
    "configMapGenerator:",
    "- name: c",
    "  envs: [plain.env]",
    "patches:",
    "- path: patch.yaml",
    "- path: https://example.com/patch.yaml",
    "- patch: '{}'",
    "",
  ].join("\n"),
  "app/deploy.yaml": "kind: ConfigMap\n",
  "base/kustomization.yaml": "resources: [nested]\nsecretGenerator: [{name: b, env: legacy.env}]\npatches: [{path: ../app/patch.yaml}]\n",
  "base/nested/kustomization.yaml": "secretGenerator: [{name: n, files: [deep.yaml]}]\nresources: [../../base]\n",
  "component/kustomization.yaml": "kind: Component\npatches: [{path: c.yaml}]\n",
});

describe("the files a kustomization reads as data", () => {
  test("are the secretGenerator files and envs and the patch paths, through resources and components, each once", () => {
    expect(inputFiles(tree, "app").map((f) => [f.path, f.use, f.key ?? "", f.from])).toEqual([
      ["app/secret/token.bin", "secretGenerator.files", "token", "app/kustomization.yaml"],
      ["app/tls.crt", "secretGenerator.files", "tls.crt", "app/kustomization.yaml"],
      ["app/app.env", "secretGenerator.envs", "", "app/kustomization.yaml"],
      ["app/patch.yaml", "patches", "", "app/kustomization.yaml"],
      ["base/legacy.env", "secretGenerator.envs", "", "base/kustomization.yaml"],
      ["base/nested/deep.yaml", "secretGenerator.files", "deep.yaml", "base/nested/kustomization.yaml"],
      ["component/c.yaml", "patches", "", "component/kustomization.yaml"],
    ]);
  });

  test("are none for a directory without a kustomization", () => {
    expect(inputFiles(textFileTree({ "x/a.env": "A=1\n" }), "x")).toEqual([]);
  });

  test.each([
    ["a secretGenerator file", "secretGenerator: [{name: s, files: [k=../../etc/passwd]}]\n", 'Invalid kustomization app/kustomization.yaml: Cannot load "../../etc/passwd" from "app": path escapes the artifact root'],
    ["an env file", "secretGenerator: [{name: s, envs: [../../x.env]}]\n", 'Invalid kustomization app/kustomization.yaml: Cannot load "../../x.env" from "app": path escapes the artifact root'],
    ["a patch", "patches: [{path: /abs.yaml}]\n", 'Invalid kustomization app/kustomization.yaml: Cannot load "/abs.yaml": absolute paths are outside the artifact root'],
    ["a resource", "resources: [../../up]\n", 'Invalid kustomization app/kustomization.yaml: Cannot load "../../up" from "app": path escapes the artifact root'],
  ])("refuse %s that leaves the artifact", (_n, text, message) => {
    expect(() => inputFiles(textFileTree({ "app/kustomization.yaml": text }), "app")).toThrow(message);
  });
});
