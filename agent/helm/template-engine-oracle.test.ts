/**
 * The WASM build against the native build of the same Go program (the oracle): templates of our own and
 * generated ones must render to the same bytes and fail with the same error texts. The error texts are
 * also pinned to Helm's (pkg/engine/engine_test.go: template and line, the message of required/fail).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTemplateEngine, encodeRequest, type RenderRequest, type RenderResult } from "./template-engine.ts";
import { requestOf, scope } from "./template-engine.test.ts";
import { helmTemplateBuild, helmWasmPort } from "../runtime/helm-wasm.ts";

const built = existsSync(helmTemplateBuild.wasm) && existsSync(helmTemplateBuild.native);
const engine = createTemplateEngine(helmWasmPort);

function native(request: RenderRequest): RenderResult {
  const { json, fileBytes } = encodeRequest(request);
  const out = execFileSync(fileURLToPath(helmTemplateBuild.native), { input: Buffer.concat([Buffer.from(`${json}\n`), fileBytes]), encoding: "utf8" });
  const resp = JSON.parse(out) as { rendered?: Record<string, string>; error?: string };
  return resp.error !== undefined ? { error: resp.error } : { rendered: new Map(Object.entries(resp.rendered ?? {})) };
}

const bytes = (s: string) => new TextEncoder().encode(s);

function request(templates: Record<string, string>, values: Record<string, unknown> = {}, strict = false): RenderRequest {
  return requestOf({
    templates: Object.entries(templates).map(([name, data]) => ({ name, data })),
    scopes: {
      c: scope({
        chart: { name: "c", version: "1.2.3", appVersion: "4.5", apiVersion: "v2" },
        values,
        files: [
          { name: "config/a.conf", data: bytes("a=1\nb=2\n") },
          { name: "config/sub/b.conf", data: bytes("x: y") },
          { name: "bin/blob", data: new Uint8Array([0, 255, 1, 128]) },
        ],
      }),
      "c/charts/sub": scope({ chart: { name: "sub", version: "0.1.0" }, values: { global: { g: 1 }, s: "sub-value" } }),
    },
    strict,
  });
}

const values = {
  n: 1000000,
  f: 1.5,
  i: 3,
  big: 12345678901,
  s: "Hello, World",
  list: ["b", "a", "c"],
  map: { z: 1, a: { deep: [1, "two", null, true] } },
  empty: "",
  nil: null,
  yes: true,
};

/** Templates of our own: every Helm function and the Sprig and text/template corners charts lean on. */
const ours: Record<string, string> = {
  "c/templates/_helpers.tpl": `{{- define "c.name" -}}{{ .Chart.Name }}-{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "c.labels" -}}
app: {{ include "c.name" . }}
version: {{ .Chart.Version | quote }}
{{- end -}}
{{- define "c.count" -}}{{ if gt (int .) 0 }}{{ . }} {{ include "c.count" (sub (int .) 1) }}{{ end }}{{- end -}}`,
  "c/templates/numbers.yaml": `n: {{ .Values.n }} f: {{ .Values.f }} i: {{ .Values.i }} big: {{ .Values.big }}
{{ add .Values.i 2 }} {{ mul .Values.f 2 }} {{ div 7 2 }} {{ .Values.n | int64 }} {{ printf "%v %d %s" .Values.f 3 "x" }}
{{ toString .Values.n }} {{ float64 "2.50" }} {{ max 1 5 3 }} {{ round 2.567 2 }}`,
  "c/templates/strings.yaml": `{{ .Values.s | upper | quote }} {{ .Values.s | lower | squote }} {{ .Values.s | replace "," "" }}
{{ .Values.s | b64enc }} {{ "SGk=" | b64dec }} {{ .Values.s | sha256sum }} {{ .Values.s | trunc 5 }}
{{ regexReplaceAll "o+" .Values.s "0" }} {{ regexFind "[A-Z]\\\\w+" .Values.s }} {{ splitList ", " .Values.s | join "|" }}
{{ .Values.s | kebabcase }} {{ .Values.s | snakecase }} {{ "a b" | title }} {{ .Values.missing | default "dflt" }}
{{ indent 2 "x\\ny" }}
{{ nindent 4 "z" }}{{ "  t  " | trim }} {{ contains "World" .Values.s }} {{ hasPrefix "He" .Values.s }} {{ cat "a" "b" }}`,
  "c/templates/lists.yaml": `{{ .Values.list | sortAlpha | join "," }} {{ first .Values.list }} {{ last .Values.list }} {{ .Values.list | len }}
{{ list 1 2 3 | rest | toJson }} {{ uniq (list 1 1 2) | toJson }} {{ has "a" .Values.list }} {{ without .Values.list "a" | toJson }}
{{ range $i, $v := .Values.list }}{{ $i }}={{ $v }};{{ end }} {{ until 3 | toJson }} {{ .Values.list | reverse | toJson }}`,
  "c/templates/maps.yaml": `{{ .Values.map | toYaml }}
{{ .Values.map | toJson }}
{{ .Values.map | toPrettyJson }}
{{ keys .Values.map | sortAlpha | toJson }} {{ hasKey .Values.map "z" }} {{ pluck "z" .Values.map (dict "z" 9) | toJson }}
{{ $d := dict "k" "v" "n" 1 }}{{ $_ := set $d "added" true }}{{ $d | toJson }} {{ merge (dict "a" 1) (dict "a" 2 "b" 3) | toJson }}
{{ .Values.map.a.deep }} {{ .Values.map }} {{ index .Values.map "z" }} {{ dig "a" "deep" "none" .Values.map | toJson }}
{{ .Values.map | toToml }}`,
  "c/templates/yaml.yaml": `{{ $y := fromYaml "a: 1\\nb: [x, y]\\nc: {d: e}" }}{{ $y | toJson }} {{ $y.a }}
{{ fromYaml "a: [" | toJson }}
{{ fromYamlArray "- 1\\n- two" | toJson }} {{ fromYamlArray "a: 1" | toJson }}
{{ fromJson "{\\"a\\": 1e3}" | toJson }} {{ fromJson "nope" | toJson }} {{ fromJsonArray "[1, \\"x\\"]" | toJson }}
{{ fromToml "a = 1\\n[t]\\nb = \\"c\\"" | toJson }} {{ list 1 "a" (dict "k" "v") | toYaml }}
{{ .Values.map | toYamlPretty }} {{ .Values.map | mustToYaml }} {{ .Values | mustToJson }}`,
  "c/templates/objects.yaml": `{{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Chart.IsRoot }} {{ .Chart.Type }}
{{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.IsInstall }} {{ .Release.Revision }} {{ .Release.Service }}
{{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.GitVersion }}
{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "nope/v1" }} {{ .Capabilities.HelmVersion.Version }}
{{ .Template.Name }} {{ .Template.BasePath }} {{ .Subcharts.sub.Values.s }} {{ .Subcharts.sub.Chart.Name }}
{{ .Values.missing }}|{{ .Values.nil }}|{{ .Values.map.nothing }}|{{ .Values.empty }}|{{ .Chart }}`,
  "c/templates/files.yaml": `{{ .Files.Get "config/a.conf" }}|{{ .Files.Get "missing" }}|{{ .Files.GetBytes "bin/blob" | len }}
{{ range $p, $_ := .Files.Glob "config/**" }}{{ $p }};{{ end }} {{ range $p, $_ := .Files.Glob "config/*" }}{{ $p }};{{ end }}
{{ (.Files.Glob "config/**").AsConfig }}
{{ (.Files.Glob "bin/*").AsSecrets }}
{{ range .Files.Lines "config/a.conf" }}[{{ . }}]{{ end }} {{ .Files.Lines "missing" | len }} {{ (.Files.Glob "[").AsConfig | len }}`,
  "c/templates/include.yaml": `metadata:
  labels:
{{ include "c.labels" . | indent 4 }}
  name: {{ template "c.name" . }}
{{ include "c.count" 5 }}
{{ tpl "{{ .Values.s }} {{ .Release.Name }}" . }} {{ tpl "{{ define \\"inner\\" }}IN{{ end }}{{ include \\"inner\\" . }}" . }}
{{ tpl (toYaml (dict "k" "{{ .Values.i }}")) . }}`,
  "c/templates/control.yaml": `{{- range $k, $v := .Values.map }}{{ $k }} {{- if kindIs "map" $v }} map{{ else }} {{ $v }}{{ end }}
{{ end -}}
{{ with .Values.missing }}never{{ else }}else{{ end }} {{ if and .Values.yes (not .Values.empty) }}both{{ end }}
{{ range .Values.list }}{{ if eq . "a" }}{{ break }}{{ end }}{{ . }}{{ end }} {{ typeOf .Values.n }} {{ kindOf .Values.list }}
{{ semverCompare ">=1.2" .Chart.Version }} {{ semver "1.2.3" | toJson }} {{ lookup "v1" "Secret" "ns" "x" | toJson }}
{{ getHostByName "example.com" }}|{{ empty .Values.empty }} {{ coalesce .Values.nil .Values.empty "c" }} {{ ternary "y" "n" true }}
{{ list | toJson }} {{ deepCopy .Values.map | toJson }} {{ sha1sum "x" }} {{ adler32sum "x" }} {{ "a.b" | splitn "." 2 | toJson }}`,
  "c/templates/empty.yaml": ``,
  "c/templates/NOTES.txt": `Thanks for installing {{ .Chart.Name }}.`,
  "c/charts/sub/templates/_helpers.tpl": `{{- define "c.name" -}}sub-overridden{{- end -}}{{- define "sub.only" -}}SUB{{- end -}}`,
  "c/charts/sub/templates/cm.yaml": `{{ .Values.s }} {{ .Values.global.g }} {{ .Chart.Name }} {{ .Chart.IsRoot }} {{ include "c.name" . }} {{ include "sub.only" . }} {{ .Template.BasePath }}`,
};

