package main

import "testing"

// messageRequest is two files changed by two policies: a Deployment in one and a kustomization (no
// name) in the other, the shape image-automation-controller's update.Result takes.
func messageRequest(tpl string) *MessageRequest {
	return &MessageRequest{
		Template:         tpl,
		AutomationObject: NamespacedName{Namespace: "apps", Name: "podinfo-update"},
		FileChanges: []FileChange{
			{File: "z/deploy.yaml", Objects: []ObjectChange{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Namespace: "apps",
				Changes: []Change{{OldValue: "podinfo:5.0.0", NewValue: "podinfo:5.0.3", Setter: "apps:podinfo"}}}}},
			{File: "a/kustomization.yaml", Objects: []ObjectChange{{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization",
				Changes: []Change{{OldValue: "5.0.0", NewValue: "5.0.3", Setter: "apps:podinfo:tag"}, {OldValue: "podinfo:5.0.0", NewValue: "podinfo:5.0.3", Setter: "apps:podinfo"}}}}},
		},
		Values: map[string]string{"cluster": "prod"},
	}
}

func TestRenderMessage(t *testing.T) {
	cases := []struct {
		name, tpl, want, err string
	}{
		{name: "no template gives Flux's default message", tpl: "", want: "Update from image update automation"},
		{name: "the automation prints as namespace/name", tpl: "by {{ .AutomationObject }} ({{ .AutomationObject.Name }})", want: "by apps/podinfo-update (podinfo-update)"},
		{name: "values", tpl: "Automated image update by Flux for cluster {{ .Values.cluster }}.", want: "Automated image update by Flux for cluster prod."},
		{name: "files range in sorted order", tpl: "{{ range $f, $_ := .Changed.FileChanges }}{{ $f }};{{ end }}", want: "a/kustomization.yaml;z/deploy.yaml;"},
		{name: "objects range by apiVersion, kind, name, namespace", tpl: "{{ range $o, $c := .Changed.Objects }}{{ $o.Kind }}/{{ $o.Name }}={{ len $c }};{{ end }}", want: "Deployment/web=1;Kustomization/=2;"},
		{name: "an object key prints as Flux's struct does", tpl: "{{ range $o, $_ := .Changed.Objects }}{{ $o }};{{ end }}", want: "{{{apps/v1 Deployment} {web apps}}};{{{kustomize.config.k8s.io/v1beta1 Kustomization} { }}};"},
		{name: "changes are distinct", tpl: "{{ range .Changed.Changes }}{{ .Setter }}: {{ .NewValue }}\n{{ end }}", want: "apps:podinfo:tag: 5.0.3\napps:podinfo: podinfo:5.0.3\n"},
		{name: "hermetic Sprig functions", tpl: `{{ "PodInfo" | lower }} {{ contains "5.0.3" "podinfo:5.0.3" }} {{ list 1 2 | join "," }}`, want: "podinfo true 1,2"},
		{name: "non-hermetic Sprig functions are not defined", tpl: "{{ now }}", err: `unable to create commit message template from spec: template: commit message:1: function "now" not defined`},
		{name: "the removed .Updated", tpl: "{{ range .Updated.Images }}{{ . }}{{ end }}", err: "template uses removed '.Updated' field. Please use '.Changed' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"},
		{name: "the removed .Changed.ImageResult", tpl: "{{ .Changed.ImageResult }}", err: "template uses removed '.Changed.ImageResult' field. Please use '.Changed.FileChanges' or '.Changed.Objects' instead. See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"},
		{name: "another unknown field names Flux's type", tpl: "{{ .Nope }}", err: `failed to run template from spec: template: commit message:1:3: executing "commit message" at <.Nope>: can't evaluate field Nope in type source.TemplateData`},
		{name: "a parse error", tpl: "{{ if }}", err: "unable to create commit message template from spec: template: commit message:1: missing value for if"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RenderMessage(messageRequest(c.tpl))
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error = %v, want %s", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestRespondAnswersAMessageRequest(t *testing.T) {
	got := respond([]byte(`{"message":{"template":"{{ .Values.a }}","automationObject":{"namespace":"n","name":"x"},"values":{"a":"b"}}}`), nil, nil)
	if got.Error != "" || got.Rendered["message"] != "b" || len(got.Rendered) != 1 {
		t.Fatalf("got %+v", got)
	}
}
