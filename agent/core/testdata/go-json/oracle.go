// Build and run (Debian golang-go):
//   GO111MODULE=off go build -o /tmp/oracle oracle.go && jq "[.[].value]" cases.json | /tmp/oracle
// cases.json holds the values and this program's output for each ("json"). Go 1.19 writes \b and \f
// as \u0008 and \u000c (Go 1.22 changed that), so the cases hold neither.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	var cases []interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	var out []string
	for _, c := range cases {
		b, err := json.Marshal(c)
		if err != nil {
			panic(err)
		}
		out = append(out, string(b))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
