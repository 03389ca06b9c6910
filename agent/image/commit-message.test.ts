/**
 * Commit messages through the Helm engine's WASM module, with the templates of Flux's documentation
 * (docs/spec/v1/imageupdateautomations.md, "Message template") over the change set the setters make of
 * Flux's own golden files. Skipped where the module is not built (CI builds it).
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTemplateEngine } from "../helm/template-engine.ts";
import { helmTemplateBuild, helmWasmPort } from "../runtime/helm-wasm.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { DEFAULT_COMMIT_MESSAGE, commitMessage, commitMessageData, type RenderCommitMessage } from "./commit-message.ts";
import { updateWithSetters } from "./setters.ts";

const built = existsSync(helmTemplateBuild.wasm);
const setters = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "image-setters", "internal", "update", "testdata", "setters", "original");
const haveFixtures = existsSync(setters);
const DIGEST = "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be";

const engine = createTemplateEngine(helmWasmPort);
const render: RenderCommitMessage = (data) => engine.renderCommitMessage!(data);

const fluxChanges = () =>
  updateWithSetters(fsTreeReader(setters), "", [
    { namespace: "automation-ns", name: "policy", latestRef: { name: "index.repo.fake/updated", tag: "v1.0.1" } },
    { namespace: "automation-ns", name: "unchanged", latestRef: { name: "image", tag: "v1.0.0" } },
    { namespace: "automation-ns", name: "policy-with-digest", latestRef: { name: "image", tag: "v1.0.0", digest: DIGEST } },
  ]).fileChanges;

const automation = { namespace: "automation-ns", name: "podinfo-update" };

// The first documented template, as the YAML block scalar gives it to the controller.
const DOCS_OBJECTS = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
  Changes:
{{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
{{ end -}}
{{ end -}}
`;

// The second one, with Sprig's lower and contains.
const DOCS_FUNCTIONS = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind | lower }} {{ $resource.Name | lower }}
  Changes:
{{- range $_, $change := $changes }}
  {{ if contains "5.0.3" $change.NewValue -}}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
  {{ else -}}
    [skip ci] wrong image
  {{ end -}}
{{ end -}}
{{ end -}}
`;

describe.skipIf(!built || !haveFixtures)("commit messages rendered by the engine", () => {
  test("Flux's documented template over Flux's golden change set", async () => {
    const message = await commitMessage({ template: DOCS_OBJECTS, automation, fileChanges: fluxChanges() }, render);
    const change = (a: string, b: string) => `\n    - ${a} -> ${b}\n`;
    expect(message).toBe(
      "Automated image update\n\nAutomation name: automation-ns/podinfo-update\n\n" +
        "Files:\n- Kustomization\n- kustomization.yml\n- marked.yaml\n" +
        "Objects:\n" +
        // Objects sort by apiVersion first: batch/v1beta1 before kustomize.config.k8s.io/v1beta1; the two
        // kustomizations share an identifier, so their six changes are one object's.
        "- CronJob foo\n  Changes:" + change("image:v1.0.0", "index.repo.fake/updated:v1.0.1") +
        "- Kustomization \n  Changes:" +
        change("replaced", "index.repo.fake/updated") + change("v1", "v1.0.1") +
        change("replaced", "index.repo.fake/updated") + change("v1", "v1.0.1") +
        change("sha256:1234567890abcdef", DIGEST) + change("image", `image:v1.0.0@${DIGEST}`),
    );
  });

  test("Flux's documented template with Sprig functions", async () => {
    const fileChanges = new Map([["apps/podinfo.yaml", [{
      object: { apiVersion: "apps/v1", kind: "Deployment", name: "PodInfo", namespace: "apps" },
      changes: [
        { oldValue: "ghcr.io/stefanprodan/podinfo:5.0.0", newValue: "ghcr.io/stefanprodan/podinfo:5.0.3", setter: "apps:podinfo" },
        { oldValue: "5.0.0", newValue: "6.0.0", setter: "apps:podinfo:tag" },
      ],
    }]]]);
    const message = await commitMessage({ template: DOCS_FUNCTIONS, automation, fileChanges }, render);
    expect(message).toBe(
      "Automated image update\n\nAutomation name: automation-ns/podinfo-update\n\nFiles:\n- apps/podinfo.yaml\nObjects:\n" +
        "- deployment podinfo\n  Changes:\n  - ghcr.io/stefanprodan/podinfo:5.0.0 -> ghcr.io/stefanprodan/podinfo:5.0.3\n  \n  [skip ci] wrong image\n  ",
    );
  });

  test("messageTemplateValues as .Values", async () => {
    const message = await commitMessage(
      { template: "Automated image update by Flux for cluster {{ .Values.cluster }}.", automation, fileChanges: new Map(), values: { cluster: "prod" } },
      render,
    );
    expect(message).toBe("Automated image update by Flux for cluster prod.");
  });

  test.each([
    ["the removed .Updated (flux create image update's old example)", "{{range .Updated.Images}}{{println .}}{{end}}",
      "template uses removed '.Updated' field. Please use '.Changed' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"],
    ["the removed .Changed.ImageResult", "{{ .Changed.ImageResult }}",
      "template uses removed '.Changed.ImageResult' field. Please use '.Changed.FileChanges' or '.Changed.Objects' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"],
    ["a function Flux leaves out as not hermetic", "{{ randAlpha 5 }}", 'unable to create commit message template from spec: template: commit message:1: function "randAlpha" not defined'],
    ["a template that does not parse", "{{ range }}", "unable to create commit message template from spec: template: commit message:1: missing value for range"],
  ])("%s fails with Flux's text", async (_name, template, error) => {
    await expect(commitMessage({ template, automation, fileChanges: new Map() }, render)).rejects.toThrow(error);
  });
});

describe("without the engine", () => {
  test("no template is Flux's default message, and nothing is rendered", async () => {
    const never: RenderCommitMessage = () => Promise.reject(new Error("rendered"));
    expect(await commitMessage({ automation, fileChanges: new Map() }, never)).toBe(DEFAULT_COMMIT_MESSAGE);
    expect(await commitMessage({ template: "", automation, fileChanges: new Map() }, never)).toBe("Update from image update automation");
  });

  test("the request carries the change set as lists in file order, and the values", () => {
    const object = { apiVersion: "v1", kind: "Pod", name: "p", namespace: "n" };
    const data = commitMessageData({ template: "t", automation, fileChanges: new Map([["b.yaml", [{ object, changes: [{ oldValue: "a", newValue: "b", setter: "n:p" }] }]]]), values: { k: "v" } });
    expect(data).toEqual({
      template: "t",
      automationObject: automation,
      fileChanges: [{ file: "b.yaml", objects: [{ ...object, changes: [{ oldValue: "a", newValue: "b", setter: "n:p" }] }] }],
      values: { k: "v" },
    });
  });
});
