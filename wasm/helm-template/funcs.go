package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig"
	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// staticFuncs is Sprig's text functions without env and expandenv (templates must not read the agent's
// environment), plus Helm's own that close over nothing.
func staticFuncs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	helm := template.FuncMap{
		"toToml":        toTOML,
		"fromToml":      fromTOML,
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"toYamlPretty":  toYAMLPretty,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"required":      required,
		"fail":          fail,
		// DNS lookups are off, as in Helm without --enable-dns: rendering must not depend on the network.
		"getHostByName": func(string) string { return "" },
	}
	for k, v := range helm {
		f[k] = v
	}
	return f
}

// renderFuncs are the functions bound to one render: include and tpl close over its set, so they see
// every parsed template, and lookup over the render's source.
func renderFuncs(t *template.Template, strict bool, lookup lookupFunc) template.FuncMap {
	depth := map[string]int{}
	return template.FuncMap{
		"include": includeFunc(t, depth),
		"tpl":     tplFunc(t, depth, strict),
		"lookup":  lookup,
	}
}

// setName names a render's set, and so every tpl text ("gotpl" in Helm's error texts).
const setName = "gotpl"

var (
	baseOnce sync.Once
	base     *template.Template
)

// newSet is an empty template set with every function: a clone of one set that registered the static
// functions once, because registering them checks each by reflection, a tenth of a small chart's render.
func newSet(strict bool, lookup lookupFunc) *template.Template {
	baseOnce.Do(func() { base = template.New(setName).Funcs(staticFuncs()) })
	t, err := base.Clone()
	if err != nil {
		// Clone fails only for a set with templates; base has none.
		panic(err)
	}
	t.Option(missingKeyOption(strict))
	return t.Funcs(renderFuncs(t, strict, lookup))
}

// includeFunc executes a named template into a string. depth counts how often each name is on the
// stack, so a template that includes itself without end fails instead of exhausting the stack.
func includeFunc(t *template.Template, depth map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if depth[name] > includeDepthLimit {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

// tplFunc renders a string as a template in a clone of the current set, so defines inside it can be
// included and do not leak into the chart's own templates, as Helm's tpl does. Cloning the chart's
// whole set (every template and both function maps) is most of a call's cost, so a text that can
// change nothing in the clone but the one template it is parsed into reuses the clone of the previous
// such call: replacing that template leaves the clone as a fresh one would be. Texts with a define or
// a block, or that could parse to an empty tree (which would not replace the previous text), get a
// fresh clone every time.
func tplFunc(parent *template.Template, depth map[string]int, strict bool) func(string, interface{}) (string, error) {
	var reusable *template.Template
	return func(text string, vals interface{}) (string, error) {
		reuse := onlyReplacesItself(text)
		t := reusable
		if !reuse || t == nil {
			var err error
			if t, err = tplClone(parent, depth, strict); err != nil {
				return "", err
			}
			if reuse {
				reusable = t
			}
		}
		// A new template under the parent's name, so text made only of defines still executes.
		t, err := parseInto(t, parent.Name(), text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// tplClone is the set a tpl text runs in, its include and tpl bound to it.
func tplClone(parent *template.Template, depth map[string]int, strict bool) (*template.Template, error) {
	t, err := parent.Clone()
	if err != nil {
		return nil, fmt.Errorf("cannot clone template: %w", err)
	}
	// Clone drops the missingkey option (golang/go#43022), so set it again.
	t.Option(missingKeyOption(strict))
	t.Funcs(template.FuncMap{
		"include": includeFunc(t, depth),
		"tpl":     tplFunc(t, depth, strict),
	})
	return t, nil
}

// onlyReplacesItself is true when parsing text can add no template to a set and cannot give an empty
// tree (text/template keeps an existing template instead of an empty one): no define or block, no
// comment, not blank. A conservative test on the text; anything else takes a fresh clone.
func onlyReplacesItself(text string) bool {
	return strings.TrimSpace(text) != "" && !strings.Contains(text, "define") && !strings.Contains(text, "block") && !strings.Contains(text, "/*")
}

// required fails the render with the given message when the value is nil or an empty string.
func required(msg string, val interface{}) (interface{}, error) {
	if val == nil {
		return val, userError(msg)
	}
	if s, ok := val.(string); ok && s == "" {
		return val, userError(msg)
	}
	return val, nil
}

// fail replaces Sprig's, so its message reaches the user unwrapped, as required's does.
func fail(msg string) (string, error) { return "", userError(msg) }

// toYAML is sigs.k8s.io/yaml without the final newline; a value that cannot be marshalled gives "".
func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

// mustToYAML is toYAML that fails the render instead of printing nothing.
func mustToYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(data), "\n")
}

// toYAMLPretty indents lists under their keys (yaml.v3 with a 2-space indent).
func toYAMLPretty(v interface{}) string {
	var buf bytes.Buffer
	enc := yamlv3.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// fromYAML parses a YAML map; a parse error lands in the result's "Error" key instead of failing.
func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAMLArray parses a YAML list; a parse error becomes the list's only element.
func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// toTOML encodes with BurntSushi/toml; an encoding error is printed in place of the document.
func toTOML(v interface{}) string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return err.Error()
	}
	return buf.String()
}

// fromTOML parses a TOML document; a parse error lands in the result's "Error" key.
func fromTOML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if _, err := toml.Decode(str, &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// toJSON is encoding/json; a value that cannot be marshalled gives "".
func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

// mustToJSON is toJSON that fails the render instead of printing nothing.
func mustToJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// fromJSON parses a JSON object; a parse error lands in the result's "Error" key.
func fromJSON(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromJSONArray parses a JSON array; a parse error becomes the list's only element.
func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}
