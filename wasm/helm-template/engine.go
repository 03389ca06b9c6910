// Command helm-template is rivulet's Helm template engine: Go's text/template with Sprig and Helm's own
// functions, wired as Helm's engine wires them (late-bound include and tpl, missingkey=zero, "<no value>"
// stripped, partials not emitted, Helm's error texts). It only templates: the TypeScript side loads
// charts, coalesces values and sorts the output. Built for js/wasm it exposes one function to JavaScript;
// built natively it reads one request on stdin and is the test oracle for the WASM build.
package main

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

// includeDepthLimit is how often one named template may be on the include stack at once, as in Helm.
const includeDepthLimit = 1000

// Helm marks errors raised by required and fail so that only their message reaches the user.
const (
	userErrStart = "HELM_ERR_START"
	userErrEnd   = "HELM_ERR_END"
)

var userErrPattern = regexp.MustCompile(userErrStart + `((?s).*)` + userErrEnd)

func userError(msg string) error { return errors.New(userErrStart + msg + userErrEnd) }

// renderable is one parsed template with the objects it is executed with.
type renderable struct {
	text     string
	vals     map[string]interface{}
	basePath string
}

// Render executes every non-partial template of the request and returns its output by template name.
// lookup asks source for objects; with a nil source it answers from the request's LookupAnswers, and
// finds nothing when there are none (helm template).
func Render(req *Request, source objectSource) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	tpls, err := renderables(req)
	if err != nil {
		return nil, err
	}
	if source == nil {
		source = cannedSource(req.LookupAnswers)
	}
	t := newSet(req.Strict, newLookup(source))

	// Helm parses shallow paths after deep ones, so a parent chart's define wins over a subchart's.
	names := parseOrder(tpls)
	for _, name := range names {
		if _, err := parseInto(t, name, tpls[name].text); err != nil {
			return nil, parseError(name, err)
		}
	}
	rendered = make(map[string]string, len(names))
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		r := tpls[name]
		r.vals["Template"] = map[string]interface{}{"Name": name, "BasePath": r.basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, r.vals); err != nil {
			return nil, execError(name, err)
		}
		// missingkey=zero still prints "<no value>" for a missing key of a map of interfaces.
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

func missingKeyOption(strict bool) string {
	if strict {
		return "missingkey=error"
	}
	return "missingkey=zero"
}

// renderables builds each scope's top-level objects once (shared by its templates, as in Helm) and
// assigns every template to its scope. A library chart's non-partial templates are dropped.
func renderables(req *Request) (map[string]renderable, error) {
	keys := sortedKeys(req.Scopes)
	objects := make(map[string]map[string]interface{}, len(keys))
	// One .Release and one .Capabilities for every chart of the release, as Helm shares them.
	release := releaseObject(req.Release)
	caps := &req.Capabilities
	for _, k := range keys {
		s := req.Scopes[k]
		values := s.Values
		if values == nil {
			values = map[string]interface{}{}
		}
		_, hasParent := parentOf(k)
		objects[k] = map[string]interface{}{
			"Values":       values,
			"Chart":        chartObject{Metadata: s.Chart, IsRoot: !hasParent},
			"Release":      release,
			"Capabilities": caps,
			"Files":        newFiles(s.Files),
			"Subcharts":    map[string]interface{}{},
		}
	}
	for _, k := range keys {
		if parent, ok := parentOf(k); ok {
			if p, ok := objects[parent]; ok {
				p["Subcharts"].(map[string]interface{})[req.Scopes[k].Chart.Name] = objects[k]
			}
		}
	}
	tpls := make(map[string]renderable, len(req.Templates))
	for _, t := range req.Templates {
		scope, ok := scopeOf(t.Name, keys)
		if !ok {
			return nil, fmt.Errorf("cannot render template %s: it lies in no chart of the request", t.Name)
		}
		if strings.EqualFold(req.Scopes[scope].Chart.Type, "library") && !strings.HasPrefix(path.Base(t.Name), "_") {
			continue
		}
		tpls[t.Name] = renderable{text: t.Data, vals: objects[scope], basePath: scope + "/templates"}
	}
	return tpls, nil
}

func releaseObject(r Release) map[string]interface{} {
	return map[string]interface{}{
		"Name":      r.Name,
		"Namespace": r.Namespace,
		"IsUpgrade": r.IsUpgrade,
		"IsInstall": r.IsInstall,
		"Revision":  r.Revision,
		"Service":   r.Service,
	}
}

// parseOrder sorts deeper paths first, then by name, as Helm's sortTemplates does.
func parseOrder(tpls map[string]renderable) []string {
	names := make([]string, 0, len(tpls))
	for n := range tpls {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		di, dj := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if di != dj {
			return di > dj
		}
		return names[i] > names[j]
	})
	return names
}

// parseError keeps text/template's location and its last message, as Helm prints them.
func parseError(name string, err error) error {
	parts := strings.Split(err.Error(), ": ")
	if len(parts) == 1 {
		return fmt.Errorf("parse error in (%s): %s", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", parts[1], parts[len(parts)-1])
}

// execError shortens errors from required and fail to their message at their location; other
// execution errors keep text/template's full text, as in Helm.
func execError(name string, err error) error {
	if _, ok := err.(template.ExecError); !ok {
		return err
	}
	parts := strings.SplitN(err.Error(), ": ", 3)
	if len(parts) != 3 {
		return fmt.Errorf("execution error in (%s): %s", name, err)
	}
	if m := userErrPattern.FindStringSubmatch(parts[2]); len(m) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", parts[1], m[1])
	}
	return err
}
