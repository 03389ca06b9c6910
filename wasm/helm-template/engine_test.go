package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// renderOne renders one template, "c/templates/t.yaml", with the given values and extra templates.
func renderOne(t *testing.T, text string, values map[string]interface{}, strict bool, extra map[string]string) (string, error) {
	t.Helper()
	req := &Request{
		Templates: []Template{{Name: "c/templates/t.yaml", Data: text}},
		Release:   Release{Name: "rel", Namespace: "ns", IsInstall: true, Revision: 1, Service: "Helm"},
		Capabilities: Capabilities{
			KubeVersion: KubeVersion{Version: "v1.28.3-gke.100", Major: "1", Minor: "28", normalized: "v1.28.3"},
			APIVersions: VersionSet{"v1", "apps/v1", "apps/v1/Deployment"},
		},
		Scopes: map[string]Scope{"c": {
			Values: values,
			Chart:  Metadata{Name: "c", Version: "1.0.0"},
			Files: []File{
				{Name: "config/a.conf", Data: []byte("a=1\nb=2\n")},
				{Name: "config/deep/b.txt", Data: []byte("bee")},
				{Name: "bin/x", Data: []byte{0, 1, 2}},
			},
		}},
		Strict: strict,
	}
	for name, data := range extra {
		req.Templates = append(req.Templates, Template{Name: name, Data: data})
	}
	out, err := Render(req, nil)
	return out["c/templates/t.yaml"], err
}

type funcCase struct {
	name   string
	tpl    string
	values map[string]interface{}
	want   string
}

