// Command go-strconv-regexp is a test oracle: it prints what Go's strconv.ParseFloat and
// regexp.Regexp.ExpandString give, so agent/core's parseGoFloat and goExpand (the readers of
// ImagePolicy tags and filterTags) are compared with Go on every run.
//
// It reads a JSON array of inputs on stdin, each {"float": s} or {"pattern": p, "template": t, "src": s},
// and prints a JSON array with one output each: {"ok": true, "value": v} with v as
// strconv.FormatFloat(f, 'g', -1, 64) (or {"ok": false} for an error) for a float, and
// {"matched": m, "out": o} (or {"error": e} when the pattern does not compile) for an expansion over the
// leftmost match, as image-reflector-controller's RegexFilter expands it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
)

type input struct {
	Float    *string `json:"float"`
	Pattern  string  `json:"pattern"`
	Template string  `json:"template"`
	Src      string  `json:"src"`
}

type output struct {
	OK      *bool   `json:"ok,omitempty"`
	Value   *string `json:"value,omitempty"`
	Matched *bool   `json:"matched,omitempty"`
	Out     *string `json:"out,omitempty"`
	Error   *string `json:"error,omitempty"`
}

func main() {
	var inputs []input
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fail("cannot read the inputs: %v", err)
	}
	out := make([]output, 0, len(inputs))
	for _, in := range inputs {
		if in.Float != nil {
			out = append(out, parseFloat(*in.Float))
		} else {
			out = append(out, expand(in))
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("cannot write the output: %v", err)
	}
}

func parseFloat(s string) output {
	f, err := strconv.ParseFloat(s, 64)
	ok := err == nil
	if !ok {
		return output{OK: &ok}
	}
	v := strconv.FormatFloat(f, 'g', -1, 64)
	return output{OK: &ok, Value: &v}
}

func expand(in input) output {
	re, err := regexp.Compile(in.Pattern)
	if err != nil {
		e := err.Error()
		return output{Error: &e}
	}
	m := re.FindStringSubmatchIndex(in.Src)
	matched := m != nil
	o := ""
	if matched {
		o = string(re.ExpandString(nil, in.Template, in.Src, m))
	}
	return output{Matched: &matched, Out: &o}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-strconv-regexp: "+format+"\n", args...)
	os.Exit(1)
}
