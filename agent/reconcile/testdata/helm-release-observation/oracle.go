// Oracle for helm-release-observation.test.ts: decodes the helm-controller release fixtures into
// copies of Helm 4.2's Go types (json tags, Info and HookExecution MarshalJSON) and prints the digest
// helm-controller's ObserveRelease + Digest give each. Build and run (Debian golang-go):
//   GO111MODULE=off go build -o /tmp/oracle oracle.go && /tmp/oracle ../../../../../shared/fixtures/helm-release/internal/release/testdata/*
// Oracle: decodes Helm release fixtures (base64(gzip(json))) into copies of Helm 4.2's Go types,
// and prints helm-controller's Observation digest and the values digest input for each.
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
	"time"
)

type Info struct {
	FirstDeployed    time.Time `json:"first_deployed"`
	LastDeployed     time.Time `json:"last_deployed"`
	Deleted          time.Time `json:"deleted"`
	Description      string    `json:"description,omitempty"`
	Status           string    `json:"status,omitempty"`
	RollbackRevision int       `json:"rollback_revision,omitempty"`
	Notes            string    `json:"notes,omitempty"`
}
type infoJSON struct {
	FirstDeployed    *time.Time `json:"first_deployed,omitempty"`
	LastDeployed     *time.Time `json:"last_deployed,omitempty"`
	Deleted          *time.Time `json:"deleted,omitempty"`
	Description      string     `json:"description,omitempty"`
	Status           string     `json:"status,omitempty"`
	RollbackRevision int        `json:"rollback_revision,omitempty"`
	Notes            string     `json:"notes,omitempty"`
}

func (i Info) MarshalJSON() ([]byte, error) {
	t := infoJSON{Description: i.Description, Status: i.Status, RollbackRevision: i.RollbackRevision, Notes: i.Notes}
	if !i.FirstDeployed.IsZero() {
		t.FirstDeployed = &i.FirstDeployed
	}
	if !i.LastDeployed.IsZero() {
		t.LastDeployed = &i.LastDeployed
	}
	if !i.Deleted.IsZero() {
		t.Deleted = &i.Deleted
	}
	return json.Marshal(t)
}

type HookExecution struct {
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
	Phase       string    `json:"phase"`
}
type hookExecutionJSON struct {
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Phase       string     `json:"phase"`
}

func (h HookExecution) MarshalJSON() ([]byte, error) {
	t := hookExecutionJSON{Phase: h.Phase}
	if !h.StartedAt.IsZero() {
		t.StartedAt = &h.StartedAt
	}
	if !h.CompletedAt.IsZero() {
		t.CompletedAt = &h.CompletedAt
	}
	return json.Marshal(t)
}

type Hook struct {
	Name              string        `json:"name,omitempty"`
	Kind              string        `json:"kind,omitempty"`
	Path              string        `json:"path,omitempty"`
	Manifest          string        `json:"manifest,omitempty"`
	Events            []string      `json:"events,omitempty"`
	LastRun           HookExecution `json:"last_run"`
	Weight            int           `json:"weight,omitempty"`
	DeletePolicies    []string      `json:"delete_policies,omitempty"`
	OutputLogPolicies []string      `json:"output_log_policies,omitempty"`
}
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}
type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}
type Release struct {
	Name      string                 `json:"name"`
	Namespace string                 `json:"namespace"`
	Version   int                    `json:"version"`
	Info      *Info                  `json:"info"`
	Chart     *struct{ Metadata *Metadata `json:"metadata"` } `json:"chart"`
	Config    map[string]interface{} `json:"config"`
	Manifest  string                 `json:"manifest"`
	Hooks     []*Hook                `json:"hooks"`
}
type Observation struct {
	Name          string                 `json:"name"`
	Version       int                    `json:"version"`
	Info          Info                   `json:"info"`
	ChartMetadata Metadata               `json:"chartMetadata"`
	Config        map[string]interface{} `json:"config"`
	Manifest      string                 `json:"manifest"`
	Hooks         []Hook                 `json:"hooks"`
	Namespace     string                 `json:"namespace"`
	OCIDigest     string                 `json:"ociDigest,omitempty"`
}

func main() {
	for _, path := range os.Args[1:] {
		raw, _ := os.ReadFile(path)
		b, err := base64.StdEncoding.DecodeString(string(raw))
		if err != nil {
			panic(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			panic(err)
		}
		j, _ := io.ReadAll(zr)
		// Helm 4 reads "" as a zero time.
		j = regexp.MustCompile(`"(first_deployed|last_deployed|deleted|started_at|completed_at)":""`).ReplaceAll(j, []byte(`"$1":null`))
		var rel Release
		if err := json.Unmarshal(j, &rel); err != nil {
			panic(err)
		}
		obs := Observation{Name: rel.Name, Version: rel.Version, Manifest: rel.Manifest, Namespace: rel.Namespace}
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
			test := false
			for _, e := range h.Events {
				if e == "test" {
					test = true
				}
			}
			if !test {
				obs.Hooks = append(obs.Hooks, *h)
			}
		}
		h := sha256.New()
		json.NewEncoder(h).Encode(obs)
		fmt.Printf("%s sha256:%x\n", path, h.Sum(nil))
	}
}