// One table per Helm function; the expectations of toYaml, fromYaml, fromYamlArray, toJson, fromJson,
// fromJsonArray, toToml, fromToml and lookup are Helm's own (pkg/engine/funcs_test.go).
func TestHelmFunctions(t *testing.T) {
	tables := map[string][]funcCase{
		"toYaml": {
			{"a map", `{{ toYaml .Values }}`, map[string]interface{}{"foo": "bar"}, "foo: bar"},
			{"a float64 that is an integer", `{{ toYaml .Values }}`, map[string]interface{}{"count": 1e6}, "count: 1000000"},
			{"a YAML 1.1 boolean key is quoted", `{{ toYaml .Values }}`, map[string]interface{}{"n": 1.0}, "\"n\": 1"},
			{"no final newline", `[{{ toYaml (list 1 2) }}]`, nil, "[- 1\n- 2]"},
		},
		"mustToYaml": {
			{"a map", `{{ mustToYaml .Values }}`, map[string]interface{}{"foo": "bar"}, "foo: bar"},
		},
		"toYamlPretty": {
			{"lists indented under their key", `{{ toYamlPretty .Values }}`, map[string]interface{}{"baz": []interface{}{1, 2, 3}}, "baz:\n  - 1\n  - 2\n  - 3"},
		},
		"fromYaml": {
			{"a map", `{{ fromYaml "hello: world" }}`, nil, "map[hello:world]"},
			{"a list is an error in the map", `{{ fromYaml "- one\n- two\n" }}`, nil, "map[Error:error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}]"},
		},
		"fromYamlArray": {
			{"a list", `{{ fromYamlArray "- one\n- 2\n- name: helm\n" }}`, nil, "[one 2 map[name:helm]]"},
			{"a map is an error as the only element", `{{ fromYamlArray "hello: world" }}`, nil, "[error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}]"},
		},
		"toJson": {
			{"a map", `{{ toJson .Values }}`, map[string]interface{}{"foo": "bar"}, `{"foo":"bar"}`},
		},
		"mustToJson": {
			{"a map", `{{ mustToJson .Values }}`, map[string]interface{}{"foo": "bar"}, `{"foo":"bar"}`},
		},
		"fromJson": {
			{"an object", `{{ fromJson "{\"hello\":\"world\"}" }}`, nil, "map[hello:world]"},
			{"an array is an error in the map", `{{ fromJson "[\"one\", \"two\"]" }}`, nil, "map[Error:json: cannot unmarshal array into Go value of type map[string]interface {}]"},
		},
		"fromJsonArray": {
			{"an array", `{{ fromJsonArray "[\"one\", 2, { \"name\": \"helm\" }]" }}`, nil, "[one 2 map[name:helm]]"},
			{"an object is an error as the only element", `{{ fromJsonArray "{\"hello\": \"world\"}" }}`, nil, "[json: cannot unmarshal object into Go value of type []interface {}]"},
		},
		"toToml": {
			{"a map", `{{ toToml .Values }}`, map[string]interface{}{"foo": "bar"}, "foo = \"bar\"\n"},
			{"a nested table (Helm issue 2271)", `{{ toToml .Values }}`, map[string]interface{}{"mast": map[string]interface{}{"sail": "white"}}, "[mast]\n  sail = \"white\"\n"},
		},
		"fromToml": {
			{"a table", `{{ fromToml "hello = \"world\"" }}`, nil, "map[hello:world]"},
			// The message is BurntSushi/toml 1.2.0's (Debian's), not necessarily the one Helm's release links.
			{"an error in the map", `{{ fromToml "one" }}`, nil, "map[Error:toml: line 0: unexpected EOF; expected key separator '=']"},
		},
		"lookup": {
			{"finds nothing and never calls out", `{{ lookup "v1" "Namespace" "" "unlikelynamespace99999999" }}`, nil, "map[]"},
		},
		"getHostByName": {
			{"resolves nothing", `[{{ getHostByName "example.com" }}]`, nil, "[]"},
		},
		"required": {
			{"passes a value through", `{{ required "x needed" .Values.x }}`, map[string]interface{}{"x": 0.0}, "0"},
			{"passes false through", `{{ required "x needed" .Values.x }}`, map[string]interface{}{"x": false}, "false"},
		},
		"include": {
			{"renders a define into a pipeline", `{{ include "greet" . | upper }}`, map[string]interface{}{"who": "you"}, "HELLO YOU"},
			{"recurses within the limit", `{{ include "count" 3 }}`, nil, "3 2 1 "},
		},
		"tpl": {
			{"renders values in the chart's context", `{{ tpl "Value: {{ .Values.value }}" . }}`, map[string]interface{}{"value": "myvalue"}, "Value: myvalue"},
			{"sees the chart's defines", `{{ tpl "{{ include \"greet\" . }}" . }}`, map[string]interface{}{"who": "tpl"}, "hello tpl"},
			{"includes defines of its own text", `{{ tpl "{{ define \"in\" }}IN{{ end }}{{ include \"in\" . }}" . }}`, nil, "IN"},
			{"strips <no value>", `[{{ tpl "{{ .Values.nested.missing }}" . }}]`, map[string]interface{}{"nested": map[string]interface{}{}}, "[]"},
			{"nests", `{{ tpl "{{ tpl \"{{ .Values.value }}\" . }}" . }}`, map[string]interface{}{"value": "deep"}, "deep"},
			{"renders each text of a reused clone afresh", `{{ tpl "a{{ .Values.value }}" . }} {{ tpl "b{{ .Values.value }}" . }} {{ tpl "c" . }}`, map[string]interface{}{"value": "1"}, "a1 b1 c"},
			{"a blank or comment-only text after another renders blank, not the previous text", `[{{ tpl "x{{ .Values.value }}" . }}|{{ tpl "  " . }}|{{ tpl "{{/* c */}}" . }}|{{ tpl "" . }}]`, map[string]interface{}{"value": "1"}, "[x1|  ||]"},
			{"a define in one text does not reach the next", `{{ tpl "{{ define \"greet\" }}shadow{{ end }}{{ include \"greet\" . }}" . }} {{ tpl "{{ include \"greet\" . }}" . }}`, map[string]interface{}{"who": "tpl"}, "shadow hello tpl"},
			{"a tpl inside an included template inside tpl", `{{ tpl "{{ include \"wrap\" . }}" . }} {{ tpl "{{ .Values.value }}" . }}`, map[string]interface{}{"value": "v"}, "[v] v"},
		},
		".Files": {
			{"Get", `{{ .Files.Get "config/a.conf" }}`, nil, "a=1\nb=2\n"},
			{"Get of a missing file", `[{{ .Files.Get "nope" }}]`, nil, "[]"},
			{"GetBytes", `{{ .Files.GetBytes "bin/x" }}`, nil, "[0 1 2]"},
			{"Glob with **", `{{ range $k, $v := .Files.Glob "config/**" }}{{ $k }};{{ end }}`, nil, "config/a.conf;config/deep/b.txt;"},
			{"Glob with * stays in its folder", `{{ range $k, $v := .Files.Glob "config/*" }}{{ $k }};{{ end }}`, nil, "config/a.conf;"},
			{"Lines drops the final newline", `{{ range .Files.Lines "config/a.conf" }}[{{ . }}]{{ end }}`, nil, "[a=1][b=2]"},
			{"Lines of a missing file", `{{ len (.Files.Lines "nope") }}`, nil, "0"},
			{"AsConfig", `{{ (.Files.Glob "config/**").AsConfig }}`, nil, "a.conf: |\n  a=1\n  b=2\nb.txt: bee"},
			{"AsSecrets", `{{ (.Files.Glob "bin/*").AsSecrets }}`, nil, "x: " + base64.StdEncoding.EncodeToString([]byte{0, 1, 2})},
			{"AsConfig of no files", `[{{ (.Files.Glob "nope/*").AsConfig }}]`, nil, "[]"},
		},
		"objects": {
			{"missing values print nothing (missingkey=zero, <no value> stripped)", `[{{ .Values.what }}][{{ .Values.a.b }}]`, map[string]interface{}{"a": map[string]interface{}{}}, "[][]"},
			{"numbers are float64 as Helm's values are", `{{ .Values.n }} {{ .Values.m }} {{ .Values.f }}`, map[string]interface{}{"n": 1e6, "m": 3.0, "f": 0.5}, "1e+06 3 0.5"},
			{"Chart, Release, Template", `{{ .Chart.Name }} {{ .Chart.IsRoot }} {{ .Release.Name }} {{ .Release.Revision }} {{ .Template.Name }} {{ .Template.BasePath }}`, nil, "c true rel 1 c/templates/t.yaml c/templates"},
			{"Capabilities", `{{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "x/v1" }}`, nil, "v1.28.3 v1.28.3-gke.100 v1.28.3-gke.100 true false"},
			{"Capabilities as Helm's structs print", `{{ toJson .Capabilities.KubeVersion }}`, nil, `{"Version":"v1.28.3-gke.100","Major":"1","Minor":"28"}`},
		},
	}
	extra := map[string]string{
		"c/templates/_helpers.tpl": `{{ define "wrap" }}[{{ tpl "{{ .Values.value }}" . }}]{{ end }}{{ define "greet" }}hello {{ .Values.who }}{{ end }}{{ define "count" }}{{ if gt (int .) 0 }}{{ . }} {{ include "count" (sub (int .) 1) }}{{ end }}{{ end }}`,
	}
	for fn, cases := range tables {
		for _, c := range cases {
			t.Run(fn+"/"+c.name, func(t *testing.T) {
				got, err := renderOne(t, c.tpl, c.values, false, extra)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				if got != c.want {
					t.Errorf("got %q, want %q", got, c.want)
				}
			})
		}
	}
}

