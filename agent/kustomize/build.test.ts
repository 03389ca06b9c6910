import { describe, expect, test } from "bun:test";
import { isRemote, kustomizeBuild } from "./build.ts";
import { textFileTree } from "../artifact/file-tree.ts";

const DEP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: app, image: nginx}]}}}
`;

describe("kustomizeBuild rejects broken kustomizations with a pinned error", () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ["missing resource file", { "kustomization.yaml": "resources: [missing.yaml]\n" }, "", `Cannot load resource "missing.yaml" in kustomization.yaml: no such file or directory`],
    ["no kustomization in a base dir", { "kustomization.yaml": "resources: [base]\n", "base/x.yaml": DEP }, "", `Cannot build base (a resource of kustomization.yaml): no kustomization.yaml, kustomization.yml or Kustomization file in the directory`],
    ["cycle between bases", { "a/kustomization.yaml": "resources: [../b]\n", "b/kustomization.yaml": "resources: [../a]\n" }, "a", `Cannot load resource "../a" in b/kustomization.yaml: cycle detected: a -> b -> a`],
    ["unknown field", { "kustomization.yaml": "resources: []\nnamePrefx: x-\n" }, "", `Invalid kustomization kustomization.yaml:2: unknown field "namePrefx"`],
    ["escape from the root", { "app/kustomization.yaml": "resources: [../../etc]\n" }, "app", `Cannot load resource "../../etc" in app/kustomization.yaml: Cannot load "../../etc" from "app": path escapes the artifact root`],
    ["remote base", { "kustomization.yaml": "resources: [https://github.com/org/repo//deploy?ref=v1]\n" }, "", `Cannot load resource "https://github.com/org/repo//deploy?ref=v1" in kustomization.yaml: remote bases are not supported`],
    ["git shorthand remote base", { "kustomization.yaml": "resources: [github.com/org/repo/deploy]\n" }, "", `Cannot load resource "github.com/org/repo/deploy" in kustomization.yaml: remote bases are not supported`],
    ["validators", { "kustomization.yaml": "validators: [v.yaml]\n" }, "", `Invalid kustomization kustomization.yaml:1: field "validators" is not supported (no validators, Helm, crds or openapi)`],
    ["an exec or KRM plugin", { "kustomization.yaml": "transformers: [t.yaml]\n", "t.yaml": "apiVersion: example.com/v1\nkind: Sed\nmetadata: {name: s}\n" }, "", `Cannot build kustomization.yaml: Cannot run transformers entry Sed/s in kustomization.yaml: plugins (exec, KRM function, Go) are not supported; only builtin configs (apiVersion: builtin) run`],
    ["Helm inflation as a builtin generator", { "kustomization.yaml": "generators:\n- |\n  apiVersion: builtin\n  kind: HelmChartInflationGenerator\n  metadata: {name: h}\n" }, "", `Cannot build kustomization.yaml: Cannot run generators entry HelmChartInflationGenerator/h in kustomization.yaml: Helm chart inflation is not supported`],
    ["a builtin nothing implements", { "kustomization.yaml": "transformers:\n- |\n  apiVersion: builtin\n  kind: ValueAddTransformer\n  metadata: {name: v}\n" }, "", `Cannot build kustomization.yaml: Cannot run transformers entry ValueAddTransformer/v in kustomization.yaml: builtin ValueAddTransformer is not supported`],
    ["a generator listed under transformers", { "kustomization.yaml": "transformers:\n- |\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: c}\n" }, "", `Cannot build kustomization.yaml: Cannot run transformers entry ConfigMapGenerator/c in kustomization.yaml: ConfigMapGenerator is a generator; list it under generators`],
    ["a transformer config file that is missing", { "kustomization.yaml": "transformers: [t.yaml]\n" }, "", `Cannot load transformers entry "t.yaml" in kustomization.yaml: no such file or directory`],
    ["a prefix transformer without field specs", { "kustomization.yaml": "transformers:\n- |\n  apiVersion: builtin\n  kind: PrefixSuffixTransformer\n  metadata: {name: p}\n  prefix: a-\n" }, "", `Cannot build kustomization.yaml: Cannot run transformers entry PrefixSuffixTransformer/p in kustomization.yaml: fieldSpecs is not expected to be nil`],
    ["patch that matches nothing", { "kustomization.yaml": "resources: [d.yaml]\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: nope}\n", "d.yaml": DEP }, "", `Cannot build kustomization.yaml: Cannot apply patch kustomization.yaml (inline patch): no resource matches Deployment/nope`],
    ["bad JSON patch path", { "kustomization.yaml": "resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: |\n    - op: remove\n      path: /spec/nothing\n", "d.yaml": DEP }, "", `Cannot build kustomization.yaml: Cannot apply JSON patch kustomization.yaml (inline patch) to Deployment.v1.apps/web.[noNs]: Cannot apply JSON patch operation 0 (remove /spec/nothing): path "/spec/nothing" does not exist`],
    ["patch file missing", { "kustomization.yaml": "resources: [d.yaml]\npatches:\n- path: p.yaml\n", "d.yaml": DEP }, "", `Cannot build kustomization.yaml: Cannot load patch p.yaml referenced by kustomization.yaml: no such file`],
    ["unparseable resource", { "kustomization.yaml": "resources: [d.yaml]\n", "d.yaml": "a: [1\n" }, "", "Cannot build kustomization.yaml: Cannot parse d.yaml:"],
    ["resource without kind", { "kustomization.yaml": "resources: [d.yaml]\n", "d.yaml": "apiVersion: v1\nmetadata: {name: x}\n" }, "", `Cannot build kustomization.yaml: Cannot load d.yaml: document 1 has no kind`],
    ["a base reached twice", { "kustomization.yaml": "resources: [a, b]\n", "a/kustomization.yaml": "resources: [../base]\n", "b/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "resources: [d.yaml]\n", "base/d.yaml": DEP }, "", `Cannot add Deployment.v1.apps/web.[noNs] from b/kustomization.yaml: may not add resource with an already registered id`],
    ["generator that collides", { "kustomization.yaml": "resources: [c.yaml]\nconfigMapGenerator:\n- name: c\n  literals: [a=b]\n", "c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" }, "", `Cannot build kustomization.yaml: Cannot generate ConfigMap c in kustomization.yaml: a resource with this id already exists; use behavior merge or replace`],
    ["an unknown behavior on an existing id acts as create", { "kustomization.yaml": "resources: [c.yaml]\nconfigMapGenerator:\n- name: c\n  behavior: Merge\n  literals: [a=b]\n", "c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" }, "", `Cannot build kustomization.yaml: Cannot generate ConfigMap c in kustomization.yaml: a resource with this id already exists; use behavior merge or replace`],
    ["a configurations file that is missing", { "kustomization.yaml": "configurations: [c.yaml]\n" }, "", `Cannot build kustomization.yaml: Cannot load configuration "c.yaml" in kustomization.yaml: no such file`],
    ["a prefix field spec beyond metadata/name", { "kustomization.yaml": "configurations: [c.yaml]\n", "c.yaml": "namePrefix:\n- path: spec/name\n  kind: X\n" }, "", `Cannot build kustomization.yaml: Invalid configuration c.yaml: namePrefix field specs other than metadata/name are not supported (spec/name)`],
    ["a nameReference without a kind", { "kustomization.yaml": "configurations: [c.yaml]\n", "c.yaml": "nameReference:\n- fieldSpecs: [{path: spec/x}]\n" }, "", `Cannot build kustomization.yaml: Invalid configuration c.yaml: every nameReference needs a kind`],
    ["a var whose objref matches nothing (kustomize's text)", { "kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: nothere, apiVersion: v1}\n", "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" }, "", `Cannot build kustomization.yaml: var '{X Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources`],
    ["a var objref without apiVersion matches no versioned resource", { "kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web}\n  fieldref: {fieldpath: spec.type}\n", "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" }, "", `Cannot build kustomization.yaml: var '{X Service.[noVer].[noGrp] {spec.type}}' cannot be mapped to a field in the set of known resources`],
    ["a var fieldref that is absent (kustomize's text)", { "kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n  fieldref: {fieldpath: spec.nope}\n", "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" }, "", `Cannot build kustomization.yaml: field specified in var '{X Service.v1.[noGrp] {spec.nope}}' not found in corresponding resource`],
    ["a var declared twice in one kustomization", { "kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n- name: X\n  objref: {kind: Service, name: web, version: v1, namespace: foo}\n", "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" }, "", `Cannot build kustomization.yaml: merging vars [{X Service.[noVer].[noGrp] {}} {X Service.v1.[noGrp] {}}]: var 'X' already encountered`],
    ["a var declared in a base and again in the overlay", { "kustomization.yaml": "resources: [base]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n", "base/kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n", "base/s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n" }, "", `Cannot build kustomization.yaml: merging vars [{X Service.[noVer].[noGrp] {}}]: var 'X' already encountered`],
    ["a var declared in two sibling bases", { "kustomization.yaml": "resources: [a, b]\n", "a/kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n", "a/s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n", "b/kustomization.yaml": "vars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n" }, "", `Cannot build kustomization.yaml: var 'X' already encountered`],
    ["a var objref that matches two resources", { "kustomization.yaml": "resources: [s.yaml]\nvars:\n- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n", "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: b}\n" }, "", `Cannot build kustomization.yaml: merging vars [{X Service.[noVer].[noGrp] {}}]: found 2 resId matches for var {X Service.v1.[noGrp] {}} (unable to disambiguate)`],
    ["component listed as a resource", { "kustomization.yaml": "resources: [c]\n", "c/kustomization.yaml": "kind: Component\nnamePrefix: c-\n" }, "", `Cannot load resource "c" in kustomization.yaml: c/kustomization.yaml is a Component; list it under components`],
  ];
  test.each(cases)("%s", async (_name, files, dir, message) => {
    const err = await kustomizeBuild(textFileTree(files), dir).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message.slice(0, message.length)).toBe(message);
  });
});

describe("isRemote", () => {
  test.each([
    ["https://github.com/a/b", true],
    ["git@github.com:a/b.git", true],
    ["ssh://git@host/repo", true],
    ["github.com/a/b/c?ref=v1", true],
    ["../base", false],
    ["deploy/app.yaml", false],
  ] as const)("%s is remote: %p", (entry, want) => {
    expect(isRemote(entry)).toBe(want);
  });
});

test("a build reads only through the file tree and returns plain objects in legacy order", async () => {
  const objs = await kustomizeBuild(textFileTree({
    "kustomization.yaml": "resources: [d.yaml, s.yaml]\nnamespace: x\n",
    "d.yaml": DEP,
    "s.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
  }));
  expect(objs.map((o) => `${o.kind}/${(o.metadata as { namespace: string }).namespace}`)).toEqual(["Service/x", "Deployment/x"]);
});
