//go:build !js

package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// main is the test oracle: one JSON request on stdin, then a newline and its files' bytes (JSON holds
// no raw newline), and its JSON response on stdout. lookup answers only
// from the request's LookupAnswers (an empty map without them): the oracle never reaches a cluster. With -repeat N it
// handles the request N times (decode, render, encode, as the WASM function does per call) and prints
// the mean time per render in nanoseconds on stderr, for the benchmark.
func main() {
	repeat := flag.Int("repeat", 1, "handle the request this many times and report ns per render on stderr")
	flag.Parse()
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read the request:", err)
		os.Exit(1)
	}
	request, fileBytes := in, []byte(nil)
	if i := bytes.IndexByte(in, '\n'); i >= 0 {
		request, fileBytes = in[:i], in[i+1:]
	}
	var out []byte
	start := time.Now()
	for i := 0; i < *repeat; i++ {
		out = handle(request, fileBytes, nil)
	}
	if *repeat > 1 {
		fmt.Fprintf(os.Stderr, "%d\n", time.Since(start).Nanoseconds()/int64(*repeat))
	}
	os.Stdout.Write(out)
}