// Helm's error texts (pkg/engine/engine_test.go: TestParseErrors, TestExecErrors) and the functions
// Helm removes from Sprig.
func TestRenderErrors(t *testing.T) {
	cases := []struct {
		name   string
		tpl    string
		strict bool
		want   string
	}{
		{"an undefined function", `{{foo}}`, false, `parse error at (c/templates/t.yaml:1): function "foo" not defined`},
		{"env is removed", `{{ env "HOME" }}`, false, `parse error at (c/templates/t.yaml:1): function "env" not defined`},
		{"expandenv is removed", `{{ expandenv "$HOME" }}`, false, `parse error at (c/templates/t.yaml:1): function "expandenv" not defined`},
		{"required with no value", `{{required "foo is required" .Values.foo}}`, false, `execution error at (c/templates/t.yaml:1:2): foo is required`},
		{"required with colons", `{{required ":this: message: has many: colons:" .Values.foo}}`, false, `execution error at (c/templates/t.yaml:1:2): :this: message: has many: colons:`},
		{"required with an empty string", "{{ $someEmptyValue := \"\" }}\n{{ $myvar := \"abc\" }}\n{{- required (printf \"%s: something is missing\" $myvar) $someEmptyValue | repeat 0 }}", false, `execution error at (c/templates/t.yaml:3:4): abc: something is missing`},
		{"fail", `{{ fail "stop here" }}`, false, `execution error at (c/templates/t.yaml:1:3): stop here`},
		{"a missing key under strict", `{{ .Values.nope }}`, true, `template: c/templates/t.yaml:1:10: executing "c/templates/t.yaml" at <.Values.nope>: map has no entry for key "nope"`},
		{"a missing key in tpl under strict", `{{ tpl "{{ .Values.nope }}" . }}`, true, `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <tpl "{{ .Values.nope }}" .>: error calling tpl: error during tpl function execution for "{{ .Values.nope }}": template: gotpl:1:10: executing "gotpl" at <.Values.nope>: map has no entry for key "nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderOne(t, c.tpl, map[string]interface{}{}, c.strict, nil)
			if err == nil || err.Error() != c.want {
				t.Errorf("got error %v, want %q", err, c.want)
			}
		})
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	_, err := renderOne(t, `{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}`, nil, false, nil)
	if err == nil || !strings.HasSuffix(err.Error(), "rendering template has a nested reference name: loop: unable to execute template") {
		t.Fatalf("got %v, want the nested reference error", err)
	}
	if n := strings.Count(err.Error(), `executing "loop"`); n != includeDepthLimit+1 {
		t.Errorf("the loop ran %d deep, want %d", n, includeDepthLimit+1)
	}
}

func TestPartialsAndLibraryCharts(t *testing.T) {
	req := &Request{
		Templates: []Template{
			{Name: "app/templates/_helpers.tpl", Data: `{{ define "app.x" }}parent{{ end }}`},
			{Name: "app/templates/cm.yaml", Data: `{{ include "app.x" . }} {{ include "lib.y" . }}`},
			{Name: "app/charts/sub/templates/_h.tpl", Data: `{{ define "app.x" }}sub{{ end }}`},
			{Name: "app/charts/sub/templates/s.yaml", Data: `{{ include "app.x" . }} {{ .Chart.IsRoot }} {{ .Values.v }}`},
			{Name: "app/charts/lib/templates/_lib.tpl", Data: `{{ define "lib.y" }}lib{{ end }}`},
			{Name: "app/charts/lib/templates/ignored.yaml", Data: `never rendered`},
		},
		Scopes: map[string]Scope{
			"app":            {Chart: Metadata{Name: "app"}},
			"app/charts/sub": {Chart: Metadata{Name: "sub"}, Values: map[string]interface{}{"v": "subvalue"}},
			"app/charts/lib": {Chart: Metadata{Name: "lib", Type: "library"}},
		},
	}
	out, err := Render(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"app/templates/cm.yaml": "parent lib",
		// The parent's define of app.x is parsed last and wins, as in Helm.
		"app/charts/sub/templates/s.yaml": "parent false subvalue",
	}
	if len(out) != len(want) {
		t.Fatalf("rendered %v, want only %v", out, want)
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s: got %q, want %q", k, out[k], v)
		}
	}
}

func TestHandleReportsABadRequest(t *testing.T) {
	got := string(handle([]byte(`{"templates": 1}`), nil, nil))
	want := `{"error":"cannot decode the render request: json: cannot unmarshal number into Go struct field Request.templates of type []main.Template"}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRequestSendsReleaseAndCapabilitiesOnceForEveryScope(t *testing.T) {
	req := `{"templates": [
		{"name": "app/templates/a.yaml", "data": "{{ .Release.Name }} {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Minor }}"},
		{"name": "app/charts/sub/templates/b.yaml", "data": "{{ .Release.Namespace }} {{ .Capabilities.APIVersions.Has \"apps/v1\" }} {{ .Capabilities.KubeVersion }}"}
	],
	"release": {"name": "r", "namespace": "ns", "isInstall": true, "revision": 1, "service": "Helm"},
	"capabilities": {"kubeVersion": {"version": "v1.33.4-gke.1245000", "major": "1", "minor": "33", "normalized": "v1.33.4"}, "apiVersions": ["apps/v1"], "helmVersion": {"version": "v4.2.1"}},
	"scopes": {"app": {"chart": {"name": "app"}}, "app/charts/sub": {"chart": {"name": "sub"}}}}`
	got := string(handle([]byte(req), nil, nil))
	want := `{"rendered":{"app/charts/sub/templates/b.yaml":"ns true v1.33.4","app/templates/a.yaml":"r v1.33.4 v1.33.4-gke.1245000 33"}}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestKubeVersionFromDiscoveryPrintsAsReported(t *testing.T) {
	req := `{"templates": [{"name": "c/templates/a.yaml", "data": "{{ .Capabilities.KubeVersion }}"}],
	"capabilities": {"kubeVersion": {"version": "v1.30.5-eks-ce1d5eb", "major": "1", "minor": "30+"}},
	"scopes": {"c": {"chart": {"name": "c"}}}}`
	got := string(handle([]byte(req), nil, nil))
	want := `{"rendered":{"c/templates/a.yaml":"v1.30.5-eks-ce1d5eb"}}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestFilesComeFromTheBytesBesideTheRequest(t *testing.T) {
	req := `{"templates": [{"name": "c/templates/a.yaml", "data": "{{ .Files.Get \"a.txt\" }}|{{ .Files.Get \"b.txt\" }}|{{ len (.Files.GetBytes \"empty\") }}"}],
	"scopes": {"c": {"chart": {"name": "c"}, "files": [{"name": "a.txt", "offset": 0, "size": 3}, {"name": "b.txt", "offset": 3, "size": 2}, {"name": "empty", "offset": 5, "size": 0}]}}}`
	got := string(handle([]byte(req), []byte("onetwo"), nil))
	want := `{"rendered":{"c/templates/a.yaml":"one|tw|0"}}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	bad := `{"templates": [], "scopes": {"c": {"chart": {"name": "c"}, "files": [{"name": "a.txt", "offset": 4, "size": 3}]}}}`
	got = string(handle([]byte(bad), []byte("onetwo"), nil))
	want = `{"error":"cannot decode the render request: the file a.txt of c lies outside the 6 file bytes"}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
