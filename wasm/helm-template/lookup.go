package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// lookupFunc answers one lookup call as Helm's does: the object as a map, the list (a map with "items")
// when name is empty, an empty map when nothing is found, or an error that fails the render.
type lookupFunc func(apiVersion, kind, namespace, name string) (map[string]interface{}, error)

// objectSource is what the engine asks for an object: its JSON, found=false when it does not exist,
// or an error (not-found is not an error). The WASM build asks the agent's JavaScript function; the
// request's LookupAnswers serve both builds in tests.
type objectSource func(apiVersion, kind, namespace, name string) (object []byte, found bool, err error)

// LookupAnswer is one canned lookup result in the request, so the native oracle and the WASM build can
// be compared on templates that use lookup. Object is the object (or List) as JSON; Error, when set,
// fails the lookup with that message.
type LookupAnswer struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Namespace  string          `json:"namespace"`
	Name       string          `json:"name"`
	Object     json.RawMessage `json:"object,omitempty"`
	Error      string          `json:"error,omitempty"`
}

// newLookup turns an object source into the template function. Without a source lookup finds nothing,
// as under helm template.
func newLookup(source objectSource) lookupFunc {
	return func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		if source == nil {
			return map[string]interface{}{}, nil
		}
		data, found, err := source(apiVersion, kind, namespace, name)
		if err != nil {
			return map[string]interface{}{}, err
		}
		if !found {
			// Helm returns an empty map so that `if not (lookup ...)` works in templates.
			return map[string]interface{}{}, nil
		}
		obj, err := decodeObject(data)
		if err != nil {
			return map[string]interface{}{}, fmt.Errorf("cannot decode the %s %s/%s from the cluster: %w", kind, namespace, name, err)
		}
		return obj, nil
	}
}

// cannedSource answers from the request's LookupAnswers; a call with no matching answer finds nothing.
func cannedSource(answers []LookupAnswer) objectSource {
	if len(answers) == 0 {
		return nil
	}
	return func(apiVersion, kind, namespace, name string) ([]byte, bool, error) {
		for _, a := range answers {
			if a.APIVersion != apiVersion || a.Kind != kind || a.Namespace != namespace || a.Name != name {
				continue
			}
			if a.Error != "" {
				return nil, false, errors.New(a.Error)
			}
			return a.Object, len(a.Object) > 0 && string(a.Object) != "null", nil
		}
		return nil, false, nil
	}
}

// decodeObject reads an object as Kubernetes' unstructured JSON decoding does: whole numbers become
// int64 and others float64, so replicas: 1000000 prints as 1000000 (values print as 1e+06, objects not).
func decodeObject(data []byte) (map[string]interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]interface{}
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("the object is not a JSON object")
	}
	return convertNumbers(obj).(map[string]interface{}), nil
}

func convertNumbers(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			x[k] = convertNumbers(e)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = convertNumbers(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}
