// Command go-json is a test oracle: it prints what Go's encoding/json writes for JSON values, so
// agent/core/go-json.test.ts can compare rivulet's encoder with Go's on every run.
//
// It reads a JSON array of values on stdin and prints a JSON array holding json.Marshal's text for each.
// Decoding first makes every number a float64 and turns a lone surrogate escape into U+FFFD, as Go does
// for any JSON it reads. Go 1.19 writes \b and \f as \u0008 and \u000c (Go 1.22 changed that), so the
// inputs hold neither.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	var values []interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&values); err != nil {
		fail("cannot read the values: %v", err)
	}
	out := make([]string, 0, len(values))
	for i, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			fail("cannot encode value %d: %v", i, err)
		}
		out = append(out, string(b))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("cannot write the output: %v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-json: "+format+"\n", args...)
	os.Exit(1)
}
