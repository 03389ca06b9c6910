// Command go-yaml-v2 is a test oracle: it prints the text Flux hashes for a HelmRelease's values
// (fluxcd/pkg chartutil's DigestValues input: go-yaml v2 over sigs.k8s.io/yaml's
// JSONObjectToYAMLObject, every map's keys sorted), so agent/yaml/go-yaml-v2.test.ts can compare
// rivulet's encoder with go-yaml v2 on every run.
//
// It reads a JSON array of objects on stdin and prints a JSON array holding the YAML text of each; an
// empty object gives "", as Flux hashes nothing for no values.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"gopkg.in/yaml.v2"
	sigyaml "sigs.k8s.io/yaml"
)

func main() {
	var values []map[string]interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&values); err != nil {
		fail("cannot read the values: %v", err)
	}
	out := make([]string, 0, len(values))
	for i, v := range values {
		var buf bytes.Buffer
		if len(v) > 0 {
			ms := sigyaml.JSONObjectToYAMLObject(v)
			sortMapSlice(ms)
			if err := yaml.NewEncoder(&buf).Encode(ms); err != nil {
				fail("cannot encode value %d: %v", i, err)
			}
		}
		out = append(out, buf.String())
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("cannot write the output: %v", err)
	}
}

// sortMapSlice orders the keys of a map and of every map below it, as chartutil's SortMapSlice does.
func sortMapSlice(ms yaml.MapSlice) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Key.(string) < ms[j].Key.(string) })
	for _, item := range ms {
		sortValue(item.Value)
	}
}

func sortValue(v interface{}) {
	switch t := v.(type) {
	case yaml.MapSlice:
		sortMapSlice(t)
	case []interface{}:
		for _, item := range t {
			sortValue(item)
		}
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-yaml-v2: "+format+"\n", args...)
	os.Exit(1)
}