/**
 * Failures and their exact texts. The parse and required cases are Helm's own (pkg/engine/engine_test.go
 * TestParseErrors, TestExecErrors); the rest are text/template's messages as Helm passes them on (tpl
 * parses under the root template's name, "gotpl", as Helm's does).
 */
const failures: Array<[string, string, string]> = [
  ["an undefined function", `{{foo}}`, `parse error at (c/templates/t.yaml:1): function "foo" not defined`],
  ["required with no value", `{{required "foo is required" .Values.foo}}`, `execution error at (c/templates/t.yaml:1:2): foo is required`],
  ["required with colons in the message", `{{required ":this: message: has many: colons:" .Values.foo}}`, `execution error at (c/templates/t.yaml:1:2): :this: message: has many: colons:`],
  ["required with an empty string (Helm issue 6044)", `{{ $someEmptyValue := "" }}\n{{ $myvar := "abc" }}\n{{- required (printf "%s: something is missing" $myvar) $someEmptyValue | repeat 0 }}`, `execution error at (c/templates/t.yaml:3:4): abc: something is missing`],
  ["fail", `{{if false}}{{else}}{{fail "This is an error"}}{{end}}`, `execution error at (c/templates/t.yaml:1:22): This is an error`],
  ["an include without end", `{{define "loop"}}{{include "loop" .}}{{end}}{{include "loop" .}}`, `template: c/templates/t.yaml:1:46: executing "c/templates/t.yaml" at <include "loop" .>: error calling include: ` + `template: c/templates/t.yaml:1:19: executing "loop" at <include "loop" .>: error calling include: `.repeat(1001) + `rendering template has a nested reference name: loop: unable to execute template`],
  ["an unclosed action", `line one\n{{ if .Values.x }}`, `parse error at (c/templates/t.yaml:2): unexpected EOF`],
  ["a method on a missing value", `{{ .Values.s.Nope }}`, `template: c/templates/t.yaml:1:10: executing "c/templates/t.yaml" at <.Values.s.Nope>: can't evaluate field Nope in type interface {}`],
  ["a bad tpl text", `{{ tpl "{{ nope }}" . }}`, `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <tpl "{{ nope }}" .>: error calling tpl: cannot parse template "{{ nope }}": template: gotpl:1: function "nope" not defined`],
  ["a missing key under strict", `{{ .Values.missing }}`, `template: c/templates/t.yaml:1:10: executing "c/templates/t.yaml" at <.Values.missing>: map has no entry for key "missing"`],
];

