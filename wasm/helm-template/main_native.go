//go:build !js

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// main is the test oracle: one JSON request on stdin, its JSON response on stdout. lookup answers only
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
	var out []byte
	start := time.Now()
	for i := 0; i < *repeat; i++ {
		out = handle(in, nil)
	}
	if *repeat > 1 {
		fmt.Fprintf(os.Stderr, "%d\n", time.Since(start).Nanoseconds()/int64(*repeat))
	}
	os.Stdout.Write(out)
}
