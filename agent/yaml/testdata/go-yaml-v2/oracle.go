// Build and run (Debian golang-go, golang-gopkg-yaml.v2-dev, golang-k8s-sigs-yaml-dev):
//   GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/oracle oracle.go
//   jq "[.[].value]" cases.json | /tmp/oracle
// cases.json holds the values and the "yaml" field of this program's output for them.
// Oracle: reads a JSON array of values, prints for each the yaml.v2 text of
// JSONObjectToYAMLObject(value) sorted by key (fluxcd/pkg chartutil.Encode with SortMapSlice)
// and its sha256, as a JSON array of {yaml, digest}.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"gopkg.in/yaml.v2"
	sigyaml "sigs.k8s.io/yaml"
)

func sortSlice(s []interface{}) {
	for _, item := range s {
		if ms, ok := item.(yaml.MapSlice); ok {
			sortMapSlice(ms)
		} else if sl, ok := item.([]interface{}); ok {
			sortSlice(sl)
		}
	}
}

func sortMapSlice(ms yaml.MapSlice) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Key.(string) < ms[j].Key.(string) })
	for _, item := range ms {
		if n, ok := item.Value.(yaml.MapSlice); ok {
			sortMapSlice(n)
		} else if sl, ok := item.Value.([]interface{}); ok {
			sortSlice(sl)
		}
	}
}

func main() {
	var cases []map[string]interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	type out struct {
		Yaml   string `json:"yaml"`
		Digest string `json:"digest"`
	}
	var res []out
	for _, c := range cases {
		var buf bytes.Buffer
		h := sha256.New()
		if len(c) > 0 {
			ms := sigyaml.JSONObjectToYAMLObject(c)
			sortMapSlice(ms)
			if err := yaml.NewEncoder(&buf).Encode(ms); err != nil {
				panic(err)
			}
			h.Write(buf.Bytes())
		}
		res = append(res, out{buf.String(), fmt.Sprintf("sha256:%x", h.Sum(nil))})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.Encode(res)
}
