package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Request is what the TypeScript facade (or the native oracle's stdin) hands the engine: every template of
// a chart and its subcharts, and per chart scope the objects its templates see. Chart loading, values
// coalescing and dependency resolution happen on the TypeScript side; this program only templates.
type Request struct {
	// Templates are named by their full path: "mychart/templates/x.yaml",
	// "mychart/charts/sub/templates/y.yaml". Each belongs to the scope whose path plus "/templates/"
	// is the longest prefix of its name.
	Templates []Template `json:"templates"`
	// Scopes are keyed by chart path ("mychart", "mychart/charts/sub"), as Helm's ChartFullPath.
	Scopes map[string]Scope `json:"scopes"`
	// Release and Capabilities are the same objects in every scope, as in Helm, so they travel once.
	Release      Release      `json:"release"`
	Capabilities Capabilities `json:"capabilities"`
	// Strict turns a missing map key into an error (Helm's --strict lint mode).
	Strict bool `json:"strict,omitempty"`
	// LookupAnswers are canned lookup results, for tests of both builds; the agent answers lookups
	// through its own function instead (main_js.go).
	LookupAnswers []LookupAnswer `json:"lookupAnswers,omitempty"`
	// Message, when set, makes this a commit message request (message.go): the answer's one rendered
	// entry is "message", and the fields above are unused.
	Message *MessageRequest `json:"message,omitempty"`
}

// Template is one template file's text.
type Template struct {
	Name string `json:"name"`
	Data string `json:"data"`
}

// Scope holds the objects particular to one chart's templates.
type Scope struct {
	Values map[string]interface{} `json:"values"`
	Chart  Metadata               `json:"chart"`
	// Files are the chart's non-template files. Their bytes travel beside the JSON, not in it: decoding
	// base64 in JSON was most of a render for charts with large files (CRD bundles), in WASM above all.
	Files []File `json:"files"`
}

// File is one of a chart's other files, reachable through .Files: its bytes are Size bytes at Offset in
// the request's file bytes.
type File struct {
	Name   string `json:"name"`
	Offset int    `json:"offset"`
	Size   int    `json:"size"`
	Data   []byte `json:"-"`
}

// Release mirrors the .Release object Helm builds (chartutil.ToRenderValues).
type Release struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	IsUpgrade bool   `json:"isUpgrade"`
	IsInstall bool   `json:"isInstall"`
	Revision  int    `json:"revision"`
	Service   string `json:"service"`
}

// Response is the engine's one answer: the rendered templates, or the error Helm would print.
type Response struct {
	Rendered map[string]string `json:"rendered,omitempty"`
	Error    string            `json:"error,omitempty"`
}

// decodeRequest reads a request and points its files at their bytes in fileBytes (shared, not copied);
// values keep encoding/json's float64 numbers, as Helm's YAML-to-JSON values path does, so 1000000
// prints as 1e+06 exactly as in Helm.
func decodeRequest(data, fileBytes []byte) (*Request, error) {
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, fmt.Errorf("cannot decode the render request: %w", err)
	}
	for k, s := range req.Scopes {
		for i, f := range s.Files {
			if f.Offset < 0 || f.Size < 0 || f.Offset+f.Size > len(fileBytes) {
				return nil, fmt.Errorf("cannot decode the render request: the file %s of %s lies outside the %d file bytes", f.Name, k, len(fileBytes))
			}
			s.Files[i].Data = fileBytes[f.Offset : f.Offset+f.Size : f.Offset+f.Size]
		}
	}
	return &req, nil
}

// respond renders one JSON request, its files' bytes beside it; every failure becomes the response's
// error. source answers lookup calls (nil: the request's LookupAnswers, or nothing).
func respond(data, fileBytes []byte, source objectSource) Response {
	req, err := decodeRequest(data, fileBytes)
	if err != nil {
		return Response{Error: err.Error()}
	}
	if req.Message != nil {
		msg, err := RenderMessage(req.Message)
		if err != nil {
			return Response{Error: err.Error()}
		}
		return Response{Rendered: map[string]string{"message": msg}}
	}
	rendered, err := Render(req, source)
	if err != nil {
		return Response{Error: err.Error()}
	}
	return Response{Rendered: rendered}
}

// handle is respond with the response as JSON, as the native oracle writes it.
func handle(data, fileBytes []byte, source objectSource) []byte {
	out, err := json.Marshal(respond(data, fileBytes, source))
	if err != nil {
		out, _ = json.Marshal(Response{Error: "cannot encode the render response: " + err.Error()})
	}
	return out
}

// scopeOf finds the chart scope a template name belongs to.
func scopeOf(name string, scopes []string) (string, bool) {
	best := ""
	for _, s := range scopes {
		if strings.HasPrefix(name, s+"/templates/") && len(s) > len(best) {
			best = s
		}
	}
	return best, best != ""
}

// parentOf returns the chart path a subchart path sits in ("a/charts/b" → "a").
func parentOf(scope string) (string, bool) {
	i := strings.LastIndex(scope, "/charts/")
	if i < 0 {
		return "", false
	}
	return scope[:i], true
}

func sortedKeys(m map[string]Scope) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
