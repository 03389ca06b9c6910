package main

import (
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

// MessageRequest asks for one ImageUpdateAutomation commit message: the template text rendered as
// image-automation-controller renders it (text/template with Sprig's hermetic functions only) over the
// same data types, so ranging over .Changed.Objects orders and prints its struct keys as Flux's do and
// {{ .AutomationObject }} prints "namespace/name".
type MessageRequest struct {
	Template         string            `json:"template"`
	AutomationObject NamespacedName    `json:"automationObject"`
	FileChanges      []FileChange      `json:"fileChanges"`
	Values           map[string]string `json:"values"`
}

// FileChange is one file's changes as the facade sends them: a list, since JSON has no struct keys.
type FileChange struct {
	File    string         `json:"file"`
	Objects []ObjectChange `json:"objects"`
}

// ObjectChange is one object's changes as the facade sends them.
type ObjectChange struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Namespace  string   `json:"namespace"`
	Changes    []Change `json:"changes"`
}

// NamespacedName is Kubernetes' types.NamespacedName: it prints as "namespace/name".
type NamespacedName struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (n NamespacedName) String() string { return n.Namespace + "/" + n.Name }

// TypeMeta, NameMeta and ResourceIdentifier are kyaml's, whose field order decides how text/template
// sorts ObjectIdentifier map keys: apiVersion, kind, name, namespace.
type TypeMeta struct {
	APIVersion string
	Kind       string
}

// NameMeta is kyaml's object name and namespace.
type NameMeta struct {
	Name      string
	Namespace string
}

// ResourceIdentifier is kyaml's identity of an object.
type ResourceIdentifier struct {
	TypeMeta
	NameMeta
}

// ObjectIdentifier is update.ObjectIdentifier: the object a change was made in.
type ObjectIdentifier struct {
	ResourceIdentifier
}

// Change is update.Change.
type Change struct {
	OldValue string `json:"oldValue"`
	NewValue string `json:"newValue"`
	Setter   string `json:"setter"`
}

// ObjectChanges is update.ObjectChanges.
type ObjectChanges map[ObjectIdentifier][]Change

// Result is update.Result, with its two helper methods templates call.
type Result struct {
	FileChanges map[string]ObjectChanges
}

// Changes is every distinct change, in the order of sorted files, then objects, then changes (Flux
// ranges over Go maps here, so its order varies between runs).
func (r Result) Changes() []Change {
	seen := map[Change]bool{}
	var out []Change
	for _, file := range sortedStrings(r.FileChanges) {
		objects := r.FileChanges[file]
		for _, id := range sortedIdentifiers(objects) {
			for _, c := range objects[id] {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// Objects is the changes per object, whatever file it is in.
func (r Result) Objects() ObjectChanges {
	out := ObjectChanges{}
	for _, file := range sortedStrings(r.FileChanges) {
		objects := r.FileChanges[file]
		for _, id := range sortedIdentifiers(objects) {
			out[id] = append(out[id], objects[id]...)
		}
	}
	return out
}

// TemplateData is the value the commit message template executes with.
type TemplateData struct {
	AutomationObject NamespacedName
	Changed          Result
	Values           map[string]string
}

// defaultMessage is Flux's commit message when the automation sets no template.
const defaultMessage = "Update from image update automation"

const messageDocs = "See: https://fluxcd.io/flux/components/image/imageupdateautomations/#message-template"

// Flux reports the two fields it removed with errors of its own.
var removedFields = []struct{ pattern, message string }{
	{"can't evaluate field Updated in type source.TemplateData", "template uses removed '.Updated' field. Please use '.Changed' instead. " + messageDocs},
	{"can't evaluate field ImageResult in type update.Result", "template uses removed '.Changed.ImageResult' field. Please use '.Changed.FileChanges' or '.Changed.Objects' instead. " + messageDocs},
}

// fluxTypeNames are the names Flux's error texts give our types (its packages are source and update).
var fluxTypeNames = strings.NewReplacer(
	"main.TemplateData", "source.TemplateData",
	"main.Result", "update.Result",
	"main.ObjectIdentifier", "update.ObjectIdentifier",
	"main.Change", "update.Change",
	"main.ObjectChanges", "update.ObjectChanges",
	"main.NamespacedName", "types.NamespacedName",
)

// RenderMessage renders a commit message, or fails with the error texts image-automation-controller
// gives.
func RenderMessage(req *MessageRequest) (msg string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("failed to run template from spec: %v", r)
		}
	}()
	text := req.Template
	if text == "" {
		text = defaultMessage
	}
	t, err := template.New("commit message").Funcs(sprig.HermeticTxtFuncMap()).Parse(text)
	if err != nil {
		return "", fmt.Errorf("unable to create commit message template from spec: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, messageData(req)); err != nil {
		flux := fluxTypeNames.Replace(err.Error())
		for _, f := range removedFields {
			if strings.Contains(flux, f.pattern) {
				return "", fmt.Errorf("%s", f.message)
			}
		}
		return "", fmt.Errorf("failed to run template from spec: %s", flux)
	}
	return b.String(), nil
}

func messageData(req *MessageRequest) TemplateData {
	result := Result{FileChanges: map[string]ObjectChanges{}}
	for _, f := range req.FileChanges {
		objects := result.FileChanges[f.File]
		if objects == nil {
			objects = ObjectChanges{}
			result.FileChanges[f.File] = objects
		}
		for _, o := range f.Objects {
			id := ObjectIdentifier{ResourceIdentifier{TypeMeta{o.APIVersion, o.Kind}, NameMeta{o.Name, o.Namespace}}}
			objects[id] = append(objects[id], o.Changes...)
		}
	}
	values := req.Values
	if values == nil {
		values = map[string]string{}
	}
	return TemplateData{AutomationObject: req.AutomationObject, Changed: result, Values: values}
}

func sortedStrings(m map[string]ObjectChanges) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedIdentifiers(m ObjectChanges) []ObjectIdentifier {
	ids := make([]ObjectIdentifier, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	// The order text/template's range gives struct keys: field by field.
	key := func(id ObjectIdentifier) []string { return []string{id.APIVersion, id.Kind, id.Name, id.Namespace} }
	sort.Slice(ids, func(i, j int) bool {
		x, y := key(ids[i]), key(ids[j])
		for k := range x {
			if x[k] != y[k] {
				return x[k] < y[k]
			}
		}
		return false
	})
	return ids
}
