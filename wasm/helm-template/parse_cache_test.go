package main

import (
	"strings"
	"testing"
	"text/template"
)

func TestParseCacheRendersAsAFreshParse(t *testing.T) {
	req := `{"templates": [
		{"name": "c/templates/_h.tpl", "data": "{{ define \"h\" }}[{{ . }}]{{ end }}"},
		{"name": "c/templates/a.yaml", "data": "{{ include \"h\" .Values.x }} {{ tpl \"{{ .Values.x }}\" . }}"}
	], "scopes": {"c": {"chart": {"name": "c"}, "values": {"x": 1}}}}`
	first := string(handle([]byte(req), nil, nil))
	second := string(handle([]byte(req), nil, nil))
	want := `{"rendered":{"c/templates/a.yaml":"[1] 1"}}`
	if first != want || second != want {
		t.Errorf("got %s then %s, want %s twice", first, second, want)
	}
	if _, ok := parsed.trees["c/templates/_h.tpl\x00"+`{{ define "h" }}[{{ . }}]{{ end }}`]; !ok {
		t.Error("the helper's trees are not cached")
	}
}

func TestParseCacheKeepsNoFailure(t *testing.T) {
	for i := 0; i < 2; i++ {
		_, err := parseInto(template.New("x"), "bad", "{{ nosuchfunc }}")
		if err == nil || err.Error() != `template: bad:1: function "nosuchfunc" not defined` {
			t.Fatalf("parse %d: got %v", i, err)
		}
	}
	if _, ok := parsed.trees["bad\x00{{ nosuchfunc }}"]; ok {
		t.Error("a failed parse was cached")
	}
}

func TestParseCacheStartsAfreshPastItsLimit(t *testing.T) {
	parsed.mu.Lock()
	parsed.bytes = parseCacheLimit
	parsed.mu.Unlock()
	if _, err := parseInto(template.New("x"), "n", "fresh"); err != nil {
		t.Fatal(err)
	}
	if len(parsed.trees) != 1 || parsed.bytes != len("n\x00fresh") {
		t.Errorf("cache holds %d entries, %d bytes after passing its limit", len(parsed.trees), parsed.bytes)
	}
}

func TestParseIntoKeepsABodyAgainstAnEmptyText(t *testing.T) {
	set := template.New("root")
	if _, err := parseInto(set, "t", "body"); err != nil {
		t.Fatal(err)
	}
	empty, err := parseInto(set, "t", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var kept, fresh strings.Builder
	if err := set.ExecuteTemplate(&kept, "t", nil); err != nil {
		t.Fatal(err)
	}
	if err := empty.Execute(&fresh, nil); err != nil {
		t.Fatal(err)
	}
	// As t.New("t").Parse("  "): the set keeps the body, the returned template holds the blank text.
	if kept.String() != "body" || fresh.String() != "  " {
		t.Errorf("set has %q, returned template renders %q", kept.String(), fresh.String())
	}
}
