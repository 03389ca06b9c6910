// Command helm-release-observation is a test oracle: it prints the digest helm-controller records for a
// stored Helm release (ObserveRelease with the default filter, then sha256 over json.Encoder's output),
// so agent/reconcile/helm-release-observation.test.ts can compare rivulet's digest with Go's on every run.
//
// It reads a JSON array of {"release": <the release as Helm stores it: base64(gzip(JSON))>,
// "ociDigest": <optional>} on stdin and prints a JSON array of "sha256:<hex>" digests.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
)

type input struct {
	Release   string `json:"release"`
	OCIDigest string `json:"ociDigest"`
}

// Helm 4 reads a time stored as "" as the zero time; Go's time.Time refuses "", so it becomes null first.
var emptyTime = regexp.MustCompile(`"(first_deployed|last_deployed|deleted|started_at|completed_at)":""`)

func main() {
	var inputs []input
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fail("cannot read the inputs: %v", err)
	}
	out := make([]string, 0, len(inputs))
	for i, in := range inputs {
		rel, err := decode(in.Release)
		if err != nil {
			fail("cannot decode release %d: %v", i, err)
		}
		h := sha256.New()
		if err := json.NewEncoder(h).Encode(observe(rel, in.OCIDigest)); err != nil {
			fail("cannot encode the observation of release %d: %v", i, err)
		}
		out = append(out, fmt.Sprintf("sha256:%x", h.Sum(nil)))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("cannot write the output: %v", err)
	}
}

// decode reads a release as Helm's storage drivers write it: base64, then gzip, then JSON.
func decode(stored string) (*Release, error) {
	b, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	j, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var rel Release
	if err := json.Unmarshal(emptyTime.ReplaceAll(j, []byte(`"$1":null`)), &rel); err != nil {
		return nil, err
	}
	return &rel, nil
}

// observe is helm-controller's ObserveRelease with its default filter, which drops test hooks.
func observe(rel *Release, ociDigest string) Observation {
	obs := Observation{Name: rel.Name, Version: rel.Version, Manifest: rel.Manifest, Namespace: rel.Namespace, OCIDigest: ociDigest}
	if rel.Info != nil {
		obs.Info = *rel.Info
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		obs.ChartMetadata = *rel.Chart.Metadata
	}
	if len(rel.Config) > 0 {
		obs.Config = rel.Config
	}
	for _, h := range rel.Hooks {
		if !isTestHook(h) {
			obs.Hooks = append(obs.Hooks, *h)
		}
	}
	return obs
}

func isTestHook(h *Hook) bool {
	for _, e := range h.Events {
		if e == "test" {
			return true
		}
	}
	return false
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helm-release-observation: "+format+"\n", args...)
	os.Exit(1)
}
