package main

import (
	"encoding/json"
	"testing"
)

// The answers a fake cluster gives; Helm's lookup returns them as maps, an empty map when not found.
var cannedAnswers = []LookupAnswer{
	{APIVersion: "v1", Kind: "Secret", Namespace: "ns", Name: "db", Object: json.RawMessage(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"ns"},"data":{"password":"czNjcjN0"}}`)},
	{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web", Object: json.RawMessage(`{"spec":{"replicas":1000000,"ratio":1.5}}`)},
	{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "", Object: json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMapList","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}`)},
	{APIVersion: "v1", Kind: "Secret", Namespace: "ns", Name: "forbidden", Error: `secrets "forbidden" is forbidden: User "system:serviceaccount:ns:agent" cannot get resource "secrets" in API group "" in the namespace "ns"`},
	{APIVersion: "v1", Kind: "Secret", Namespace: "ns", Name: "null", Object: json.RawMessage(`null`)},
}

func TestLookupAnswersFromTheRequest(t *testing.T) {
	cases := []struct {
		name, tpl, want, wantErr string
	}{
		{"a named object is a map", `{{ (lookup "v1" "Secret" "ns" "db").data.password }}`, "czNjcjN0", ""},
		{"a missing object is an empty map", `{{ lookup "v1" "Secret" "ns" "nope" }}|{{ if not (lookup "v1" "Secret" "ns" "nope") }}absent{{ end }}`, "map[]|absent", ""},
		{"a null answer is not found", `{{ lookup "v1" "Secret" "ns" "null" }}`, "map[]", ""},
		{"whole numbers of an object are integers", `{{ (lookup "apps/v1" "Deployment" "ns" "web").spec.replicas }} {{ (lookup "apps/v1" "Deployment" "ns" "web").spec.ratio }}`, "1000000 1.5", ""},
		{"an empty name lists", `{{ range (lookup "v1" "ConfigMap" "ns" "").items }}{{ .metadata.name }},{{ end }}`, "a,b,", ""},
		{"another error fails the render", `{{ lookup "v1" "Secret" "ns" "forbidden" }}`, "",
			`template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <lookup "v1" "Secret" "ns" "forbidden">: error calling lookup: secrets "forbidden" is forbidden: User "system:serviceaccount:ns:agent" cannot get resource "secrets" in API group "" in the namespace "ns"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := &Request{
				Templates:     []Template{{Name: "c/templates/t.yaml", Data: c.tpl}},
				Scopes:        map[string]Scope{"c": {Chart: Metadata{Name: "c"}}},
				LookupAnswers: cannedAnswers,
			}
			out, err := Render(req, nil)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error = %v, want %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := out["c/templates/t.yaml"]; got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestLookupAsksTheSourceWithTheTemplatesArguments(t *testing.T) {
	var asked []string
	source := func(apiVersion, kind, namespace, name string) ([]byte, bool, error) {
		asked = append(asked, apiVersion+" "+kind+" "+namespace+" "+name)
		return []byte(`{"kind":"` + kind + `"}`), true, nil
	}
	req := &Request{
		Templates:     []Template{{Name: "c/templates/t.yaml", Data: `{{ (lookup "v1" "Pod" "ns" "p").kind }}`}},
		Scopes:        map[string]Scope{"c": {Chart: Metadata{Name: "c"}}},
		LookupAnswers: cannedAnswers, // a source given by the caller wins over the request's answers
	}
	out, err := Render(req, source)
	if err != nil {
		t.Fatal(err)
	}
	if out["c/templates/t.yaml"] != "Pod" || len(asked) != 1 || asked[0] != "v1 Pod ns p" {
		t.Errorf("got %q after asking %q", out["c/templates/t.yaml"], asked)
	}
}

func TestLookupRejectsAnAnswerThatIsNoObject(t *testing.T) {
	source := func(string, string, string, string) ([]byte, bool, error) { return []byte(`[1]`), true, nil }
	req := &Request{
		Templates: []Template{{Name: "c/templates/t.yaml", Data: `{{ lookup "v1" "Pod" "ns" "p" }}`}},
		Scopes:    map[string]Scope{"c": {Chart: Metadata{Name: "c"}}},
	}
	_, err := Render(req, source)
	want := `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <lookup "v1" "Pod" "ns" "p">: error calling lookup: cannot decode the Pod ns/p from the cluster: json: cannot unmarshal array into Go value of type map[string]interface {}`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
}