describe.skipIf(!built)("the WASM engine against the native oracle", () => {
  test("templates of our own render to the same bytes", async () => {
    const req = request(ours, values);
    const wasm = await engine.render(req);
    expect(wasm).toEqual(native(req));
    if ("error" in wasm) throw new Error(wasm.error);
    expect([...wasm.rendered.keys()].filter((n) => n.includes("/_"))).toEqual([]);
    expect(wasm.rendered.get("c/templates/numbers.yaml")?.split("\n")[0]).toBe("n: 1e+06 f: 1.5 i: 3 big: 1.2345678901e+10");
    // The parent's define of c.name wins over the subchart's (parsed last), and runs with the subchart's objects.
    expect(wasm.rendered.get("c/charts/sub/templates/cm.yaml")).toBe("sub-value 1 sub false sub-rel SUB c/charts/sub/templates");
  });

  test.each(failures)("%s fails with Helm's error text", async (_name, text, expected) => {
    const req = request({ "c/templates/t.yaml": text }, values, _name.includes("strict"));
    const wasm = await engine.render(req);
    expect(wasm).toEqual({ error: expected });
    expect(native(req)).toEqual(wasm);
  });

  test("canned lookup answers render the same through WASM and the oracle: found, missing, list, error", async () => {
    const text = `{{ (lookup "v1" "Secret" "ns" "db").data.password }} {{ (lookup "apps/v1" "Deployment" "ns" "web").spec | toJson }}
{{ lookup "v1" "Secret" "ns" "nope" }} {{ range (lookup "v1" "ConfigMap" "ns" "").items }}{{ .metadata.name }},{{ end }}`;
    const req: RenderRequest = {
      ...request({ "c/templates/t.yaml": text }),
      lookupAnswers: [
        { apiVersion: "v1", kind: "Secret", namespace: "ns", name: "db", object: { data: { password: "czNjcjN0" } } },
        { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "web", object: { spec: { replicas: 1000000, ratio: 0.5 } } },
        { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "", object: { kind: "ConfigMapList", items: [{ metadata: { name: "a" } }, { metadata: { name: "b" } }] } },
        { apiVersion: "v1", kind: "Secret", namespace: "ns", name: "denied", error: "secrets \"denied\" is forbidden" },
      ],
    };
    const wasm = await engine.render(req);
    expect(wasm).toEqual(native(req));
    // Objects keep Kubernetes' integers (values would print 1e+06).
    expect("rendered" in wasm && wasm.rendered.get("c/templates/t.yaml")).toBe(`czNjcjN0 {"ratio":0.5,"replicas":1000000}\nmap[] a,b,`);
    const denied = { ...req, templates: [{ name: "c/templates/t.yaml", data: `{{ lookup "v1" "Secret" "ns" "denied" }}` }] };
    const failed = await engine.render(denied);
    expect(failed).toEqual({ error: `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <lookup "v1" "Secret" "ns" "denied">: error calling lookup: secrets "denied" is forbidden` });
    expect(native(denied)).toEqual(failed);
  });

  test("generated templates render the same through WASM and the oracle (property)", async () => {
    const fns = ["upper", "lower", "quote", "squote", "b64enc", "sha256sum", "toYaml", "toJson", "toString", "len", "kebabcase", "trim", "title", "toToml", "typeOf", "kindOf", "empty", "toPrettyJson"];
    const path = fc.constantFrom(".Values.s", ".Values.n", ".Values.f", ".Values.list", ".Values.map", ".Values.map.a", ".Values.missing", ".Values.nil", ".Values.gen", ".Release.Name", ".Chart");
    const action = fc.tuple(path, fc.array(fc.constantFrom(...fns), { maxLength: 3 })).map(([p, f]) => `{{ ${[p, ...f].join(" | ")} }}`);
    const body = fc.array(fc.oneof(action, fc.string({ maxLength: 8 }).filter((s) => !s.includes("{{"))), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(""));
    const genValue = fc.jsonValue({ maxDepth: 2 });
    const batches = fc.sample(fc.tuple(fc.array(body, { minLength: 1, maxLength: 20 }), genValue), 15);
    for (const [bodies, gen] of batches) {
      const templates = Object.fromEntries(bodies.map((b, i) => [`c/templates/gen-${i}.yaml`, b]));
      const req = request(templates, { ...values, gen });
      expect(await engine.render(req)).toEqual(native(req));
    }
  });
});
